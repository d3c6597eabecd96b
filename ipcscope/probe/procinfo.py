"""Who is process N? Command name, owner and liveness for the PIDs the kernel records.

The kernel keeps only numbers (cpid, lpid, lspid, sempid, notify pid). The detail pane wants to say
"4101 shm_server (root), exited", so it asks a `ProcessInfo`. The default one uses psutil and caches
answers briefly, because the pane re-renders on every poll. Tests and screenshots inject a
`FixedProcessInfo` so no live PID ever reaches a snapshot. No Textual here: the UI must not read /proc
itself, and this module is the one place it is allowed to ask.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable
from typing import Protocol

from ipcscope.model import ProcessRef


class ProcessInfo(Protocol):
    """Anything that can describe a PID. `alive=False` means it has exited (or is a zombie)."""

    def describe(self, pid: int) -> ProcessRef: ...


class PsutilProcessInfo:
    """psutil lookups, each answer kept for `ttl` seconds (a poll re-asks about the same few PIDs)."""

    #: beyond this many cached PIDs, expired answers are dropped on the next lookup
    MAX_CACHED = 2048

    def __init__(self, ttl: float = 2.0, clock: Callable[[], float] = time.monotonic) -> None:
        self.ttl = ttl
        self._clock = clock
        self._cache: dict[int, tuple[float, ProcessRef]] = {}

    def describe(self, pid: int) -> ProcessRef:
        now = self._clock()
        cached = self._cache.get(pid)
        if cached is not None and now - cached[0] < self.ttl:
            return cached[1]
        if len(self._cache) >= self.MAX_CACHED:
            self._cache = {p: c for p, c in self._cache.items() if now - c[0] < self.ttl}
        ref = _lookup(pid)
        self._cache[pid] = (now, ref)
        return ref


def _lookup(pid: int) -> ProcessRef:
    """One uncached psutil lookup; never raises for a vanished or forbidden process."""
    import psutil  # imported here so the CLI does not pay for it unless a pane asks

    if pid <= 0:
        return ProcessRef(pid, alive=False)
    try:
        proc = psutil.Process(pid)
        with proc.oneshot():
            comm = proc.name()
            zombie = proc.status() == psutil.STATUS_ZOMBIE
            uid = proc.uids().real
    except psutil.NoSuchProcess:  # includes ZombieProcess on some platforms
        return ProcessRef(pid, alive=False)
    except psutil.AccessDenied:
        return ProcessRef(pid, alive=True)
    return ProcessRef(pid, comm, uid, _user_name(uid), alive=not zombie)


def _user_name(uid: int) -> str:
    import pwd

    try:
        return pwd.getpwuid(uid).pw_name
    except KeyError:
        return str(uid)


class FixedProcessInfo:
    """Fixed answers for tests, screenshots and `--demo`: listed PIDs as given, others exited."""

    def __init__(self, refs: Iterable[ProcessRef] = ()) -> None:
        self._refs = {ref.pid: ref for ref in refs}

    def describe(self, pid: int) -> ProcessRef:
        return self._refs.get(pid, ProcessRef(pid, alive=False))
