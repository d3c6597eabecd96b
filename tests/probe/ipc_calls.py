"""Bare libc IPC calls for the process-scan scenarios, raising OSError.

The scenarios choose exactly which syscall a task sleeps in (the raw semop syscall or glibc's
semtimedop), keep one sembuf array across EINTR retries and block in forked children: choices
ipcscope.core makes for its callers, so these wrappers stay this thin.
"""

from __future__ import annotations

import ctypes
import ctypes.util
import os
from collections.abc import Sequence

from ipcscope.core.constants import (  # noqa: F401 - the scenarios use them as ipc.NAME
    GETALL,
    IPC_CREAT,
    IPC_EXCL,
    IPC_NOWAIT,
    IPC_RMID,
    MSG_EXCEPT,
    MSG_NOERROR,
    SEM_UNDO,
    SETALL,
)

libc = ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6", use_errno=True)

SYS_SEMOP = 65
PR_SET_DUMPABLE = 4


class SemBuf(ctypes.Structure):
    _fields_ = [("sem_num", ctypes.c_ushort), ("sem_op", ctypes.c_short), ("sem_flg", ctypes.c_short)]


class Timespec(ctypes.Structure):
    _fields_ = [("tv_sec", ctypes.c_long), ("tv_nsec", ctypes.c_long)]


class MqAttr(ctypes.Structure):
    _fields_ = [("mq_flags", ctypes.c_long), ("mq_maxmsg", ctypes.c_long),
                ("mq_msgsize", ctypes.c_long), ("mq_curmsgs", ctypes.c_long),
                ("pad", ctypes.c_long * 4)]


def _check(result: int) -> int:
    if result == -1:
        err = ctypes.get_errno()
        raise OSError(err, os.strerror(err))
    return result


libc.shmat.restype = ctypes.c_void_p
libc.shmat.argtypes = (ctypes.c_int, ctypes.c_void_p, ctypes.c_int)
libc.shmdt.argtypes = (ctypes.c_void_p,)
libc.msgrcv.argtypes = (ctypes.c_int, ctypes.c_void_p, ctypes.c_size_t, ctypes.c_long, ctypes.c_int)
libc.msgrcv.restype = ctypes.c_ssize_t
libc.msgsnd.argtypes = (ctypes.c_int, ctypes.c_void_p, ctypes.c_size_t, ctypes.c_int)
libc.semop.argtypes = (ctypes.c_int, ctypes.c_void_p, ctypes.c_size_t)
libc.semtimedop.argtypes = (ctypes.c_int, ctypes.c_void_p, ctypes.c_size_t, ctypes.c_void_p)
libc.sem_open.restype = ctypes.c_void_p
libc.sem_wait.argtypes = (ctypes.c_void_p,)
libc.sem_post.argtypes = (ctypes.c_void_p,)
libc.sem_close.argtypes = (ctypes.c_void_p,)
libc.mq_send.argtypes = (ctypes.c_int, ctypes.c_char_p, ctypes.c_size_t, ctypes.c_uint)
libc.mq_receive.argtypes = (ctypes.c_int, ctypes.c_char_p, ctypes.c_size_t, ctypes.c_void_p)
libc.mq_receive.restype = ctypes.c_ssize_t


# --------------------------------------------------------------------------- SysV


def sem_create(key: int, values: Sequence[int], mode: int = 0o600) -> int:
    semid = _check(libc.semget(key, len(values), IPC_CREAT | IPC_EXCL | mode))
    array = (ctypes.c_ushort * len(values))(*values)
    _check(libc.semctl(semid, 0, SETALL, array))
    return semid


def sem_values(semid: int, nsems: int) -> tuple[int, ...]:
    array = (ctypes.c_ushort * nsems)()
    _check(libc.semctl(semid, 0, GETALL, array))
    return tuple(array)


def sem_remove(semid: int) -> None:
    _check(libc.semctl(semid, 0, IPC_RMID))


def sembufs(ops: Sequence[tuple[int, int, int]]) -> ctypes.Array:
    return (SemBuf * len(ops))(*[SemBuf(n, o, f) for n, o, f in ops])


def semop(semid: int, ops: Sequence[tuple[int, int, int]], *, raw: bool = False,
          timeout: float | None = None, retry_eintr: bool = False) -> None:
    """glibc semop() (which enters the kernel as semtimedop), raw syscall semop, or semtimedop.

    The same sembuf array is reused across EINTR retries, so the waiter's arguments stay put.
    """
    array = sembufs(ops)
    spec = None
    if timeout is not None:
        spec = Timespec(int(timeout), int((timeout % 1) * 1e9))
    while True:
        if raw:
            result = libc.syscall(SYS_SEMOP, semid, array, len(ops))
        elif spec is not None:
            result = libc.semtimedop(semid, array, len(ops), ctypes.byref(spec))
        else:
            result = libc.semop(semid, array, len(ops))
        if result == -1 and ctypes.get_errno() == 4 and retry_eintr:
            continue
        _check(result)
        return


def shm_create(key: int, size: int, mode: int = 0o600) -> int:
    return _check(libc.shmget(key, size, IPC_CREAT | IPC_EXCL | mode))


def shm_attach(shmid: int, readonly: bool = False) -> int:
    address = libc.shmat(shmid, None, 0o10000 if readonly else 0)
    if address in (None, ctypes.c_void_p(-1).value):
        _check(-1)
    return address


def shm_remove(shmid: int) -> None:
    _check(libc.shmctl(shmid, IPC_RMID, None))


def msg_create(key: int, mode: int = 0o600) -> int:
    return _check(libc.msgget(key, IPC_CREAT | IPC_EXCL | mode))


def msg_send(msqid: int, mtype: int, data: bytes, flags: int = 0) -> None:
    buffer = ctypes.create_string_buffer(8 + len(data))
    ctypes.c_long.from_buffer(buffer).value = mtype
    ctypes.memmove(ctypes.addressof(buffer) + 8, data, len(data))
    _check(libc.msgsnd(msqid, buffer, len(data), flags))


def msg_receive(msqid: int, msgtyp: int, size: int = 8192, flags: int = 0) -> tuple[int, bytes]:
    buffer = ctypes.create_string_buffer(8 + size)
    length = _check(libc.msgrcv(msqid, buffer, size, msgtyp, flags))
    return ctypes.c_long.from_buffer(buffer).value, buffer.raw[8:8 + length]


def msg_remove(msqid: int) -> None:
    _check(libc.msgctl(msqid, IPC_RMID, None))


# --------------------------------------------------------------------------- POSIX


def mq_open(name: str, create: bool = False, maxmsg: int = 4, msgsize: int = 64, mode: int = 0o600) -> int:
    if create:
        attr = MqAttr(0, maxmsg, msgsize, 0)
        return _check(libc.mq_open(name.encode(), os.O_RDWR | os.O_CREAT | os.O_EXCL, mode, ctypes.byref(attr)))
    return _check(libc.mq_open(name.encode(), os.O_RDWR))


def mq_send(mqd: int, data: bytes, priority: int = 0) -> None:
    _check(libc.mq_send(mqd, data, len(data), priority))


def mq_receive(mqd: int, size: int = 64) -> bytes:
    buffer = ctypes.create_string_buffer(size)
    length = _check(libc.mq_receive(mqd, buffer, size, None))
    return buffer.raw[:length]


def mq_unlink(name: str) -> None:
    _check(libc.mq_unlink(name.encode()))


def sem_open(name: str, create: bool = False, value: int = 0, mode: int = 0o600) -> int:
    if create:
        handle = libc.sem_open(name.encode(), os.O_CREAT | os.O_EXCL, mode, value)
    else:
        handle = libc.sem_open(name.encode(), 0)
    if not handle:
        _check(-1)
    return handle


def sem_wait(handle: int) -> None:
    _check(libc.sem_wait(handle))


def sem_unlink(name: str) -> None:
    _check(libc.sem_unlink(name.encode()))


def set_dumpable(on: bool) -> None:
    _check(libc.prctl(PR_SET_DUMPABLE, 1 if on else 0, 0, 0, 0))
