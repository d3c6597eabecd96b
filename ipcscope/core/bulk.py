"""What /proc/sysvipc does not show, read for thousands of objects in one loop.

The probe needs, on every refresh, each semaphore's value, ncnt, zcnt and pid (semctl GETALL,
GETNCNT, GETZCNT, GETPID: some 5 calls per set) and each queue's msg_qbytes (msgctl IPC_STAT).
This is the hot loop of `ipcscope list`, so it reuses one buffer of each kind for all objects and
calls semctl/msgctl without their ctypes prototype (the ids come from the kernel, the numbers
from range(): 0.6 µs a call on a small VM, against 1.6 µs through sem.py's checked wrapper).
It also spares `list` importing sem.py and msg.py, whose dataclasses cost 5 ms of start-up.
sem.semaphores() and msg.qbytes() are these, for one object.

Failures are returned, not raised: one unreadable or vanished object must not stop the others.
"""

from __future__ import annotations

from collections.abc import Iterable
from ctypes import byref, c_ushort

from ipcscope.core import _libc, c_calls
from ipcscope.core import constants as c
from ipcscope.core._structs import MsqidDs, SemidDs
from ipcscope.core.errors import IpcError

_semctl = _libc.unprototyped("semctl")
_msgctl = _libc.unprototyped("msgctl")


def semaphore_table(semids: Iterable[int]) -> list[list[tuple[int, int, int, int, int]] | IpcError]:
    """For each set: (num, value, ncnt, zcnt, pid) of each semaphore (model.Semaphore's fields),
    or the IpcError that stopped it.

    GETALL then per-semaphore calls, so not atomic. IPC_STAT is not skipped although /proc gave
    nsems: GETALL writes as many values as the set has *now*, so the array is sized by a call
    just before it (a set removed meanwhile and its id reused must not overrun it).
    """
    ds = SemidDs()
    ds_ref = byref(ds)
    array = (c_ushort * 1)()
    table: list[list[tuple[int, int, int, int, int]] | IpcError] = []
    for semid in semids:
        if _semctl(semid, 0, c.IPC_STAT, ds_ref) == -1:
            table.append(_semctl_error(semid, 0, c.IPC_STAT, "&ds"))
            continue
        nsems = ds.sem_nsems
        if nsems > len(array):
            array = (c_ushort * nsems)()
        if _semctl(semid, 0, c.GETALL, array) == -1:
            table.append(_semctl_error(semid, 0, c.GETALL, "array"))
            continue
        rows: list[tuple[int, int, int, int, int]] = []
        error: IpcError | None = None
        for num in range(nsems):
            ncnt = _semctl(semid, num, c.GETNCNT, None)
            zcnt = _semctl(semid, num, c.GETZCNT, None)
            pid = _semctl(semid, num, c.GETPID, None)
            if ncnt == -1 or zcnt == -1 or pid == -1:  # removed meanwhile (EIDRM/EINVAL)
                failed = c.GETNCNT if ncnt == -1 else c.GETZCNT if zcnt == -1 else c.GETPID
                error = _semctl_error(semid, num, failed)
                break
            rows.append((num, array[num], ncnt, zcnt, pid))
        table.append(rows if error is None else error)
    return table


def qbytes_table(msqids: Iterable[int]) -> list[int | IpcError]:
    """For each queue: msg_qbytes (msgctl IPC_STAT), or the IpcError that refused it."""
    ds = MsqidDs()
    ds_ref = byref(ds)
    table: list[int | IpcError] = []
    for msqid in msqids:
        if _msgctl(msqid, c.IPC_STAT, ds_ref) == -1:
            table.append(IpcError(_libc.last_errno(), c_calls.msgctl_call(msqid, c.IPC_STAT)))
        else:
            table.append(ds.msg_qbytes)
    return table


def _semctl_error(semid: int, semnum: int, cmd: int, shown: c_calls.SemctlShown = None) -> IpcError:
    """The IpcError for the errno a failed semctl left (read at once, before another call)."""
    return IpcError(_libc.last_errno(), c_calls.semctl_call(semid, semnum, cmd, shown))
