"""One reading of the machine's IPC state: the snapshot, process scan and diagnosis that `ipcscope
list` and `ipcscope doctor` make, taken once per collection.

The reader keeps a process scanner and a name cache across collections, as the live view does: a
wait first seen by an earlier scrape keeps its start, and a process that refused access is not
retried (and logged) on every scrape. Scrapes may come from several HTTP threads at once; one lock
makes them take turns, so the scanner (not thread-safe) runs one pass at a time.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, replace

from ipcscope.doctor import Finding, diagnose
from ipcscope.model import Snapshot
from ipcscope.probe import take_snapshot
from ipcscope.probe.incremental import SysvCache
from ipcscope.probe.names import NameCache
from ipcscope.probe.processes import ProcessScanner
from ipcscope.probe.queued import peek_waited_queues


@dataclass(frozen=True)
class Reading:
    """One IPC namespace as read at one moment: its snapshot (with `processes` filled), what the
    doctor found there, and how long reading it took."""

    snapshot: Snapshot
    findings: tuple[Finding, ...]
    seconds: float

    @property
    def namespace(self) -> str:
        """The namespace's inode as a label value ("4026531839"), "" when it was unreadable."""
        return namespace_inode(self.snapshot.environment.ipc_namespace)


def namespace_inode(link: str) -> str:
    """ "ipc:[4026531839]" (the /proc/PID/ns/ipc link) -> "4026531839"; anything else unchanged."""
    if link.startswith("ipc:[") and link.endswith("]"):
        return link[5:-1]
    return link


class Reader:
    """Reads every IPC namespace it is given, one reading each, one collection at a time."""

    def __init__(self, *, stuck_after: float = 60.0, clock: Callable[[], float] = time.time,
                 on_warning: Callable[[str], None] | None = None) -> None:
        self.stuck_after = stuck_after
        self.clock = clock
        self.on_warning = on_warning
        self._names = NameCache()
        self._sysv_cache = SysvCache()  # scrapes rebuild only the SysV objects that changed
        self._scanner = ProcessScanner(clock=clock)
        self._lock = threading.Lock()
        self._warned: set[str] = set()

    def read(self) -> list[Reading]:
        """A reading of each namespace: today the one this process is in."""
        with self._lock:
            return [self._read_here()]

    def _read_here(self) -> Reading:
        started = time.perf_counter()
        snapshot = take_snapshot(names=self._names, sysv_cache=self._sysv_cache)
        snapshot = replace(snapshot, processes=self._scanner.scan(snapshot))
        snapshot = peek_waited_queues(snapshot)
        now = max(snapshot.taken_at, snapshot.processes.taken_at if snapshot.processes else 0.0)
        findings = tuple(diagnose(snapshot, now=now, stuck_after=self.stuck_after))
        self._report(snapshot.warnings)
        return Reading(snapshot, findings, time.perf_counter() - started)

    def _report(self, warnings: tuple[str, ...]) -> None:
        """Each distinct warning once: a long-running exporter must not repeat them every scrape."""
        if self.on_warning is None:
            return
        for warning in warnings:
            if warning not in self._warned:
                self._warned.add(warning)
                self.on_warning(warning)
