"""POSIX message queues: mq_open, mq_(timed)send, mq_(timed)receive, mq_getattr/setattr, mq_unlink.

A queue descriptor (mqd_t) is a plain int fd on Linux. Timeouts are relative seconds here and
converted to the absolute CLOCK_REALTIME deadline the C calls take. The mode given to mq_open is
masked by the process umask, as in C.
"""

from __future__ import annotations

import builtins
import ctypes
import os
from ctypes import POINTER, byref, c_char_p, c_int, c_size_t, c_ssize_t, c_uint
from dataclasses import dataclass

from ipcscope.core import _checks, _libc, _names, c_calls
from ipcscope.core import constants as c
from ipcscope.core._structs import MqAttr as _MqAttrStruct
from ipcscope.core._structs import Timespec
from ipcscope.core.errors import ValidationError

_mq_open = _libc.function("mq_open", c_int, c_char_p, c_int, c_uint, POINTER(_MqAttrStruct))  # variadic
_mq_close = _libc.function("mq_close", c_int, c_int)
_mq_unlink = _libc.function("mq_unlink", c_int, c_char_p)
_mq_send = _libc.function("mq_send", c_int, c_int, c_char_p, c_size_t, c_uint)
_mq_timedsend = _libc.function("mq_timedsend", c_int, c_int, c_char_p, c_size_t, c_uint, POINTER(Timespec))
_mq_receive = _libc.function("mq_receive", c_ssize_t, c_int, c_char_p, c_size_t, POINTER(c_uint))
_mq_timedreceive = _libc.function("mq_timedreceive", c_ssize_t, c_int, c_char_p, c_size_t, POINTER(c_uint),
                                  POINTER(Timespec))
_mq_getattr = _libc.function("mq_getattr", c_int, c_int, POINTER(_MqAttrStruct))
_mq_setattr = _libc.function("mq_setattr", c_int, c_int, POINTER(_MqAttrStruct), POINTER(_MqAttrStruct))


@dataclass(frozen=True)
class MqAttr:
    flags: int  # 0 or O_NONBLOCK
    maxmsg: int
    msgsize: int
    curmsgs: int

    @property
    def nonblock(self) -> bool:
        return bool(self.flags & c.O_NONBLOCK)


def validate_name(name: str) -> str:
    return _names.validate(name, "queue")


def open(name: str, create: bool = False, exclusive: bool = False, mode: int = 0o600,
         maxmsg: int | None = None, msgsize: int | None = None, readonly: bool = False,
         writeonly: bool = False, nonblock: bool = False) -> int:
    """mq_open() -> descriptor. With `create`, maxmsg/msgsize size the new queue (passed in a
    struct mq_attr; one left out is taken from /proc/sys/fs/mqueue/msg_default or
    msgsize_default, which is what the kernel uses when no mq_attr is given)."""
    validate_name(name)
    if readonly and writeonly:
        raise ValidationError("a queue cannot be opened both read-only and write-only", "readonly")
    if exclusive and not create:
        raise ValidationError("exclusive needs create", "exclusive")
    if (maxmsg is not None or msgsize is not None) and not create:
        raise ValidationError("maxmsg and msgsize apply only when creating", "maxmsg")
    oflag = (c.O_RDONLY if readonly else c.O_WRONLY if writeonly else c.O_RDWR) | c.O_CLOEXEC
    oflag |= (c.O_CREAT if create else 0) | (c.O_EXCL if exclusive else 0) | (c.O_NONBLOCK if nonblock else 0)
    mode = _checks.mode_bits(mode)
    attr = None
    if maxmsg is not None or msgsize is not None:
        maxmsg = _checks.integer(maxmsg if maxmsg is not None else _default("msg_default"), 1, 2**31 - 1, "maxmsg")
        msgsize = _checks.integer(msgsize if msgsize is not None else _default("msgsize_default"), 1,
                                  2**31 - 1, "msgsize")
        attr = byref(_MqAttrStruct(0, maxmsg, msgsize))
    shown = oflag & ~c.O_CLOEXEC
    return _libc.check(_mq_open(_path(name), oflag, mode, attr),
                       lambda: c_calls.mq_open_call(name, shown, mode, maxmsg, msgsize))


def _default(entry: str) -> int:
    with builtins.open(f"/proc/sys/fs/mqueue/{entry}") as handle:
        return int(handle.read())


def _path(name: str) -> bytes:
    return os.fsencode(name)


def close(mqd: int) -> None:
    _checks.integer(mqd, 0, 2**31 - 1, "mqd")
    _libc.check(_mq_close(mqd), lambda: c_calls.mq_close_call(mqd))


def send(mqd: int, data: bytes, priority: int = 0, timeout: float | None = None) -> None:
    """mq_send (mq_timedsend with `timeout`): waits while the queue is full, unless O_NONBLOCK (EAGAIN)."""
    _checks.integer(mqd, 0, 2**31 - 1, "mqd")
    payload = _checks.data(data)
    _checks.integer(priority, 0, c.MQ_PRIO_MAX - 1, "priority")
    timeout = _checks.timeout(timeout)
    deadline = None if timeout is None else _libc.realtime_deadline(timeout)

    def attempt(_remaining: float | None) -> int:
        if deadline is None:
            return _mq_send(mqd, payload, len(payload), priority)
        return _mq_timedsend(mqd, payload, len(payload), priority, byref(deadline))

    _libc.blocking(attempt, timeout, lambda: c_calls.mq_send_call(mqd, payload, priority, timeout))


def receive(mqd: int, timeout: float | None = None) -> tuple[bytes, int]:
    """mq_receive (mq_timedreceive with `timeout`) -> (data, priority): the oldest message of the
    highest priority. The buffer is the queue's msgsize, as the call requires."""
    _checks.integer(mqd, 0, 2**31 - 1, "mqd")
    timeout = _checks.timeout(timeout)
    size = getattr(mqd).msgsize
    buffer = ctypes.create_string_buffer(size)
    priority = c_uint()
    deadline = None if timeout is None else _libc.realtime_deadline(timeout)

    def attempt(_remaining: float | None) -> int:
        if deadline is None:
            return _mq_receive(mqd, buffer, size, byref(priority))
        return _mq_timedreceive(mqd, buffer, size, byref(priority), byref(deadline))

    length = _libc.blocking(attempt, timeout, lambda: c_calls.mq_receive_call(mqd, size, timeout))
    return buffer.raw[:length], priority.value


def getattr(mqd: int) -> MqAttr:
    _checks.integer(mqd, 0, 2**31 - 1, "mqd")
    attr = _MqAttrStruct()
    _libc.check(_mq_getattr(mqd, byref(attr)), lambda: c_calls.mq_getattr_call(mqd))
    return MqAttr(attr.mq_flags, attr.mq_maxmsg, attr.mq_msgsize, attr.mq_curmsgs)


def setattr(mqd: int, nonblock: bool) -> None:
    """mq_setattr: only O_NONBLOCK can change after mq_open."""
    _checks.integer(mqd, 0, 2**31 - 1, "mqd")
    attr = _MqAttrStruct(c.O_NONBLOCK if nonblock else 0)
    _libc.check(_mq_setattr(mqd, byref(attr), None), lambda: c_calls.mq_setattr_call(mqd, nonblock))


def unlink(name: str) -> None:
    """mq_unlink: the name goes now; the queue itself when the last descriptor closes."""
    validate_name(name)
    _libc.check(_mq_unlink(_path(name)), lambda: c_calls.mq_unlink_call(name))
