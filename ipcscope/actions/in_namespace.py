"""Actions inside another IPC namespace (a container): run by a helper process that joined it.

An action names objects by id or name, and ids mean the objects of the caller's IPC namespace; so
an action on a container's object runs in the runner's helper process after it joined that
namespace (`join_for_action`, called by runner_worker before it starts any thread):
- a user without root first joins the user namespace that owns it (their rootless container),
  made non-dumpable first so the container's root cannot ptrace the helper;
- the member's mount namespace, when it differs, so /dev/shm (POSIX shm, named semaphores) and
  ftok paths are the container's; every module the action may need is imported before, since
  the container's filesystem need not hold this program;
- then the IPC namespace.
The C call shown then says where it ran: `in ipc:[4026532179] (db): semop(0, {{0, +1, 0}}, 1)`.
"""

from __future__ import annotations

import errno
import os
from dataclasses import replace
from typing import TYPE_CHECKING

from ipcscope.actions.results import ActionResult
from ipcscope.core.errors import IpcError, ValidationError

if TYPE_CHECKING:
    from ipcscope.actions.base import Request
    from ipcscope.actions.runner import OperationRunner, RunningOperation
    from ipcscope.model import IpcNamespace


def where_text(where: IpcNamespace) -> str:
    """ "in ipc:[4026532179] (db): " to put before a C call."""
    return f"in {where.label}: "


#: What an action may import when it runs: after joining a mount namespace, this program's files
#: may not be reachable any more, so they are imported before.
_PRELOAD = ("ctypes.util", "json", "mmap", "signal", "stat", "threading", "ipcscope.actions",
            "ipcscope.actions.lookup", "ipcscope.actions.removal", "ipcscope.core.bulk",
            "ipcscope.core.keys", "ipcscope.core.msg", "ipcscope.core.posix_mq",
            "ipcscope.core.posix_sem", "ipcscope.core.posix_shm", "ipcscope.core.sem",
            "ipcscope.core.shm", "ipcscope.core.errors")


def _preload() -> None:
    import importlib

    for name in _PRELOAD:
        importlib.import_module(name)


def join_for_action(pid: int, inode: int) -> None:
    """Make this (single-threaded) process a member of `pid`'s IPC namespace, which must be
    `inode`, and of its mount namespace; IpcError saying which step the kernel refused."""
    from ipcscope.core import namespaces as ns

    _preload()
    ipc_fd = ns.open_namespace(pid, "ipc")
    try:
        if ns.namespace_inode(ipc_fd) != inode:
            raise IpcError(errno.ESRCH, f'open("/proc/{pid}/ns/ipc")',
                           f"pid {pid} is no longer in ipc:[{inode}] (the container went away?)")
        if os.geteuid() != 0:
            ns.set_dumpable(False)
            user_fd = ns.owning_user_namespace(ipc_fd)
            try:
                if os.fstat(user_fd).st_ino != os.stat("/proc/self/ns/user").st_ino:
                    ns.setns(user_fd, ns.CLONE_NEWUSER, f'NS_GET_USERNS of "/proc/{pid}/ns/ipc"')
            finally:
                os.close(user_fd)
        mnt_fd = ns.open_namespace(pid, "mnt")
        try:
            if os.fstat(mnt_fd).st_ino != os.stat("/proc/self/ns/mnt").st_ino:
                ns.setns(mnt_fd, ns.CLONE_NEWNS, f'open("/proc/{pid}/ns/mnt")')
        finally:
            os.close(mnt_fd)
        ns.setns(ipc_fd, ns.CLONE_NEWIPC, f'open("/proc/{pid}/ns/ipc")')
    finally:
        os.close(ipc_fd)


def run_in(request: Request, where: IpcNamespace, runner: OperationRunner | None = None) -> ActionResult:
    """Run `request` in `where` through a helper and wait for it (the command line's way: a call
    that blocks blocks here; ^C ends the helper). Errors are raised as the action would raise
    them, their call prefixed with where it ran."""
    from ipcscope.actions.runner import OperationRunner

    own = runner is None
    runner = runner or OperationRunner()
    op = runner.start(request, where=where)
    try:
        while op.status == "running":
            op = runner.wait(op, timeout=3600)
    except BaseException:
        runner.cancel(op)
        raise
    finally:
        if own:
            runner.cancel_all()  # a SEM_UNDO holder ends, as when the command's own process exits
    return result_of(op, where)


def result_of(op: RunningOperation, where: IpcNamespace) -> ActionResult:
    """The finished operation's result (its call says where), or its error raised."""
    prefix = where_text(where)
    if op.result is not None and op.status in ("done", "holding"):
        return replace(op.result, call=prefix + op.result.call)
    error = op.error
    if error is None:
        raise IpcError(errno.EINTR, prefix + op.c_call, "the helper process was cancelled")
    if error.type == "ValidationError":
        raise ValidationError(error.message, error.field)
    if error.errno is not None:
        failure = IpcError(error.errno, error.call or op.c_call, error.explanation)
        failure.call = prefix + failure.call if not failure.call.startswith("in ipc:") else failure.call
        raise failure
    raise IpcError(errno.EIO, prefix + op.c_call, error.message)

