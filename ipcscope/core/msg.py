"""System V message queues: msgget, msgsnd, msgrcv (including the MSG_COPY peek), msgctl.

msgsnd/msgrcv have no timeout in the kernel; `timeout=` interrupts them with a SIGALRM timer
(main thread only, see `_libc.alarm_after`) and reports ETIMEDOUT.
"""

from __future__ import annotations

import ctypes
import errno
import struct
from ctypes import byref, c_int, c_long, c_size_t, c_ssize_t, c_void_p
from dataclasses import dataclass

from ipcscope.core import _checks, _libc, bulk, c_calls
from ipcscope.core import constants as c
from ipcscope.core._structs import MsgInfo as _MsgInfoStruct
from ipcscope.core._structs import MsqidDs, epoch, perm_fields
from ipcscope.core.errors import IpcError, ValidationError

_msgget = _libc.function("msgget", c_int, c_int, c_int)
_msgsnd = _libc.function("msgsnd", c_int, c_int, c_void_p, c_size_t, c_int)
_msgrcv = _libc.function("msgrcv", c_ssize_t, c_int, c_void_p, c_size_t, c_long, c_int)
_msgctl = _libc.function("msgctl", c_int, c_int, c_int, c_void_p)

_MTYPE = struct.Struct("@l")  # struct msgbuf { long mtype; char mtext[]; }
_LONG_MAX = 2**63 - 1


@dataclass(frozen=True)
class Message:
    mtype: int
    data: bytes


@dataclass(frozen=True)
class MsqStat:
    """msgctl(IPC_STAT); qbytes is what /proc/sysvipc/msg does not show."""

    id: int
    key: int
    mode: int
    uid: int
    gid: int
    cuid: int
    cgid: int
    cbytes: int
    qnum: int
    qbytes: int
    lspid: int
    lrpid: int
    stime: int | None
    rtime: int | None
    ctime: int | None

    @property
    def perms(self) -> int:
        return self.mode & 0o777


@dataclass(frozen=True)
class MsgInfo:
    """msgctl(MSG_INFO): what is in use now."""

    queues: int  # msgpool
    messages: int  # msgmap
    bytes: int  # msgtql
    max_index: int  # the call's return value: highest index in use, the bound for MSG_STAT_ANY


@dataclass(frozen=True)
class MsgLimits:
    """msgctl(IPC_INFO): the limits (msgmax, msgmnb in bytes; msgpool in KiB)."""

    msgmax: int
    msgmnb: int
    msgmni: int
    msgpool: int
    msgmap: int
    msgssz: int
    msgtql: int
    msgseg: int
    max_index: int


# --------------------------------------------------------------------------- get


def create(key: int, mode: int = 0o600, exclusive: bool = False) -> int:
    """msgget(key, IPC_CREAT[|IPC_EXCL]|mode) -> msqid. Opens the existing one unless exclusive."""
    key_arg = _checks.key(key)
    flags = c.IPC_CREAT | (c.IPC_EXCL if exclusive else 0) | _checks.mode_bits(mode)
    return _libc.check(_msgget(key_arg, flags), lambda: c_calls.msgget_call(key, flags))


def open_existing(key: int) -> int:
    """msgget(key, 0) -> msqid of the queue with this key (ENOENT if there is none)."""
    key_arg = _checks.key(key)
    if key_arg == c.IPC_PRIVATE:
        raise ValidationError("IPC_PRIVATE always creates a new queue; open it by id", "key")
    return _libc.check(_msgget(key_arg, 0), lambda: c_calls.msgget_call(key, 0))


# --------------------------------------------------------------------------- send / receive


def send(msqid: int, mtype: int, data: bytes, nowait: bool = False, timeout: float | None = None) -> None:
    """msgsnd(). Blocks while the queue is full, unless `nowait` (EAGAIN) or `timeout` (ETIMEDOUT)."""
    _checks.ipc_id(msqid, "msqid")
    _checks.integer(mtype, 1, _LONG_MAX, "mtype", "mtype (message type, >= 1)")
    payload = _checks.data(data)
    timeout = _checks.timeout(timeout)
    buffer = ctypes.create_string_buffer(_MTYPE.pack(mtype) + payload, _MTYPE.size + len(payload))
    flags = c.IPC_NOWAIT if nowait else 0

    def attempt(_remaining: float | None) -> int:
        return _msgsnd(msqid, buffer, len(payload), flags)

    with _libc.alarm_after(None if nowait else timeout):
        _libc.blocking(attempt, timeout, lambda: c_calls.msgsnd_call(msqid, mtype, payload, flags),
                       expired_errno=errno.ETIMEDOUT)


def _receive(msqid: int, maxsize: int, msgtyp: int, flags: int, timeout: float | None) -> Message:
    buffer = ctypes.create_string_buffer(_MTYPE.size + maxsize)

    def attempt(_remaining: float | None) -> int:
        return _msgrcv(msqid, buffer, maxsize, msgtyp, flags)

    with _libc.alarm_after(None if flags & c.IPC_NOWAIT else timeout):
        size = _libc.blocking(attempt, timeout, lambda: c_calls.msgrcv_call(msqid, maxsize, msgtyp, flags),
                              expired_errno=errno.ETIMEDOUT)
    return Message(_MTYPE.unpack_from(buffer)[0], buffer.raw[_MTYPE.size:_MTYPE.size + size])


def receive(msqid: int, msgtyp: int = 0, maxsize: int = 8192, nowait: bool = False,
            except_type: bool = False, noerror: bool = False, timeout: float | None = None) -> Message:
    """msgrcv(): msgtyp 0 = first message; > 0 = first of that type (with `except_type`: first of
    any other type); < 0 = first of the lowest type <= |msgtyp|. A longer message fails with E2BIG
    unless `noerror` truncates it to `maxsize`."""
    _checks.ipc_id(msqid, "msqid")
    _checks.integer(msgtyp, -_LONG_MAX, _LONG_MAX, "msgtyp")
    _checks.integer(maxsize, 0, 2**31 - 1, "maxsize")
    timeout = _checks.timeout(timeout)
    flags = ((c.IPC_NOWAIT if nowait else 0) | (c.MSG_EXCEPT if except_type else 0)
             | (c.MSG_NOERROR if noerror else 0))
    return _receive(msqid, maxsize, msgtyp, flags, timeout)


def peek(msqid: int, index: int, maxsize: int = 65536) -> Message | None:
    """The message at position `index` (0 = oldest), copied with MSG_COPY: nothing is consumed and
    qnum, lrpid and rtime stay as they are. None past the end of the queue."""
    _checks.ipc_id(msqid, "msqid")
    _checks.integer(index, 0, _LONG_MAX, "index")
    _checks.integer(maxsize, 1, 2**31 - 1, "maxsize")
    try:
        return _receive(msqid, maxsize, index, c.MSG_COPY | c.IPC_NOWAIT | c.MSG_NOERROR, None)
    except IpcError as error:
        if error.errno == errno.ENOMSG:
            return None
        raise


def peek_all(msqid: int, limit: int = 1000) -> list[Message]:
    """Up to `limit` queued messages in queue order, without consuming any (see `peek`)."""
    messages = []
    for index in range(_checks.integer(limit, 0, 2**31 - 1, "limit")):
        message = peek(msqid, index)
        if message is None:
            break
        messages.append(message)
    return messages


# --------------------------------------------------------------------------- control


def _ctl(msqid: int, cmd: int, ds: ctypes.Structure | None) -> int:
    arg = None if ds is None else byref(ds)
    return _libc.check(_msgctl(msqid, cmd, arg), lambda: c_calls.msgctl_call(msqid, cmd))


def _to_stat(msqid: int, ds: MsqidDs) -> MsqStat:
    return MsqStat(
        id=msqid, **perm_fields(ds.msg_perm), cbytes=ds.msg_cbytes, qnum=ds.msg_qnum,
        qbytes=ds.msg_qbytes, lspid=ds.msg_lspid, lrpid=ds.msg_lrpid, stime=epoch(ds.msg_stime),
        rtime=epoch(ds.msg_rtime), ctime=epoch(ds.msg_ctime),
    )


def stat(msqid: int) -> MsqStat:
    """msgctl(IPC_STAT): needs read permission."""
    ds = MsqidDs()
    _ctl(_checks.ipc_id(msqid, "msqid"), c.IPC_STAT, ds)
    return _to_stat(msqid, ds)


def qbytes(msqid: int) -> int:
    """msg_qbytes alone, by msgctl(IPC_STAT), without building a whole MsqStat."""
    (result,) = bulk.qbytes_table([_checks.ipc_id(msqid, "msqid")])
    if isinstance(result, IpcError):
        raise result
    return result


def stat_any(index: int) -> MsqStat:
    """msgctl(index, MSG_STAT_ANY): by kernel index (not id), without a permission check."""
    ds = MsqidDs()
    msqid = _ctl(_checks.integer(index, 0, 2**31 - 1, "index"), c.MSG_STAT_ANY, ds)
    return _to_stat(msqid, ds)


def set_attrs(msqid: int, uid: int | None = None, gid: int | None = None, mode: int | None = None,
              qbytes: int | None = None) -> None:
    """IPC_STAT then IPC_SET with the changed fields. Raising qbytes above MSGMNB needs CAP_SYS_RESOURCE."""
    _checks.ipc_id(msqid, "msqid")
    fields = _checks.perm_changes(uid, gid, mode)
    if qbytes is not None:
        fields["qbytes"] = _checks.integer(qbytes, 0, _LONG_MAX, "qbytes")
    ds = MsqidDs()
    _ctl(msqid, c.IPC_STAT, ds)
    for name, value in fields.items():
        if name == "qbytes":
            ds.msg_qbytes = value
        else:
            setattr(ds.msg_perm, name, value)
    _libc.check(_msgctl(msqid, c.IPC_SET, byref(ds)), lambda: c_calls.msgctl_call(msqid, c.IPC_SET, fields))


def remove(msqid: int) -> None:
    """msgctl(IPC_RMID): queued messages are lost; waiters wake with EIDRM."""
    _ctl(_checks.ipc_id(msqid, "msqid"), c.IPC_RMID, None)


def info() -> MsgInfo:
    """msgctl(0, MSG_INFO): usage, as `ipcs -u` shows it."""
    data = _MsgInfoStruct()
    top = _ctl(0, c.MSG_INFO, data)
    return MsgInfo(data.msgpool, data.msgmap, data.msgtql, top)


def limits() -> MsgLimits:
    """msgctl(0, IPC_INFO): the limits, as `ipcs -l` shows them."""
    d = _MsgInfoStruct()
    top = _ctl(0, c.IPC_INFO, d)
    return MsgLimits(d.msgmax, d.msgmnb, d.msgmni, d.msgpool, d.msgmap, d.msgssz, d.msgtql, d.msgseg, top)
