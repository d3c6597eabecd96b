"""POSIX shared memory: shm_open + ftruncate to create, mmap to read and write, shm_unlink.

Each read or write opens, maps and closes again, so no descriptor or mapping outlives the call.
Writes must fit inside the object (it never grows implicitly). The mode given to shm_open is
masked by the process umask, as in C.
"""

from __future__ import annotations

import mmap
import os
from collections.abc import Callable
from ctypes import c_char_p, c_int, c_uint
from typing import ParamSpec, TypeVar

from ipcscope.core import _checks, _libc, _names, c_calls
from ipcscope.core import constants as c
from ipcscope.core.errors import IpcError, ValidationError

_shm_open = _libc.function("shm_open", c_int, c_char_p, c_int, c_uint)
_shm_unlink = _libc.function("shm_unlink", c_int, c_char_p)

P = ParamSpec("P")
T = TypeVar("T")


def validate_name(name: str) -> str:
    return _names.validate(name, "shared memory")


def _open(name: str, oflag: int, mode: int = 0) -> int:
    return _libc.check(_shm_open(os.fsencode(name), oflag | c.O_CLOEXEC, mode),
                       lambda: c_calls.shm_open_call(name, oflag, mode))


def _os_call(render: str, call: Callable[P, T], *args: P.args, **kwargs: P.kwargs) -> T:
    """os.ftruncate/os.fstat/mmap raise OSError; core raises IpcError naming the C call."""
    try:
        return call(*args, **kwargs)
    except OSError as error:
        raise IpcError(error.errno or 0, render) from None


def create(name: str, size: int, mode: int = 0o600, exclusive: bool = True) -> None:
    """shm_open(O_RDWR|O_CREAT[|O_EXCL]) then ftruncate(size). Without `exclusive` an existing
    object is opened and resized."""
    validate_name(name)
    _checks.integer(size, 0, 2**63 - 1, "size")
    oflag = c.O_RDWR | c.O_CREAT | (c.O_EXCL if exclusive else 0)
    fd = _open(name, oflag, _checks.mode_bits(mode))
    try:
        _os_call(c_calls.ftruncate_call(fd, size), os.ftruncate, fd, size)
    finally:
        os.close(fd)


def size(name: str) -> int:
    """The object's current size in bytes (fstat)."""
    validate_name(name)
    fd = _open(name, c.O_RDONLY)
    try:
        return _os_call(f"fstat({fd}, &st)", os.fstat, fd).st_size
    finally:
        os.close(fd)


def _mapped(name: str, writable: bool) -> tuple[int, mmap.mmap | None]:
    fd = _open(name, c.O_RDWR if writable else c.O_RDONLY)
    try:
        length = _os_call(f"fstat({fd}, &st)", os.fstat, fd).st_size
        if length == 0:
            return 0, None  # mmap cannot map an empty object
        prot = mmap.PROT_READ | (mmap.PROT_WRITE if writable else 0)
        region = _os_call(c_calls.mmap_call(length, writable, fd), mmap.mmap, fd, length, mmap.MAP_SHARED, prot)
        return length, region
    finally:
        os.close(fd)


def _span(total: int, offset: int, length: int | None) -> int:
    _checks.integer(offset, 0, total, "offset", f"offset (the object has {total} bytes)")
    if length is None:
        return total - offset
    return _checks.integer(length, 0, total - offset, "length", f"length (at most {total - offset} here)")


def read(name: str, offset: int = 0, length: int | None = None) -> bytes:
    """`length` bytes (default: to the end) from `offset`, through a read-only mapping."""
    validate_name(name)
    total, region = _mapped(name, writable=False)
    try:
        length = _span(total, offset, length)
        return region[offset:offset + length] if region is not None else b""
    finally:
        if region is not None:
            region.close()


def write(name: str, offset: int, data: bytes) -> None:
    """Copy `data` into the object at `offset`; it must fit inside the object's size."""
    validate_name(name)
    payload = _checks.data(data)
    total, region = _mapped(name, writable=True)
    try:
        _span(total, offset, len(payload))
        if region is None:
            if payload:
                raise ValidationError("the object is empty (size 0)", "data")
            return
        region[offset:offset + len(payload)] = payload
    finally:
        if region is not None:
            region.close()


def unlink(name: str) -> None:
    """shm_unlink: the name goes now; the memory when the last mapping goes."""
    validate_name(name)
    _libc.check(_shm_unlink(os.fsencode(name)), lambda: c_calls.shm_unlink_call(name))
