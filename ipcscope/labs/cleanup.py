"""Remove exactly what a lab recorded: its objects by id or name, its processes by pid + start time.

Used by `LabSession.stop()` and by `cleanup_stale()` after a crash. Every removal is checked first,
so a recorded id that now belongs to another object (or a pid reused by another process) is left
alone: the lab never removes anything it did not create.
"""

from __future__ import annotations

import errno
import os
import signal
import stat
import time
from collections.abc import Iterable

from ipcscope.core.errors import IpcError
from ipcscope.labs.runtime import ObjectRecord, PathRecord, ProcessRecord, is_same_process
from ipcscope.model import Kind, ShmSegment, SysvObject, format_key

_GONE = {errno.EINVAL, errno.EIDRM, errno.ENOENT}


def describe(record: ObjectRecord) -> str:
    """"semaphore set 5 (key 0x1a2b3c4d)", "POSIX queue /ipcscope-lab-...": for notices."""
    title = {"shm": "shm segment", "msg": "message queue", "sem": "semaphore set",
             "pmq": "POSIX queue", "pshm": "POSIX shm", "psem": "POSIX semaphore"}[record.kind]
    if record.kind in ("pmq", "pshm", "psem"):
        return f"{title} {record.ident}"
    ident = "" if record.ident is None else f" {record.ident}"
    key = "" if record.key is None else f" (key {format_key(record.key)})"
    return f"{title}{ident}{key}"


def remove_objects(records: Iterable[ObjectRecord], lab_pids: set[int]) -> tuple[list[str], list[str]]:
    """Remove the recorded objects; return (what was removed, what was left and why)."""
    removed: list[str] = []
    left: list[str] = []
    records = list(records)
    sysv = _sysv_tables({r.kind for r in records if r.kind in ("shm", "msg", "sem")})
    for record in records:
        try:
            outcome = _remove_one(record, sysv.get(record.kind, {}), lab_pids)
        except IpcError as error:
            left.append(f"{describe(record)}: {error}")
            continue
        if outcome is True:
            removed.append(describe(record))
        elif isinstance(outcome, str):
            left.append(f"{describe(record)}: {outcome}")
    return removed, left


def _remove_one(record: ObjectRecord, table: dict[int, tuple[int, int]], lab_pids: set[int]) -> bool | str:
    """True: removed now; False: already gone; a string: left in place, and why."""
    kind = record.kind
    if kind in ("pmq", "pshm", "psem"):
        return _unlink(kind, str(record.ident))
    ident = record.ident
    if ident is None:
        ident = _find_by_key(record, table, lab_pids)
        if isinstance(ident, str) or ident is None:
            return ident if isinstance(ident, str) else False
    current = table.get(int(ident))
    if current is None:
        return False
    key, _creator = current
    if key != record.key:
        # Key 0 with the id we created: a segment removed while attached (dest) — already gone.
        if kind == "shm" and key == 0:
            return False
        return f"id {ident} now has key {format_key(key)}, not the lab's: left alone"
    module = _sysv_module(kind)
    try:
        module.remove(int(ident))
    except IpcError as error:
        if error.errno in _GONE:
            return False
        raise
    return True


def _find_by_key(record: ObjectRecord, table: dict[int, tuple[int, int]], lab_pids: set[int]) -> int | str | None:
    """The id for a planned object whose id was never recorded (the owner died right after a
    worker created it). A key the lab chose uniquely is the lab's; a fixed key (5678) is the lab's
    only if a lab process created it (shm records its creator pid)."""
    matches = [ident for ident, (key, _) in table.items() if key == record.key]
    if not matches:
        return None
    ident = matches[0]
    if not record.fixed_key:
        return ident
    creator = table[ident][1]
    if record.kind == "shm" and creator in lab_pids:
        return ident
    return f"key {format_key(record.key or 0)} exists but was not created by the lab: left alone"


def _sysv_tables(kinds: set[Kind]) -> dict[str, dict[int, tuple[int, int]]]:
    """id -> (key, creator pid or 0) for each SysV kind, from the probe (no permission needed)."""
    if not kinds:
        return {}
    from ipcscope.probe import take_snapshot

    snapshot = take_snapshot(kinds=tuple(kinds), details=False)
    tables: dict[str, dict[int, tuple[int, int]]] = {}
    for kind in kinds:
        tables[kind] = {
            obj.id: (obj.key, obj.cpid if isinstance(obj, ShmSegment) else 0)
            for obj in snapshot.objects(kind) if isinstance(obj, SysvObject)
        }
    return tables


def _sysv_module(kind: str):
    from ipcscope.core import msg, sem, shm

    return {"shm": shm, "msg": msg, "sem": sem}[kind]


def _unlink(kind: str, name: str) -> bool:
    from ipcscope.core import posix_mq, posix_sem, posix_shm

    module = {"pmq": posix_mq, "pshm": posix_shm, "psem": posix_sem}[kind]
    try:
        module.unlink(name)
    except IpcError as error:
        if error.errno == errno.ENOENT:
            return False
        raise
    return True


# --------------------------------------------------------------------------- paths

_PATH_TEST = {"fifo": stat.S_ISFIFO, "socket": stat.S_ISSOCK}
_PATH_TITLE = {"fifo": "FIFO", "socket": "socket"}


def remove_paths(records: Iterable[PathRecord]) -> tuple[list[str], list[str]]:
    """Unlink the recorded FIFOs and socket paths that still are what the lab made.

    A path is unlinked only when lstat says it still is a FIFO (or socket) owned by this user;
    anything else there now (a regular file, a directory, a symlink, another user's file) is left,
    and said so. Returns (what was removed, what was left and why); a missing path is neither.
    """
    removed: list[str] = []
    left: list[str] = []
    for record in records:
        title = f"{_PATH_TITLE[record.type]} {record.path}"
        try:
            info = os.lstat(record.path)
        except FileNotFoundError:
            continue
        except OSError as error:
            left.append(f"{title}: {error.strerror}")
            continue
        if not _PATH_TEST[record.type](info.st_mode) or info.st_uid != os.geteuid():
            left.append(f"{title}: no longer the lab's {_PATH_TITLE[record.type]}: left alone")
            continue
        try:
            os.unlink(record.path)
        except FileNotFoundError:
            continue
        except OSError as error:
            left.append(f"{title}: {error.strerror}")
            continue
        removed.append(title)
    return removed, left


# --------------------------------------------------------------------------- processes


def kill_stale_processes(records: Iterable[ProcessRecord]) -> list[str]:
    """SIGKILL the recorded processes (and their process groups) that still are who they were.

    They are not our children (their parent died), so there is nothing to reap here.
    """
    killed: list[str] = []
    for record in records:
        if not is_same_process(record.pid, record.start_time):
            continue
        try:
            os.killpg(record.pid, signal.SIGKILL)
        except ProcessLookupError:
            try:
                os.kill(record.pid, signal.SIGKILL)
            except ProcessLookupError:
                continue
        killed.append(f"{record.label} (pid {record.pid})")
    deadline = time.monotonic() + 2.0
    while time.monotonic() < deadline and any(
        is_same_process(r.pid, r.start_time) and not _is_zombie(r.pid) for r in records
    ):
        time.sleep(0.01)
    return killed


def _is_zombie(pid: int) -> bool:
    try:
        with open(f"/proc/{pid}/stat", "rb") as handle:
            data = handle.read()
    except OSError:
        return True
    return data[data.rfind(b")") + 2:][:1] in (b"Z", b"X")

