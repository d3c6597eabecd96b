"""System V semaphore sets: semget, semop/semtimedop, semctl.

semctl is variadic in C: its fourth argument, `union semun`, is one 8-byte word (an int value
or a pointer), passed here as a `c_void_p` so both kinds travel in the same register.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from ctypes import POINTER, byref, c_int, c_size_t, c_ushort, c_void_p
from dataclasses import dataclass

from ipcscope.core import _checks, _libc, bulk, c_calls
from ipcscope.core import constants as c
from ipcscope.core._structs import Sembuf, SemidDs, Timespec, epoch, perm_fields
from ipcscope.core._structs import SemInfo as _SemInfoStruct
from ipcscope.core.errors import IpcError, ValidationError
from ipcscope.model import Semaphore, SemOpSpec

IPC_NOWAIT = c.IPC_NOWAIT
SEM_UNDO = c.SEM_UNDO

_semget = _libc.function("semget", c_int, c_int, c_int, c_int)
_semop = _libc.function("semop", c_int, c_int, POINTER(Sembuf), c_size_t)
_semtimedop = _libc.function("semtimedop", c_int, c_int, POINTER(Sembuf), c_size_t, POINTER(Timespec))
_semctl = _libc.function("semctl", c_int, c_int, c_int, c_int, c_void_p)


@dataclass(frozen=True)
class SemStat:
    """semctl(IPC_STAT). otime stays None until a semop succeeds."""

    id: int
    key: int
    mode: int
    uid: int
    gid: int
    cuid: int
    cgid: int
    nsems: int
    otime: int | None
    ctime: int | None

    @property
    def perms(self) -> int:
        return self.mode & 0o777


@dataclass(frozen=True)
class SemInfo:
    """semctl(SEM_INFO): what is in use now."""

    sets: int  # semusz
    semaphores: int  # semaem
    max_index: int  # the call's return value: highest index in use, the bound for SEM_STAT_ANY


@dataclass(frozen=True)
class SemLimits:
    """semctl(IPC_INFO): the limits (/proc/sys/kernel/sem is SEMMSL SEMMNS SEMOPM SEMMNI)."""

    semmsl: int
    semmns: int
    semopm: int
    semmni: int
    semvmx: int
    semaem: int
    semume: int
    semmnu: int
    semmap: int
    semusz: int
    max_index: int


# --------------------------------------------------------------------------- get


def create(key: int, nsems: int, mode: int = 0o600, exclusive: bool = False,
           values: Sequence[int] | None = None) -> int:
    """semget(key, nsems, IPC_CREAT[|IPC_EXCL]|mode) -> semid, then SETALL `values` if given.

    New sets start at 0. Note that `values` also overwrite an existing set opened without
    `exclusive`; a set this call created exclusively is removed again if SETALL fails.
    """
    key_arg = _checks.key(key)
    _checks.integer(nsems, 0, 2**31 - 1, "nsems")
    if values is not None:
        values = _values(values, c.SEMVMX)
        if len(values) != nsems:
            raise ValidationError(f"{len(values)} values given for {nsems} semaphores", "values")
    flags = c.IPC_CREAT | (c.IPC_EXCL if exclusive else 0) | _checks.mode_bits(mode)
    semid = _libc.check(_semget(key_arg, nsems, flags), lambda: c_calls.semget_call(key, nsems, flags))
    if values:
        try:
            setall(semid, values)
        except Exception:
            if exclusive:
                remove(semid)
            raise
    return semid


def open_existing(key: int, nsems: int = 0) -> int:
    """semget(key, nsems, 0) -> semid (ENOENT if none; EINVAL if the set has fewer than nsems)."""
    key_arg = _checks.key(key)
    if key_arg == c.IPC_PRIVATE:
        raise ValidationError("IPC_PRIVATE always creates a new set; open it by id", "key")
    _checks.integer(nsems, 0, 2**31 - 1, "nsems")
    return _libc.check(_semget(key_arg, nsems, 0), lambda: c_calls.semget_call(key, nsems, 0))


# --------------------------------------------------------------------------- semop


def _spec(op: SemOpSpec | Sequence[int]) -> SemOpSpec:
    spec = op if isinstance(op, SemOpSpec) else SemOpSpec(*op)
    _checks.integer(spec.num, 0, 65535, "ops", "a semaphore number")
    _checks.integer(spec.op, -32768, 32767, "ops", "a semaphore operation")
    _checks.integer(spec.flags, 0, 0x7FFF, "ops", "semaphore operation flags")
    return spec


def semop(semid: int, ops: Sequence[SemOpSpec] | Iterable[Sequence[int]], timeout: float | None = None) -> None:
    """Apply all `ops` atomically (semop; semtimedop when `timeout` seconds are given).

    Each op is a SemOpSpec or a (num, op[, flags]) tuple: op < 0 waits until the value can be
    lowered, op == 0 waits for zero, op > 0 adds. Blocks unless an op has IPC_NOWAIT (EAGAIN);
    a timeout that expires also gives EAGAIN, as the kernel reports it.
    """
    _checks.ipc_id(semid, "semid")
    specs = tuple(_spec(op) for op in ops)
    if not specs:
        raise ValidationError("semop needs at least one operation", "ops")
    timeout = _checks.timeout(timeout)
    array = (Sembuf * len(specs))(*(Sembuf(s.num, s.op, s.flags) for s in specs))

    def attempt(remaining: float | None) -> int:
        if remaining is None:
            return _semop(semid, array, len(specs))
        return _semtimedop(semid, array, len(specs), byref(Timespec.from_seconds(remaining)))

    if timeout is None:
        render = lambda: c_calls.semop_call(semid, specs)  # noqa: E731
    else:
        render = lambda: c_calls.semtimedop_call(semid, specs, timeout)  # noqa: E731
    _libc.blocking(attempt, timeout, render)


# --------------------------------------------------------------------------- semctl


def _ctl(semid: int, semnum: int, cmd: int, arg: object = None, shown: c_calls.SemctlShown = None) -> int:
    """semctl; `shown` is its last argument as the error message writes it."""
    return _libc.check(_semctl(semid, semnum, cmd, arg), lambda: c_calls.semctl_call(semid, semnum, cmd, shown))


def _values(values: Iterable[int], high: int) -> tuple[int, ...]:
    return tuple(_checks.integer(v, 0, high, "values", "a semaphore value") for v in values)


def getval(semid: int, num: int) -> int:
    return _ctl(_checks.ipc_id(semid, "semid"), _checks.integer(num, 0, 65535, "num"), c.GETVAL)


def getpid(semid: int, num: int) -> int:
    """The pid of the last process that operated on semaphore `num` (sempid)."""
    return _ctl(_checks.ipc_id(semid, "semid"), _checks.integer(num, 0, 65535, "num"), c.GETPID)


def getncnt(semid: int, num: int) -> int:
    """How many tasks wait for semaphore `num` to increase."""
    return _ctl(_checks.ipc_id(semid, "semid"), _checks.integer(num, 0, 65535, "num"), c.GETNCNT)


def setval(semid: int, num: int, value: int) -> None:
    """semctl(SETVAL): the kernel refuses values outside 0..SEMVMX with ERANGE."""
    _checks.integer(value, -(2**31), 2**31 - 1, "value")
    _ctl(_checks.ipc_id(semid, "semid"), _checks.integer(num, 0, 65535, "num"), c.SETVAL, value, shown=value)


def getall(semid: int) -> tuple[int, ...]:
    """semctl(GETALL), sized by the set's own nsems (IPC_STAT): one consistent view of the values."""
    ds = SemidDs()
    _ctl(_checks.ipc_id(semid, "semid"), 0, c.IPC_STAT, byref(ds), shown="&ds")
    array = (c_ushort * ds.sem_nsems)()
    _ctl(semid, 0, c.GETALL, array, shown="array")
    return tuple(array)


def setall(semid: int, values: Sequence[int]) -> None:
    """semctl(SETALL): one value per semaphore (the kernel reads exactly nsems of them)."""
    checked = _values(values, 65535)
    nsems = stat(semid).nsems
    if len(checked) != nsems:
        raise ValidationError(f"set {semid} has {nsems} semaphores, {len(checked)} values given", "values")
    _ctl(semid, 0, c.SETALL, (c_ushort * nsems)(*checked), shown=checked)


def semaphores(semid: int) -> tuple[Semaphore, ...]:
    """Value, ncnt, zcnt and pid of every semaphore (GETALL then per-semaphore calls; not atomic)."""
    (rows,) = bulk.semaphore_table([_checks.ipc_id(semid, "semid")])
    if isinstance(rows, IpcError):
        raise rows
    return tuple(Semaphore(*row) for row in rows)


def _to_stat(semid: int, ds: SemidDs) -> SemStat:
    return SemStat(id=semid, **perm_fields(ds.sem_perm), nsems=ds.sem_nsems,
                   otime=epoch(ds.sem_otime), ctime=epoch(ds.sem_ctime))


def stat(semid: int) -> SemStat:
    """semctl(IPC_STAT): needs read permission."""
    ds = SemidDs()
    _ctl(_checks.ipc_id(semid, "semid"), 0, c.IPC_STAT, byref(ds), shown="&ds")
    return _to_stat(semid, ds)


def stat_any(index: int) -> SemStat:
    """semctl(index, 0, SEM_STAT_ANY): by kernel index (not id), without a permission check."""
    ds = SemidDs()
    semid = _ctl(_checks.integer(index, 0, 2**31 - 1, "index"), 0, c.SEM_STAT_ANY, byref(ds), shown="&ds")
    return _to_stat(semid, ds)


def set_perms(semid: int, uid: int | None = None, gid: int | None = None, mode: int | None = None) -> None:
    """IPC_STAT then IPC_SET with the changed fields."""
    _checks.ipc_id(semid, "semid")
    fields = _checks.perm_changes(uid, gid, mode)
    ds = SemidDs()
    _ctl(semid, 0, c.IPC_STAT, byref(ds), shown="&ds")
    for name, value in fields.items():
        setattr(ds.sem_perm, name, value)
    _ctl(semid, 0, c.IPC_SET, byref(ds), shown=fields)


def remove(semid: int) -> None:
    """semctl(IPC_RMID): every waiter wakes with EIDRM."""
    _ctl(_checks.ipc_id(semid, "semid"), 0, c.IPC_RMID)


def info() -> SemInfo:
    """semctl(0, 0, SEM_INFO): usage, as `ipcs -u` shows it."""
    data = _SemInfoStruct()
    top = _ctl(0, 0, c.SEM_INFO, byref(data), shown="&info")
    return SemInfo(data.semusz, data.semaem, top)


def limits() -> SemLimits:
    """semctl(0, 0, IPC_INFO): the limits, as `ipcs -l` shows them."""
    d = _SemInfoStruct()
    top = _ctl(0, 0, c.IPC_INFO, byref(d), shown="&info")
    return SemLimits(d.semmsl, d.semmns, d.semopm, d.semmni, d.semvmx, d.semaem, d.semume, d.semmnu,
                     d.semmap, d.semusz, top)
