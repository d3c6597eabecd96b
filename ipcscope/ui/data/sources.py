"""Where the app's Snapshots come from: the live probe, or a fixed Snapshot for tests and `--demo`.

The app only ever calls `source()`; injecting the source is what makes the UI testable without
touching the kernel, and what lets `--demo` and the screenshots show the same data every time.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from typing import TYPE_CHECKING, Protocol, TypeVar, runtime_checkable

from ipcscope.model import ProcessScan, Snapshot
from ipcscope.probe import take_snapshot
from ipcscope.probe.names import NameCache

if TYPE_CHECKING:
    from ipcscope.probe.processes import ProcessScanner

T = TypeVar("T")


class SnapshotSource(Protocol):
    """A callable returning the current Snapshot. Called from a worker thread, never the UI thread."""

    def __call__(self) -> Snapshot: ...


@dataclass(frozen=True)
class ScanResult:
    """One process scan, with the queues its msgrcv waiters sleep on peeked, for `with_scan`."""

    processes: ProcessScan | None
    #: msqid -> queued message types (see ipcscope.probe.queued)
    queued_types: dict[int, tuple[int, ...]] = field(default_factory=dict)
    #: why there is no scan (it failed); shown as a snapshot warning
    warning: str | None = None


def with_scan(snapshot: Snapshot, scan: ScanResult | None) -> Snapshot:
    """`snapshot` carrying the latest process scan (possibly a little older than its tables:
    holders of an object made since then appear with the next scan)."""
    if scan is None or snapshot.processes is not None:
        return snapshot
    if scan.processes is None:
        if scan.warning is None:
            return snapshot
        return replace(snapshot, warnings=(*snapshot.warnings, scan.warning))
    if scan.queued_types:  # only a live scan has any, so the probe is there
        from ipcscope.probe.queued import with_queued_types

        snapshot = with_queued_types(snapshot, scan.queued_types)
    return replace(snapshot, processes=scan.processes)


@runtime_checkable
class ScanningSource(Protocol):
    """A source that can also scan processes, on the app's slower cadence (in a worker thread)."""

    def __call__(self) -> Snapshot: ...

    def scan_processes(self, snapshot: Snapshot) -> ScanResult: ...


class LiveSource:
    """The real system, through `ipcscope.probe.take_snapshot`.

    `source()` reads only the object tables, which is fast; `scan_processes()` (who holds, who
    waits) walks every process and runs on its own slower cadence, so a slow scan never delays
    the tables. The process scanner is imported with the first scan, after the first frame.
    """

    def __init__(self, clock: Callable[[], float] = time.time) -> None:
        self._clock = clock
        self._names = NameCache()  # uid/gid names, kept across polls
        self._scanner: ProcessScanner | None = None  # kept across scans: "waiting since", denials

    def __call__(self) -> Snapshot:
        return take_snapshot(names=self._names)

    def scan_processes(self, snapshot: Snapshot) -> ScanResult:
        """Who holds and who waits on `snapshot`'s objects. A failing scan must not stop the
        tables: it becomes a warning on every snapshot, and they go without processes ("-")."""
        try:
            from ipcscope.probe.processes import ProcessScanner
            from ipcscope.probe.queued import waited_queue_types

            if self._scanner is None:
                self._scanner = ProcessScanner(clock=self._clock)
            scan = self._scanner.scan(snapshot)
            types = waited_queue_types(replace(snapshot, processes=scan))
        except Exception as error:  # noqa: BLE001 - reported, never fatal
            return ScanResult(None, warning=f"The process scan failed: {error}")
        return ScanResult(scan, types)


class StaticSource:
    """Always returns the Snapshot it was last given: for tests, `--demo`, screenshots, benchmarks."""

    def __init__(self, snapshot: Snapshot) -> None:
        self._lock = threading.Lock()
        self._snapshot = snapshot
        self.calls = 0

    def set(self, snapshot: Snapshot) -> None:
        """Make the next poll return `snapshot` (thread-safe: a poll may be running)."""
        with self._lock:
            self._snapshot = snapshot

    def __call__(self) -> Snapshot:
        with self._lock:
            self.calls += 1
            return self._snapshot


def call_abandonable(fn: Callable[[], T], is_cancelled: Callable[[], bool],
                     check_every: float = 0.05) -> T | None:
    """Call `fn` in a daemon thread; return its result, or None as soon as `is_cancelled()`.

    Textual runs thread workers in asyncio's default executor, which is joined when the app
    exits: a worker stuck in a slow source would keep `q` from quitting. So the worker only
    *waits* here, in short slices, and walks away when cancelled; the daemon thread finishes (or
    not) on its own, and daemon threads are never joined at interpreter exit.
    """
    done = threading.Event()
    values: list[T] = []
    errors: list[BaseException] = []

    def run() -> None:
        try:
            values.append(fn())
        except BaseException as error:  # noqa: BLE001 - re-raised in the waiting worker
            errors.append(error)
        finally:
            done.set()

    threading.Thread(target=run, name="ipcscope-source", daemon=True).start()
    while not done.wait(check_every):
        if is_cancelled():
            return None
    if errors:
        raise errors[0]
    return values[0]
