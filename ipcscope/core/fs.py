"""Filesystem facts Python's os module does not give: the filesystem type behind a path.

The process scan needs `statfs().f_type` to tell a POSIX queue descriptor (whose link reads
"/name", like a file at the root) from a real file: only queues live on MQUEUE_MAGIC.
"""

from __future__ import annotations

import ctypes
import os

from ipcscope.core._libc import LIBC

#: f_type values (include/uapi/linux/magic.h)
MQUEUE_MAGIC = 0x19800202

_statfs = LIBC.statfs
_statfs.restype = ctypes.c_int
_statfs.argtypes = (ctypes.c_char_p, ctypes.c_void_p)

# struct statfs is 120 bytes on 64-bit Linux; f_type (__fsword_t, a C long) is its first field
# on every architecture. A larger buffer costs nothing and survives layout growth.
_STATFS_SIZE = 256


def statfs_type(path: str | bytes) -> int:
    """The `f_type` magic of the filesystem holding `path` (follows symlinks, like statfs(2)).

    Raises OSError (with errno) when the path cannot be reached, as os.stat does.
    """
    raw = os.fsencode(path)
    buffer = ctypes.create_string_buffer(_STATFS_SIZE)
    if _statfs(raw, buffer) != 0:
        err = ctypes.get_errno()
        raise OSError(err, os.strerror(err), os.fsdecode(raw))
    return ctypes.c_ulong.from_buffer(buffer).value & 0xFFFFFFFF
