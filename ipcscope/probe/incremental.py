"""SysvCache: a poller rebuilds only the System V objects whose /proc line changed.

A live view polls /proc/sysvipc every second; at thousands of objects most lines are byte for
byte what they were. The cache keeps, per kind, each line's built object and parses only new or
changed lines. What /proc does not show is handled so that a change still shows at the next poll:
- semaphore values, ncnt, zcnt and pid are read every poll (semctl GETALL per set, then the
  per-semaphore calls): a SEM_UNDO adjustment applied when a process exits moves nothing in the
  line, and sem_otime has one-second resolution, so two semops in one second look alike. Only the
  objects are reused when the raw values are equal to the previous poll's;
- msg_qbytes changes only by IPC_SET, which sets msg_ctime to the current second. A cached qbytes
  is trusted only when its line's ctime was already in the past when it was read (any later
  IPC_SET then moves ctime and so the line); otherwise it is read again.
Used only for the live system with details (the only case a poller needs).
"""

from __future__ import annotations

import time
from typing import Any

from ipcscope.core.errors import IpcError
from ipcscope.model import Semaphore
from ipcscope.probe import sysv
from ipcscope.probe._fast import build, build_rows
from ipcscope.probe.details import _GONE, _SEMAPHORE_FIELDS, hidden_warning
from ipcscope.probe.names import NameCache

_ID_COLUMN = {"shm": "shmid", "msg": "msqid", "sem": "semid"}


class _Entry:
    """One cached line: its object as built from the line alone, and the details it got."""

    __slots__ = ("base", "obj", "raw", "settled")

    def __init__(self, base: Any) -> None:
        self.base = base          # the object without details (semaphores/qbytes None)
        self.obj: Any = None      # the object with the details of the last poll
        self.raw: Any = None      # the raw details `obj` was built with
        self.settled = False      # msg: qbytes read when ctime was already in the past


class SysvCache:
    """Per kind: the header line and {line bytes: _Entry} of the previous poll."""

    def __init__(self) -> None:
        self._headers: dict[str, bytes] = {}
        self._lines: dict[str, dict[bytes, _Entry]] = {}

    def read(self, proc_root: str, kind: str, names: NameCache) -> tuple[tuple[Any, ...], list[str]] | None:
        """The objects of `kind` with details, and warnings; None when /proc has no such file
        (the caller's full path reports that)."""
        now = int(time.time())  # before the read: see _qbytes
        data = sysv.read_sysv(proc_root, kind)
        if data is None:
            return None
        header, _, body = data.partition(b"\n")
        previous = self._lines.get(kind, {}) if self._headers.get(kind) == header else {}
        lines = [line for line in body.split(b"\n") if line.strip()]
        warnings: list[str] = []
        new_lines = [line for line in lines if line not in previous]
        if new_lines:
            warnings += self._parse(kind, header, new_lines, previous, names)
        current = {line: previous[line] for line in lines if line in previous}
        entries = list(current.values())
        if kind == "sem":
            warnings += _semaphores(entries)
        elif kind == "msg":
            warnings += _qbytes(entries, now)
        else:
            for entry in entries:
                entry.obj = entry.base
        self._headers[kind] = header
        self._lines[kind] = current
        return tuple(entry.obj for entry in entries), warnings

    @staticmethod
    def _parse(kind: str, header: bytes, new_lines: list[bytes], into: dict[bytes, _Entry],
               names: NameCache) -> list[str]:
        """Parse `new_lines` (with the header) and add their entries to `into` (a fresh dict
        when the header changed). Lines the parser skips get no entry and are parsed again."""
        columns, warnings = sysv.parse_columns(kind, header + b"\n" + b"\n".join(new_lines), names)
        objects = {obj.id: obj for obj in sysv.build(kind, columns)}
        position = header.split().index(_ID_COLUMN[kind].encode()) if objects else 0
        for line in new_lines:
            fields = line.split()
            try:
                obj = objects.get(int(fields[position]))
            except (ValueError, IndexError):
                continue
            if obj is not None:
                into[line] = _Entry(obj)
        return warnings


def _semaphores(entries: list[_Entry]) -> list[str]:
    from ipcscope.core.bulk import semaphore_table

    denied = 0
    for entry, result in zip(entries, semaphore_table([entry.base.id for entry in entries])):
        rows = None
        if isinstance(result, IpcError):
            if result.errno not in _GONE:
                denied += 1
        else:
            rows = result
        if entry.obj is None or rows != entry.raw:
            values = None if rows is None else tuple(build_rows(Semaphore, _SEMAPHORE_FIELDS, rows))
            entry.obj = build(type(entry.base), **{**entry.base.__dict__, "semaphores": values})
            entry.raw = rows
    return [hidden_warning(denied, "semaphore set", "values")] if denied else []


def _qbytes(entries: list[_Entry], now: int) -> list[str]:
    from ipcscope.core.bulk import qbytes_table

    stale = [entry for entry in entries if not entry.settled]
    denied = 0
    for entry, result in zip(stale, qbytes_table([entry.base.id for entry in stale])):
        if isinstance(result, IpcError):
            if result.errno not in _GONE:
                denied += 1
            value, entry.settled = None, False
        else:
            value = result
            entry.settled = (entry.base.ctime or 0) < now
        if entry.obj is None or value != entry.raw:
            entry.obj = build(type(entry.base), **{**entry.base.__dict__, "qbytes": value})
            entry.raw = value
    return [hidden_warning(denied, "message queue", "byte limits (qbytes)")] if denied else []
