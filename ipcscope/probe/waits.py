"""Turn a task's blocked syscall into "waits on object X for Y", as the kernel would read its args.

Argument layouts (kernel.md §2, checked against the SYSCALL_DEFINEs in ipc/):
  semop(int semid, struct sembuf *sops, unsigned nsops)      semtimedop: + timeout pointer
  msgsnd(int msqid, struct msgbuf *msgp, size_t msgsz, int msgflg)
  msgrcv(int msqid, struct msgbuf *msgp, size_t msgsz, long msgtyp, int msgflg)
  mq_timedsend / mq_timedreceive(mqd_t fd, char *msg, size_t len, ...)
  futex(u32 *uaddr, int op, u32 val, ...)
Unused registers hold garbage, so each decoder looks only at its own arguments.
"""

from __future__ import annotations

import struct
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Protocol

from ipcscope.model import SemOpSpec
from ipcscope.probe.procfs import SEMBUF_SIZE, Mapping, SyscallLine, decode_sembufs, s32, s64
from ipcscope.probe.syscalls import WaitKind, is_futex_wait

#: The kernel rejects nsops > SEMOPM (500 by default, settable higher) with E2BIG, so a blocked
#: task has a sane count; this bound only protects against a garbage register.
MAX_NSOPS = 65535

#: How many leading arguments identify a wait (the rest are garbage or output buffers).
IDENTIFYING_ARGS: dict[str, int] = {
    "semop": 3, "msgsnd": 4, "msgrcv": 5, "mq_send": 3, "mq_receive": 3, "futex": 3,
}

_LONG = struct.Struct("=q")


class TaskView(Protocol):
    """What decoding needs from the scan about the blocked task's process."""

    def read_memory(self, address: int, length: int) -> bytes | None:
        """The process's memory, or None when it cannot be read."""

    def ipc_suffix(self) -> str | None:
        """The row key suffix of the task's IPC namespace ("" for ours, "@<inode>" for another
        namespace the snapshot covers), None when its SysV ids name objects we do not list."""

    def queue_ref(self, fd: int) -> str | None:
        """The row key of the POSIX queue open as descriptor `fd`, if it is one."""

    def mapping_at(self, address: int) -> Mapping | None:
        """The /SYSV or /dev/shm mapping holding `address`, if any."""

    def mapping_ref(self, mapping: Mapping) -> str | None:
        """The row key of the object behind a shared mapping, if known."""


@dataclass(frozen=True)
class Wait:
    """A decoded wait: the object's row key and the Waiter fields that depend on the call."""

    row_key: str
    op: WaitKind
    ops: tuple[SemOpSpec, ...] | None = None
    semid: int | None = None
    msgtyp: int | None = None
    msgflg: int | None = None
    size: int | None = None


def decode_wait(kind: WaitKind, line: SyscallLine, task: TaskView) -> Wait | None:
    """The wait a blocked syscall stands for, or None when it is not on an IPC object we can name."""
    args = line.args
    if kind == "semop":
        suffix = task.ipc_suffix()
        if suffix is None:
            return None
        semid = s32(args[0])
        nsops = args[2] & 0xFFFFFFFF
        ops = None
        if 0 < nsops <= MAX_NSOPS:
            data = task.read_memory(args[1], nsops * SEMBUF_SIZE)
            ops = decode_sembufs(data) if data is not None else None
        return Wait(f"sem:{semid}{suffix}", "semop", ops=ops, semid=semid)
    if kind == "msgrcv":
        suffix = task.ipc_suffix()
        if suffix is None:
            return None
        return Wait(f"msg:{s32(args[0])}{suffix}", "msgrcv", msgtyp=s64(args[3]), msgflg=s32(args[4]))
    if kind == "msgsnd":
        suffix = task.ipc_suffix()
        if suffix is None:
            return None
        data = task.read_memory(args[1], _LONG.size)  # msgp->mtype
        mtype = _LONG.unpack(data)[0] if data is not None else None
        return Wait(f"msg:{s32(args[0])}{suffix}", "msgsnd", msgtyp=mtype, msgflg=s32(args[3]), size=args[2])
    if kind in ("mq_send", "mq_receive"):
        row_key = task.queue_ref(s32(args[0]))
        if row_key is None:
            return None
        return Wait(row_key, kind, size=args[2] if kind == "mq_send" else None)
    if kind == "futex":
        if not is_futex_wait(s32(args[1])):
            return None
        mapping = task.mapping_at(args[0])
        row_key = task.mapping_ref(mapping) if mapping is not None else None
        if row_key is None:
            return None
        return Wait(row_key, "futex")
    return None


def blocking_operation(ops: Sequence[SemOpSpec], values: Sequence[int]) -> int | None:
    """The semaphore number of the first operation that cannot proceed, as the kernel tries them.

    The kernel applies a semop's operations in order to the current values, all or nothing; the
    task sleeps at the first that would make a value negative (op < 0) or waits for zero on a
    non-zero value (op == 0). semncnt/semzcnt count the task only on that one (kernel.md §2).
    None when every operation could proceed now (the values changed since the task blocked) or
    an operation names a semaphore the set does not have.
    """
    scratch = list(values)
    for spec in ops:
        if not 0 <= spec.num < len(scratch):
            return None
        value = scratch[spec.num]
        if spec.op == 0:
            if value != 0:
                return spec.num
        elif value + spec.op < 0:
            return spec.num
        else:
            scratch[spec.num] = value + spec.op
    return None
