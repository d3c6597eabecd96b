"""System V shared memory: shmget, shmat/shmdt, shmctl.

Attachments are read-only unless asked otherwise (safe by default), and reads and writes are
bounds-checked against the segment size, because a stray pointer here crashes the interpreter.
"""

from __future__ import annotations

import ctypes
from ctypes import byref, c_int, c_size_t, c_void_p
from dataclasses import dataclass

from ipcscope.core import _checks, _libc, c_calls
from ipcscope.core import constants as c
from ipcscope.core._structs import ShmidDs, ShmInfo64, epoch, perm_fields
from ipcscope.core._structs import ShmInfo as _ShmInfoStruct
from ipcscope.core.errors import ValidationError

_shmget = _libc.function("shmget", c_int, c_int, c_size_t, c_int)
_shmat = _libc.function("shmat", c_void_p, c_int, c_void_p, c_int)
_shmdt = _libc.function("shmdt", c_int, c_void_p)
_shmctl = _libc.function("shmctl", c_int, c_int, c_int, c_void_p)

_SHMAT_FAILED = ctypes.c_void_p(-1).value


@dataclass(frozen=True)
class ShmStat:
    """shmctl(IPC_STAT). `mode` keeps SHM_DEST (0o1000) and SHM_LOCKED (0o2000)."""

    id: int
    key: int
    mode: int
    uid: int
    gid: int
    cuid: int
    cgid: int
    size: int
    nattch: int
    cpid: int
    lpid: int
    atime: int | None
    dtime: int | None
    ctime: int | None

    @property
    def perms(self) -> int:
        return self.mode & 0o777

    @property
    def dest(self) -> bool:
        return bool(self.mode & c.SHM_DEST)

    @property
    def locked(self) -> bool:
        return bool(self.mode & c.SHM_LOCKED)


@dataclass(frozen=True)
class ShmInfo:
    """shmctl(SHM_INFO): what is in use now (pages of the system's page size)."""

    segments: int  # used_ids
    pages: int  # shm_tot
    resident_pages: int  # shm_rss
    swapped_pages: int  # shm_swp
    max_index: int  # the call's return value: highest index in use, the bound for SHM_STAT_ANY


@dataclass(frozen=True)
class ShmLimits:
    """shmctl(IPC_INFO): the limits (shmmax in bytes, shmall in pages)."""

    shmmax: int
    shmmin: int
    shmmni: int
    shmseg: int
    shmall: int
    max_index: int


# --------------------------------------------------------------------------- get


def create(key: int, size: int, mode: int = 0o600, exclusive: bool = False) -> int:
    """shmget(key, size, IPC_CREAT[|IPC_EXCL]|mode) -> shmid. Opens the existing one unless exclusive."""
    key_arg = _checks.key(key)
    _checks.integer(size, 0, 2**64 - 1, "size")
    flags = c.IPC_CREAT | (c.IPC_EXCL if exclusive else 0) | _checks.mode_bits(mode)
    return _libc.check(_shmget(key_arg, size, flags), lambda: c_calls.shmget_call(key, size, flags))


def open_existing(key: int) -> int:
    """shmget(key, 0, 0) -> shmid of the segment with this key (ENOENT if there is none)."""
    key_arg = _checks.key(key)
    if key_arg == c.IPC_PRIVATE:
        raise ValidationError("IPC_PRIVATE always creates a new segment; open it by id", "key")
    return _libc.check(_shmget(key_arg, 0, 0), lambda: c_calls.shmget_call(key, 0, 0))


# --------------------------------------------------------------------------- attach


class Attachment:
    """One shmat() mapping in this process. Detaches on `detach()`, on leaving a `with`, or when
    garbage-collected, so an attachment never outlives the object that can reach it."""

    def __init__(self, shmid: int, address: int, size: int, readonly: bool) -> None:
        self.shmid = shmid
        self.address = address
        self.size = size
        self.readonly = readonly
        self._attached = True

    @property
    def attached(self) -> bool:
        return self._attached

    def _span(self, offset: int, length: int | None) -> int:
        if not self._attached:
            raise ValidationError("the segment is no longer attached", "offset")
        _checks.integer(offset, 0, self.size, "offset")
        if length is None:
            return self.size - offset
        return _checks.integer(length, 0, self.size - offset, "length", f"length (at most {self.size - offset} here)")

    def read(self, offset: int = 0, length: int | None = None) -> bytes:
        """Copy `length` bytes (default: to the end of the segment) from `offset`."""
        length = self._span(offset, length)
        return ctypes.string_at(self.address + offset, length)

    def write(self, offset: int, data: bytes) -> None:
        """Copy `data` into the segment at `offset`; it must fit (segments never grow)."""
        data = _checks.data(data)
        if self.readonly:
            raise ValidationError("attached read-only (SHM_RDONLY); attach with readonly=False to write", "data")
        self._span(offset, len(data))
        ctypes.memmove(self.address + offset, data, len(data))

    def detach(self) -> None:
        """shmdt(); calling it again does nothing."""
        if self._attached:
            self._attached = False
            _libc.check(_shmdt(self.address), lambda: c_calls.shmdt_call(self.address))

    def __enter__(self) -> Attachment:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.detach()

    def __del__(self) -> None:
        try:
            self.detach()
        except Exception:  # noqa: BLE001 - a finalizer must not raise (it may run at interpreter exit)
            pass

    def __repr__(self) -> str:
        state = "ro" if self.readonly else "rw"
        return f"<Attachment shmid={self.shmid} at {self.address:#x} size={self.size} {state}>"


def attach(shmid: int, readonly: bool = True, address: int | None = None,
           round_address: bool = False) -> Attachment:
    """shmat(shmid, address, [SHM_RDONLY|][SHM_RND]). Read-only by default."""
    _checks.ipc_id(shmid, "shmid")
    if address is not None:
        _checks.integer(address, 0, 2**64 - 1, "address")
    flags = (c.SHM_RDONLY if readonly else 0) | (c.SHM_RND if round_address else 0)
    mapped = _shmat(shmid, address, flags)
    if mapped is None or mapped == _SHMAT_FAILED:
        raise _libc.fail(lambda: c_calls.shmat_call(shmid, address, flags))
    attachment = Attachment(shmid, mapped, 0, readonly)
    try:
        attachment.size = stat(shmid).size
    except Exception:
        attachment.detach()
        raise
    return attachment


# --------------------------------------------------------------------------- control


def _stat(shmid: int, cmd: int) -> tuple[int, ShmidDs]:
    ds = ShmidDs()
    result = _libc.check(_shmctl(shmid, cmd, byref(ds)), lambda: c_calls.shmctl_call(shmid, cmd))
    return result, ds


def _to_stat(shmid: int, ds: ShmidDs) -> ShmStat:
    return ShmStat(
        id=shmid, **perm_fields(ds.shm_perm), size=ds.shm_segsz, nattch=ds.shm_nattch,
        cpid=ds.shm_cpid, lpid=ds.shm_lpid, atime=epoch(ds.shm_atime),
        dtime=epoch(ds.shm_dtime), ctime=epoch(ds.shm_ctime),
    )


def stat(shmid: int) -> ShmStat:
    """shmctl(IPC_STAT): needs read permission."""
    _, ds = _stat(_checks.ipc_id(shmid, "shmid"), c.IPC_STAT)
    return _to_stat(shmid, ds)


def stat_any(index: int) -> ShmStat:
    """shmctl(index, SHM_STAT_ANY): by kernel index (not id), without a permission check."""
    shmid, ds = _stat(_checks.integer(index, 0, 2**31 - 1, "index"), c.SHM_STAT_ANY)
    return _to_stat(shmid, ds)


def set_perms(shmid: int, uid: int | None = None, gid: int | None = None, mode: int | None = None) -> None:
    """IPC_STAT then IPC_SET with the changed fields (only uid, gid and the 9 mode bits can change)."""
    _checks.ipc_id(shmid, "shmid")
    fields = _checks.perm_changes(uid, gid, mode)
    _, ds = _stat(shmid, c.IPC_STAT)
    for name, value in fields.items():
        setattr(ds.shm_perm, name, value)
    _libc.check(_shmctl(shmid, c.IPC_SET, byref(ds)), lambda: c_calls.shmctl_call(shmid, c.IPC_SET, fields))


def _command(shmid: int, cmd: int) -> None:
    _checks.ipc_id(shmid, "shmid")
    _libc.check(_shmctl(shmid, cmd, None), lambda: c_calls.shmctl_call(shmid, cmd))


def remove(shmid: int) -> None:
    """shmctl(IPC_RMID): the segment goes at the last detach; until then its key reads 0 (dest)."""
    _command(shmid, c.IPC_RMID)


def lock(shmid: int) -> None:
    """shmctl(SHM_LOCK): keep the pages in RAM (mode gains SHM_LOCKED, 02000 in /proc)."""
    _command(shmid, c.SHM_LOCK)


def unlock(shmid: int) -> None:
    _command(shmid, c.SHM_UNLOCK)


def info() -> ShmInfo:
    """shmctl(0, SHM_INFO): usage, as `ipcs -u` shows it."""
    data = _ShmInfoStruct()
    top = _libc.check(_shmctl(0, c.SHM_INFO, byref(data)), lambda: c_calls.shmctl_call(0, c.SHM_INFO))
    return ShmInfo(data.used_ids, data.shm_tot, data.shm_rss, data.shm_swp, top)


def limits() -> ShmLimits:
    """shmctl(0, IPC_INFO): the limits, as `ipcs -l` shows them."""
    data = ShmInfo64()
    top = _libc.check(_shmctl(0, c.IPC_INFO, byref(data)), lambda: c_calls.shmctl_call(0, c.IPC_INFO))
    return ShmLimits(data.shmmax, data.shmmin, data.shmmni, data.shmseg, data.shmall, top)
