"""Joining another process's namespaces: setns, unshare, the nsfs ioctls, PR_SET_DUMPABLE.

setns(CLONE_NEWIPC) changes the IPC namespace of the *calling thread* only: the System V calls
(semctl, msgctl, shmat, ...), /proc/sysvipc and /proc/sys/kernel/{sem,shm*,msg*} opened after it,
mq_open and a new mqueue mount then address that namespace. Joining a user namespace or a mount
namespace needs a single-threaded process (the kernel refuses EINVAL otherwise), so those are for
helper processes that join first and start threads after.
"""

from __future__ import annotations

import ctypes
import errno
import os
from ctypes import c_int, c_uint, c_ulong

from ipcscope.core import _libc
from ipcscope.core.errors import IpcError, register_explanations

CLONE_NEWNS = 0x00020000
CLONE_NEWIPC = 0x08000000
CLONE_NEWUSER = 0x10000000

#: The initial ("host") IPC namespace: its /proc inode is fixed (PROC_IPC_INIT_INO), so it can be
#: told even when no process of it may be inspected (pid 1 closed by a security module).
HOST_IPC_INODE = 0xEFFFFFFF

_NAMES = {CLONE_NEWNS: "CLONE_NEWNS", CLONE_NEWIPC: "CLONE_NEWIPC", CLONE_NEWUSER: "CLONE_NEWUSER"}

# include/uapi/linux/nsfs.h: _IO(0xb7, nr)
_NS_GET_USERNS = 0xB701
_NS_GET_OWNER_UID = 0xB704
_PR_SET_DUMPABLE = 4

_setns = _libc.function("setns", c_int, c_int, c_int)
_unshare = _libc.function("unshare", c_int, c_int)
_ioctl = _libc.function("ioctl", c_int, c_int, c_ulong, ctypes.c_void_p)
_prctl = _libc.function("prctl", c_int, c_int, c_ulong, c_ulong, c_ulong, c_ulong)

register_explanations({
    ("setns", errno.EPERM): "joining this namespace needs CAP_SYS_ADMIN over its user namespace "
                            "(root, or the user namespace of your own rootless container)",
    ("setns", errno.EINVAL): "a multithreaded process cannot join a user or mount namespace, or the "
                             "descriptor is not a namespace of that type",
    ("setns", errno.EUSERS): "the user namespace nesting limit (32) is reached",
    ("unshare", errno.EPERM): "creating this namespace needs CAP_SYS_ADMIN",
    ("ioctl", errno.EPERM): "the owning user namespace is outside this process's user namespace",
})


def _flags_text(flags: int) -> str:
    return "|".join(name for bit, name in _NAMES.items() if flags & bit) or "0"


def setns(fd: int, nstype: int, what: str = "fd") -> None:
    """Join the namespace open as `fd` (this thread for IPC; the process for user and mount)."""
    _libc.check(_setns(fd, nstype), lambda: f"setns({what}, {_flags_text(nstype)})")


def unshare(flags: int) -> None:
    _libc.check(_unshare(flags), lambda: f"unshare({_flags_text(flags)})")


def open_namespace(pid: int, kind: str, proc_root: str = "/proc") -> int:
    """An O_RDONLY descriptor of /proc/PID/ns/<kind> ("ipc", "user", "mnt"); IpcError if refused."""
    path = f"{proc_root}/{pid}/ns/{kind}"
    try:
        return os.open(path, os.O_RDONLY | os.O_CLOEXEC)
    except OSError as error:
        raise IpcError(error.errno or errno.EIO, f'open("{path}", O_RDONLY)') from None


def namespace_inode(fd: int) -> int:
    return os.fstat(fd).st_ino


def owning_user_namespace(ns_fd: int) -> int:
    """A descriptor of the user namespace that owns the namespace `ns_fd` (NS_GET_USERNS)."""
    return _libc.check(_ioctl(ns_fd, _NS_GET_USERNS, None), lambda: f"ioctl({ns_fd}, NS_GET_USERNS)")


def user_namespace_owner(userns_fd: int) -> int:
    """The uid that created the user namespace `userns_fd` (NS_GET_OWNER_UID)."""
    uid = c_uint()
    _libc.check(_ioctl(userns_fd, _NS_GET_OWNER_UID, ctypes.byref(uid)),
                lambda: f"ioctl({userns_fd}, NS_GET_OWNER_UID, &uid)")
    return uid.value


def set_dumpable(dumpable: bool) -> None:
    """PR_SET_DUMPABLE: a non-dumpable process cannot be ptraced from a user namespace it joined
    (the container's root could otherwise take over a helper that still holds the host's view)."""
    _libc.check(_prctl(_PR_SET_DUMPABLE, int(dumpable), 0, 0, 0),
                lambda: f"prctl(PR_SET_DUMPABLE, {int(dumpable)})")
