"""The kernel's current view of ONE object, for the CLI's context and for the re-check before removal.

SysV objects come from /proc/sysvipc (readable by everyone, whatever the object's mode), POSIX
shm and semaphores from a stat of their /dev/shm file, POSIX queues from an fstat of a
descriptor (mq descriptors are real fds on Linux). Fields that need more (semaphore values,
qbytes) are left at their "unknown" defaults: this is an identity check, not a probe.
"""

from __future__ import annotations

import errno
import os
import stat as stat_module
from typing import Any

from ipcscope.core.errors import IpcError
from ipcscope.model import (
    IpcObject,
    MsgQueue,
    ObjectRef,
    PosixQueue,
    PosixSemaphore,
    PosixShm,
    SemSet,
    ShmSegment,
)


def _time(value: str) -> int | None:
    number = int(value)
    return number or None


def sysv_object(kind: str, ident: int, proc_root: str = "/proc") -> ShmSegment | MsgQueue | SemSet | None:
    """The /proc/sysvipc line for `ident`, as a model object; None when no such id exists."""
    path = os.path.join(proc_root, "sysvipc", kind)
    with open(path) as handle:
        next(handle, None)
        for line in handle:
            f = line.split()
            try:
                if len(f) < 10 or int(f[1]) != ident:
                    continue
                common: dict[str, Any] = dict(key=int(f[0]) & 0xFFFFFFFF, id=int(f[1]), mode=int(f[2], 8))
                if kind == "shm" and len(f) >= 14:
                    return ShmSegment(**common, size=int(f[3]), cpid=int(f[4]), lpid=int(f[5]),
                                      nattch=int(f[6]), uid=int(f[7]), gid=int(f[8]), cuid=int(f[9]),
                                      cgid=int(f[10]), atime=_time(f[11]), dtime=_time(f[12]),
                                      ctime=_time(f[13]))
                if kind == "sem":
                    return SemSet(**common, nsems=int(f[3]), uid=int(f[4]), gid=int(f[5]),
                                  cuid=int(f[6]), cgid=int(f[7]), otime=_time(f[8]), ctime=_time(f[9]))
                if kind == "msg" and len(f) >= 14:
                    return MsgQueue(**common, cbytes=int(f[3]), qnum=int(f[4]), lspid=int(f[5]),
                                    lrpid=int(f[6]), uid=int(f[7]), gid=int(f[8]), cuid=int(f[9]),
                                    cgid=int(f[10]), stime=_time(f[11]), rtime=_time(f[12]),
                                    ctime=_time(f[13]))
            except ValueError:  # a line this version does not understand: not ours to guess
                continue
    return None


def key_in_use(kind: str, key: int, proc_root: str = "/proc") -> bool:
    """Whether a SysV object of `kind` already has `key` (IPC_PRIVATE is never "in use")."""
    if key == 0:
        return False
    try:
        with open(os.path.join(proc_root, "sysvipc", kind)) as handle:
            next(handle, None)
            return any(line.split()[:1] and int(line.split()[0]) & 0xFFFFFFFF == key for line in handle)
    except (OSError, ValueError):
        return False


def posix_path(kind: str, name: str, shm_dir: str = "/dev/shm") -> str:
    """Where glibc keeps a POSIX shm object ("/dev/shm/NAME") or semaphore ("/dev/shm/sem.NAME")."""
    base = name.lstrip("/")
    return os.path.join(shm_dir, base if kind == "pshm" else f"sem.{base}")


def posix_file_object(kind: str, name: str, shm_dir: str = "/dev/shm") -> PosixShm | PosixSemaphore | None:
    path = posix_path(kind, name, shm_dir)
    try:
        info = os.stat(path)
    except FileNotFoundError:
        return None
    except OSError as error:
        raise IpcError(error.errno or errno.EIO, f'stat("{path}")') from None
    common: dict[str, Any] = dict(name=name, mode=stat_module.S_IMODE(info.st_mode), uid=info.st_uid, gid=info.st_gid,
                  mtime=int(info.st_mtime), dev=info.st_dev, inode=info.st_ino)
    if kind == "pshm":
        return PosixShm(**common, size=info.st_size)
    return PosixSemaphore(**common)


def posix_queue_object(name: str) -> PosixQueue | None:
    """Open the queue (read-only, else write-only) just to fstat it; None when it does not exist."""
    from ipcscope.core import posix_mq

    mqd = None
    last: IpcError | None = None
    for flags in ({"readonly": True}, {"writeonly": True}):
        try:
            mqd = posix_mq.open(name, nonblock=True, **flags)
            break
        except IpcError as error:
            if error.errno == errno.ENOENT:
                return None
            last = error
    if mqd is None:
        assert last is not None
        raise last
    try:
        info = os.fstat(mqd)
        attr = posix_mq.getattr(mqd)
    finally:
        posix_mq.close(mqd)
    return PosixQueue(name=name, mode=stat_module.S_IMODE(info.st_mode), uid=info.st_uid,
                      gid=info.st_gid, mtime=int(info.st_mtime), dev=info.st_dev, inode=info.st_ino,
                      curmsgs=attr.curmsgs, maxmsg=attr.maxmsg, msgsize=attr.msgsize)


def find_object(ref: ObjectRef, *, proc_root: str = "/proc", shm_dir: str = "/dev/shm") -> IpcObject | None:
    """The object `ref` names as the kernel shows it now, or None when it does not exist."""
    if ref.kind in ("shm", "msg", "sem"):
        return sysv_object(ref.kind, int(ref.ident), proc_root)
    if ref.kind == "pmq":
        return posix_queue_object(str(ref.ident))
    return posix_file_object(ref.kind, str(ref.ident), shm_dir)
