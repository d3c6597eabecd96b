"""Render IPC calls as a C programmer writes them: `semop(3, {{0, -1, SEM_UNDO}}, 1)`.

Used in every IpcError (so a failure names the exact call) and by the panels' live preview.
Flags are spelt with their C names and modes in octal, as in the man pages. Arguments that are
buffers in C show as `buf`, `&ds`, ...; structures whose content matters show as `{...}` literals.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence

from ipcscope.core import constants as c
from ipcscope.model import SemOpSpec, format_key

# Flag names per call, in the order they are written.
IPC_GET_FLAGS = (("IPC_CREAT", c.IPC_CREAT), ("IPC_EXCL", c.IPC_EXCL))
SHMAT_FLAGS = (("SHM_RDONLY", c.SHM_RDONLY), ("SHM_RND", c.SHM_RND), ("SHM_REMAP", c.SHM_REMAP),
               ("SHM_EXEC", c.SHM_EXEC))
MSGSND_FLAGS = (("IPC_NOWAIT", c.IPC_NOWAIT),)
MSGRCV_FLAGS = (("MSG_EXCEPT", c.MSG_EXCEPT), ("MSG_COPY", c.MSG_COPY), ("IPC_NOWAIT", c.IPC_NOWAIT),
                ("MSG_NOERROR", c.MSG_NOERROR))
SEMBUF_FLAGS = (("IPC_NOWAIT", c.IPC_NOWAIT), ("SEM_UNDO", c.SEM_UNDO))
OPEN_FLAGS = (("O_CREAT", c.O_CREAT), ("O_EXCL", c.O_EXCL), ("O_NONBLOCK", c.O_NONBLOCK),
              ("O_CLOEXEC", c.O_CLOEXEC), ("O_DIRECTORY", c.O_DIRECTORY))
_ACCESS = {c.O_RDONLY: "O_RDONLY", c.O_WRONLY: "O_WRONLY", c.O_RDWR: "O_RDWR"}


# --------------------------------------------------------------------------- pieces


def call(name: str, *args: object) -> str:
    return f"{name}({', '.join(str(arg) for arg in args)})"


def flags(value: int, names: Iterable[tuple[str, int]], octal_rest: bool = False) -> str:
    """`IPC_CREAT|IPC_EXCL|0600`: known bits by name, the rest in octal (modes) or hex; 0 as `0`."""
    parts, rest = [], value
    for name, bit in names:
        if bit and value & bit == bit:
            parts.append(name)
            rest &= ~bit
    if rest:
        parts.append(f"0{rest:o}" if octal_rest else hex(rest))
    return "|".join(parts) or "0"


def open_flags(oflag: int) -> str:
    """`O_RDWR|O_CREAT|O_EXCL`: the access mode first, as C code usually spells it."""
    access = _ACCESS.get(oflag & c.O_ACCMODE, hex(oflag & c.O_ACCMODE))
    rest = flags(oflag & ~c.O_ACCMODE, OPEN_FLAGS)
    return access if rest == "0" else f"{access}|{rest}"


def key(value: int) -> str:
    return "IPC_PRIVATE" if value & 0xFFFFFFFF == c.IPC_PRIVATE else format_key(value)


def mode(value: int) -> str:
    return f"0{value:o}" if value else "0"


def string(value: str | bytes, limit: int = 32) -> str:
    """A C string literal; bytes outside printable ASCII as 3-digit octal escapes."""
    raw = value.encode() if isinstance(value, str) else value
    shown = raw[:limit]
    out = []
    for byte in shown:
        char = chr(byte)
        if char in '"\\':
            out.append("\\" + char)
        elif 32 <= byte < 127:
            out.append(char)
        else:
            out.append(f"\\{byte:03o}")
    return '"' + "".join(out) + '"' + ("..." if len(raw) > limit else "")


def seconds(timeout: float) -> str:
    """A relative `struct timespec` literal: `{1, 500000000}`."""
    nanoseconds = max(0, round(timeout * 1e9))
    return f"{{{nanoseconds // 1_000_000_000}, {nanoseconds % 1_000_000_000}}}"


def absolute(timeout: float) -> str:
    """An absolute CLOCK_REALTIME deadline, shown by what it means."""
    return f"/* now + {timeout:g} s */ &ts"


def sembuf(op: SemOpSpec) -> str:
    delta = f"{op.op:+d}" if op.op else "0"
    return f"{{{op.num}, {delta}, {flags(op.flags, SEMBUF_FLAGS)}}}"


def sembufs(ops: Sequence[SemOpSpec]) -> str:
    return "{" + ", ".join(sembuf(op) for op in ops) + "}"


def changes(prefix: str, fields: Mapping[str, int]) -> str:
    """An IPC_SET structure showing only what changes: `{.shm_perm.mode=0640}`."""
    shown = [
        f".{prefix}_perm.{name}={mode(value) if name == 'mode' else value}"
        if name in ("uid", "gid", "mode") else f".{prefix}_{name}={value}"
        for name, value in fields.items()
    ]
    return "{" + ", ".join(shown) + "}"


def _ctl_arg(cmd: int, info_cmds: tuple[int, ...], prefix: str, fields: Mapping[str, int] | None) -> str:
    if cmd == c.IPC_RMID:
        return "NULL"
    if cmd == c.IPC_SET and fields:
        return changes(prefix, fields)
    if cmd in info_cmds:
        return "&info"
    return "&ds"


# --------------------------------------------------------------------------- System V


def ftok_call(path: str, proj_id: int) -> str:
    proj = f"'{chr(proj_id)}'" if 0 < proj_id < 128 and chr(proj_id).isalnum() else str(proj_id)
    return call("ftok", string(path, 200), proj)


def shmget_call(key_value: int, size: int, shmflg: int) -> str:
    return call("shmget", key(key_value), size, flags(shmflg, IPC_GET_FLAGS, octal_rest=True))


def shmat_call(shmid: int, address: int | None, shmflg: int) -> str:
    return call("shmat", shmid, hex(address) if address else "NULL", flags(shmflg, SHMAT_FLAGS))


def shmdt_call(address: int) -> str:
    return call("shmdt", hex(address))


def shmctl_call(shmid: int, cmd: int, fields: Mapping[str, int] | None = None) -> str:
    arg = _ctl_arg(cmd, (c.IPC_INFO, c.SHM_INFO), "shm", fields)
    return call("shmctl", shmid, c.SHMCTL_COMMANDS.get(cmd, cmd), arg)


def msgget_call(key_value: int, msgflg: int) -> str:
    return call("msgget", key(key_value), flags(msgflg, IPC_GET_FLAGS, octal_rest=True))


def msgsnd_call(msqid: int, mtype: int, data: bytes, msgflg: int) -> str:
    """`msgsnd(5, {7, "hello"}, 5, IPC_NOWAIT)`: the message shown as its {mtype, mtext}."""
    return call("msgsnd", msqid, f"{{{mtype}, {string(data)}}}", len(data), flags(msgflg, MSGSND_FLAGS))


def msgrcv_call(msqid: int, maxsize: int, msgtyp: int, msgflg: int) -> str:
    return call("msgrcv", msqid, "buf", maxsize, msgtyp, flags(msgflg, MSGRCV_FLAGS))


def msgctl_call(msqid: int, cmd: int, fields: Mapping[str, int] | None = None) -> str:
    arg = _ctl_arg(cmd, (c.IPC_INFO, c.MSG_INFO), "msg", fields)
    return call("msgctl", msqid, c.MSGCTL_COMMANDS.get(cmd, cmd), arg)


def semget_call(key_value: int, nsems: int, semflg: int) -> str:
    return call("semget", key(key_value), nsems, flags(semflg, IPC_GET_FLAGS, octal_rest=True))


def semop_call(semid: int, ops: Sequence[SemOpSpec]) -> str:
    return call("semop", semid, sembufs(ops), len(ops))


def semtimedop_call(semid: int, ops: Sequence[SemOpSpec], timeout: float | None) -> str:
    return call("semtimedop", semid, sembufs(ops), len(ops), "NULL" if timeout is None else seconds(timeout))


# What a semctl call shows as its fourth argument: SETVAL's value, SETALL's values, IPC_SET's
# changed fields, or a placeholder such as "&ds"
SemctlShown = int | str | Sequence[int] | Mapping[str, int] | None


def semctl_call(semid: int, semnum: int, cmd: int, arg: SemctlShown = None) -> str:
    """`semctl(3, 0, SETVAL, 5)`, `semctl(3, 0, SETALL, {1, 0, 2})`, `semctl(3, 0, IPC_RMID)`."""
    name = c.SEMCTL_COMMANDS.get(cmd, cmd)
    if cmd in (c.IPC_RMID, c.GETVAL, c.GETPID, c.GETNCNT, c.GETZCNT):
        return call("semctl", semid, semnum, name)
    if cmd == c.SETVAL:
        shown = str(arg)
    elif cmd == c.SETALL and isinstance(arg, Sequence) and not isinstance(arg, str):
        shown = "{" + ", ".join(str(v) for v in arg) + "}"
    elif cmd == c.GETALL:
        shown = "array"
    elif cmd == c.IPC_SET and isinstance(arg, Mapping) and arg:
        shown = changes("sem", arg)
    elif cmd in (c.IPC_INFO, c.SEM_INFO):
        shown = "&info"
    else:
        shown = "&ds"
    return call("semctl", semid, semnum, name, shown)


# --------------------------------------------------------------------------- POSIX


def mq_open_call(name: str, oflag: int, mode_bits: int | None = None,
                 maxmsg: int | None = None, msgsize: int | None = None) -> str:
    if not oflag & c.O_CREAT:
        return call("mq_open", string(name, 300), open_flags(oflag))
    attr = "NULL"
    if maxmsg is not None or msgsize is not None:
        attr = f"{{.mq_maxmsg={maxmsg or 0}, .mq_msgsize={msgsize or 0}}}"
    return call("mq_open", string(name, 300), open_flags(oflag), mode(mode_bits or 0), attr)


def mq_send_call(mqd: int, data: bytes, priority: int, timeout: float | None = None) -> str:
    if timeout is None:
        return call("mq_send", mqd, string(data), len(data), priority)
    return call("mq_timedsend", mqd, string(data), len(data), priority, absolute(timeout))


def mq_receive_call(mqd: int, size: int, timeout: float | None = None) -> str:
    if timeout is None:
        return call("mq_receive", mqd, "buf", size, "&prio")
    return call("mq_timedreceive", mqd, "buf", size, "&prio", absolute(timeout))


def mq_getattr_call(mqd: int) -> str:
    return call("mq_getattr", mqd, "&attr")


def mq_setattr_call(mqd: int, nonblock: bool) -> str:
    return call("mq_setattr", mqd, f"{{.mq_flags={'O_NONBLOCK' if nonblock else 0}}}", "NULL")


def mq_close_call(mqd: int) -> str:
    return call("mq_close", mqd)


def mq_unlink_call(name: str) -> str:
    return call("mq_unlink", string(name, 300))


def shm_open_call(name: str, oflag: int, mode_bits: int) -> str:
    return call("shm_open", string(name, 300), open_flags(oflag), mode(mode_bits))


def ftruncate_call(fd: int | str, size: int) -> str:
    return call("ftruncate", fd, size)


def mmap_call(size: int, writable: bool, fd: int | str) -> str:
    prot = "PROT_READ|PROT_WRITE" if writable else "PROT_READ"
    return call("mmap", "NULL", size, prot, "MAP_SHARED", fd, 0)


def shm_unlink_call(name: str) -> str:
    return call("shm_unlink", string(name, 300))


def sem_open_call(name: str, oflag: int, mode_bits: int | None = None, value: int | None = None) -> str:
    """sem_open takes no access mode: `sem_open("/s", 0)` or `sem_open("/s", O_CREAT, 0600, 1)`."""
    shown = flags(oflag, OPEN_FLAGS)
    if not oflag & c.O_CREAT:
        return call("sem_open", string(name, 300), shown)
    return call("sem_open", string(name, 300), shown, mode(mode_bits or 0), value or 0)


def sem_call(function: str, name: str, timeout: float | None = None) -> str:
    """`sem_post(sem)` and friends; the semaphore's name rides along as a comment."""
    handle = f"sem /* {name} */"
    if function == "sem_getvalue":
        return call(function, handle, "&value")
    if function == "sem_timedwait":
        return call(function, handle, absolute(timeout or 0.0))
    return call(function, handle)


def sem_unlink_call(name: str) -> str:
    return call("sem_unlink", string(name, 300))


def fsopen_call() -> str:
    return call("fsopen", '"mqueue"', "FSOPEN_CLOEXEC")


def fsconfig_call(fsfd: int) -> str:
    return call("fsconfig", fsfd, "FSCONFIG_CMD_CREATE", "NULL", "NULL", 0)


def fsmount_call(fsfd: int) -> str:
    return call("fsmount", fsfd, "FSMOUNT_CLOEXEC", 0)


def openat_call(dirfd: int, path: str, oflag: int) -> str:
    return call("openat", dirfd, string(path), open_flags(oflag))
