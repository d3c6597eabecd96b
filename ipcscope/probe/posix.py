"""POSIX shared memory objects and named semaphores: the regular files of /dev/shm.

glibc implements `shm_open("/NAME")` as /dev/shm/NAME and `sem_open("/NAME")` as /dev/shm/sem.NAME
(a 32-byte file holding the semaphore). Anything else there (directories, sockets, symlinks) is
not a POSIX IPC object and is skipped. (st_dev, st_ino) is kept so the process scan can match
mappings exactly: names in /proc/PID/maps are not reliable (kernel.md §3).
"""

from __future__ import annotations

import errno
import os
import stat

from ipcscope.model import PosixSemaphore, PosixShm
from ipcscope.probe._fast import build
from ipcscope.probe.names import NameCache

SEM_PREFIX = "sem."


def read_dev_shm(
    shm_dir: str,
    names: NameCache | None = None,
    semaphore_values: bool = False,
) -> tuple[tuple[PosixShm, ...], tuple[PosixSemaphore, ...], list[str]]:
    """(shm objects, named semaphores, warnings) found in `shm_dir`.

    With `semaphore_values`, each semaphore's value is read with sem_getvalue (None when the
    semaphore cannot be opened by this user). Only use it when `shm_dir` is the directory glibc
    opens, i.e. the real /dev/shm.
    """
    names = names or NameCache()
    shms: list[PosixShm] = []
    sems: list[PosixSemaphore] = []
    try:
        entries = list(os.scandir(shm_dir))
    except FileNotFoundError:
        return (), (), [f"{shm_dir} does not exist: POSIX shared memory and semaphores are not listed"]
    except PermissionError:
        return (), (), [f"{shm_dir} is not readable: POSIX shared memory and semaphores are not listed"]
    getvalue = _value_reader() if semaphore_values else None
    unreadable = 0
    for entry in entries:
        try:
            st = entry.stat(follow_symlinks=False)
        except FileNotFoundError:  # removed while we looked
            continue
        if not stat.S_ISREG(st.st_mode):
            continue
        common = dict(
            mode=stat.S_IMODE(st.st_mode), uid=st.st_uid, gid=st.st_gid,
            owner=names.user(st.st_uid), group=names.group(st.st_gid),
            mtime=int(st.st_mtime), dev=st.st_dev, inode=st.st_ino,
        )
        if entry.name.startswith(SEM_PREFIX) and len(entry.name) > len(SEM_PREFIX):
            name = "/" + entry.name[len(SEM_PREFIX):]
            value = None
            if getvalue is not None:
                value = getvalue(name)
                if value is _GONE:
                    continue
                if value is None:
                    unreadable += 1
            sems.append(build(PosixSemaphore, name=name, value=value, **common))
        else:
            shms.append(build(PosixShm, name="/" + entry.name, size=st.st_size, **common))
    shms.sort(key=lambda obj: obj.name)
    sems.sort(key=lambda obj: obj.name)
    warnings = []
    if unreadable:
        from ipcscope.probe.details import hidden_warning

        warnings.append(hidden_warning(unreadable, "POSIX semaphore", "values"))
    return tuple(shms), tuple(sems), warnings


_GONE = object()


def _value_reader():
    """name -> sem_getvalue(); None when this user cannot open it, _GONE when it was unlinked."""
    from ipcscope.core import posix_sem
    from ipcscope.core.errors import IpcError, ValidationError

    def getvalue(name: str):
        try:
            return posix_sem.getvalue(name)
        except IpcError as error:
            return _GONE if error.errno == errno.ENOENT else None
        except ValidationError:  # a file name sem_open would refuse (too long, odd characters)
            return None

    return getvalue
