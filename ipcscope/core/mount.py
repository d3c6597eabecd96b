"""A private, detached mount of the mqueue filesystem, to list POSIX queues as root.

fsopen("mqueue") + fsconfig(CREATE) + fsmount() give a mount that is attached nowhere: it never
appears in /proc/self/mountinfo and disappears with its last descriptor. It shows the queues of
the caller's IPC namespace. Needs CAP_SYS_ADMIN; anyone else gets IpcError(EPERM).
"""

from __future__ import annotations

import ctypes
import os
from collections.abc import Iterator
from contextlib import contextmanager
from ctypes import c_long

from ipcscope.core import _arch, _libc, c_calls
from ipcscope.core import constants as c
from ipcscope.core.errors import IpcError

# long syscall(long number, ...): every argument travels as one 64-bit word.
_syscall = _libc.function("syscall", c_long, c_long, c_long, c_long, c_long, c_long, c_long)


def open_detached_mqueue() -> int:
    """A readable directory fd on a detached mqueue mount (os.listdir(fd), os.stat(n, dir_fd=fd)).
    The caller closes it (or use `detached_mqueue()`)."""
    fs_name = ctypes.create_string_buffer(b"mqueue")
    fsfd = _libc.check(_syscall(_arch.SYS_FSOPEN, ctypes.addressof(fs_name), c.FSOPEN_CLOEXEC, 0, 0, 0),
                       c_calls.fsopen_call)
    try:
        _libc.check(_syscall(_arch.SYS_FSCONFIG, fsfd, c.FSCONFIG_CMD_CREATE, 0, 0, 0),
                    lambda: c_calls.fsconfig_call(fsfd))
        mountfd = _libc.check(_syscall(_arch.SYS_FSMOUNT, fsfd, c.FSMOUNT_CLOEXEC, 0, 0, 0),
                              lambda: c_calls.fsmount_call(fsfd))
    finally:
        os.close(fsfd)
    try:
        # fsmount gives an O_PATH-like fd; opening "." through it gives one that can be listed.
        flags = os.O_RDONLY | os.O_DIRECTORY | os.O_CLOEXEC
        try:
            return os.open(".", flags, dir_fd=mountfd)
        except OSError as error:
            raise IpcError(error.errno or 0, c_calls.openat_call(mountfd, ".", flags)) from None
    finally:
        os.close(mountfd)


@contextmanager
def detached_mqueue() -> Iterator[int]:
    """`with detached_mqueue() as fd: os.listdir(fd)`; the mount goes when the block ends."""
    fd = open_detached_mqueue()
    try:
        yield fd
    finally:
        os.close(fd)
