"""Where the app's Snapshots come from: the live probe, or a fixed Snapshot for tests and `--demo`.

The app only ever calls `source()`; injecting the source is what makes the UI testable without
touching the kernel, and what lets `--demo` and the screenshots show the same data every time.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from typing import TYPE_CHECKING, Literal, Protocol, TypeVar, runtime_checkable

from ipcscope.model import ProcessScan, Snapshot
from ipcscope.probe import take_snapshot
from ipcscope.probe.incremental import SysvCache
from ipcscope.probe.names import NameCache

if TYPE_CHECKING:
    from ipcscope.probe.ns_snapshot import NamespaceProbe
    from ipcscope.probe.processes import ProcessScanner

T = TypeVar("T")


class SnapshotSource(Protocol):
    """A callable returning the current Snapshot. Called from a worker thread, never the UI thread."""

    def __call__(self) -> Snapshot: ...


@dataclass(frozen=True)
class ScanResult:
    """One process scan, with the queues its msgrcv waiters sleep on peeked, for `with_scan`."""

    processes: ProcessScan | None
    #: msqid -> queued message types (see ipcscope.probe.queued), for ipcscope's own namespace
    queued_types: dict[int, tuple[int, ...]] = field(default_factory=dict)
    #: row key -> queued message types, for a snapshot over chosen namespaces (ids repeat there)
    queued_by_row_key: dict[str, tuple[int, ...]] = field(default_factory=dict)
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
    # only a live scan has any, so the probe is there
    if scan.queued_by_row_key and snapshot.namespaces:
        from ipcscope.probe.ns_snapshot import with_queued_types as by_row_key

        snapshot = by_row_key(snapshot, scan.queued_by_row_key)
    elif scan.queued_types and not snapshot.namespaces:
        from ipcscope.probe.queued import with_queued_types

        snapshot = with_queued_types(snapshot, scan.queued_types)
    return replace(snapshot, processes=scan.processes)


@runtime_checkable
class ScanningSource(Protocol):
    """A source that can also scan processes, on the app's slower cadence (in a worker thread)."""

    def __call__(self) -> Snapshot: ...

    def scan_processes(self, snapshot: Snapshot) -> ScanResult: ...


@runtime_checkable
class NamespaceSource(Protocol):
    """A source that can show other IPC namespaces than ipcscope's own (the picker's `n`)."""

    def __call__(self) -> Snapshot: ...

    @property
    def generation(self) -> int:
        """Changes when another namespace is chosen: results of an older one are dropped."""

    @property
    def offers_namespaces(self) -> bool:
        """Whether there can be another namespace to show (a live system; a demo with views)."""

    def choose(self, selection: str) -> None:
        """Show "own", "all" or a namespace inode from the next poll on."""

    def census(self) -> Snapshot:
        """Every namespace with its objects, for the picker (called off the UI thread)."""


def view_generation(source: SnapshotSource) -> int:
    """The source's view generation (0 for a source of one namespace): a result taken under an
    older one is for a view no longer shown."""
    return source.generation if isinstance(source, NamespaceSource) else 0


class LiveSource:
    """The real system, through `ipcscope.probe.take_snapshot`.

    `source()` reads only the object tables, which is fast; `scan_processes()` (who holds, who
    waits) walks every process and runs on its own slower cadence, so a slow scan never delays
    the tables. The process scanner is imported with the first scan, after the first frame.
    """

    def __init__(self, clock: Callable[[], float] = time.time, *, ns: str | None = None) -> None:
        """`ns`: the namespaces to show first, as `--ns` names them (None: ipcscope's own)."""
        self._clock = clock
        self._names = NameCache()  # uid/gid names, kept across polls
        self._sysv_cache = SysvCache()  # rebuilds only the /proc/sysvipc lines that changed
        self._scanner: ProcessScanner | None = None  # kept across scans: "waiting since", denials
        self.namespaces = NamespaceChoice(ns)

    @property
    def generation(self) -> int:
        """Changes when another namespace is chosen: results of an older one are dropped."""
        return self.namespaces.generation

    @property
    def offers_namespaces(self) -> bool:
        return True  # containers may come and go

    def choose(self, selection: str) -> None:
        """Show `selection` from the next poll on: "own", "all" or a namespace inode."""
        self.namespaces.choose(selection)

    def close(self) -> None:
        """End the namespace readers (each holds its namespace alive)."""
        self.namespaces.close()

    def census(self) -> Snapshot:
        """Every namespace with its objects (no per-object details), for the picker."""
        return self.namespaces.census(self._names)

    def __call__(self) -> Snapshot:
        if self.namespaces.selection != "own":
            return self.namespaces.snapshot(self._names)
        return take_snapshot(names=self._names, sysv_cache=self._sysv_cache)

    def scan_processes(self, snapshot: Snapshot) -> ScanResult:
        """Who holds and who waits on `snapshot`'s objects. A failing scan must not stop the
        tables: it becomes a warning on every snapshot, and they go without processes ("-")."""
        try:
            from ipcscope.probe.processes import ProcessScanner
            from ipcscope.probe.queued import waited_queue_types

            if self._scanner is None:
                self._scanner = ProcessScanner(clock=self._clock)
            scan = self._scanner.scan(snapshot)
            if snapshot.namespaces:
                return ScanResult(scan, queued_by_row_key=self.namespaces.queued_types(
                    replace(snapshot, processes=scan)))
            types = waited_queue_types(replace(snapshot, processes=scan))
        except Exception as error:  # noqa: BLE001 - reported, never fatal
            return ScanResult(None, warning=f"The process scan failed: {error}")
        return ScanResult(scan, types)


class NamespaceChoice:
    """Which namespaces a live source shows, and the probe that reads them (kept across polls:
    its reader threads are the expensive part). Thread-safe: polls, scans and the picker's
    census run in different workers."""

    def __init__(self, spec: str | None) -> None:
        self._lock = threading.Lock()
        self._probe: NamespaceProbe | None = None
        #: "own", "all", an inode (str), or an unresolved --ns spec ("spec:NAME")
        self.selection = "own" if spec is None else f"spec:{spec}"
        self.generation = 0
        self.error = ""

    def choose(self, selection: str) -> None:
        """Called on the UI thread: no lock (a running poll holds it); a poll that started
        before sees a newer generation and its result is dropped."""
        self.selection = selection
        self.error = ""
        self.generation += 1

    def _probe_for(self, names: NameCache | None) -> NamespaceProbe:
        if self._probe is None:
            from ipcscope.probe.ns_snapshot import NamespaceProbe

            self._probe = NamespaceProbe(names=names)
        return self._probe

    def _inodes(self, probe: NamespaceProbe) -> list[int] | None | Literal["own"]:
        """The inodes to read (None: all; "own": ipcscope's own, the usual snapshot)."""
        if self.selection == "all":
            return None
        if self.selection.startswith("spec:"):
            from ipcscope.probe.namespaces import NamespaceNotFound, resolve

            spec = self.selection[5:]
            try:
                found = resolve(spec, probe.discover())
            except NamespaceNotFound as error:
                self.selection, self.error = "own", f"--ns {spec}: {error}"
                return "own"
            self.selection = ("all" if found is None else
                              "own" if len(found) == 1 and found[0].own else str(found[0].inode))
            return self._inodes(probe)
        if self.selection == "own":
            return "own"
        return [int(self.selection)]

    def snapshot(self, names: NameCache) -> Snapshot:
        with self._lock:
            probe = self._probe_for(names)
            inodes = self._inodes(probe)
            if isinstance(inodes, str):  # "own"
                snapshot = take_snapshot(names=names)
            else:
                snapshot = probe.snapshot(inodes)
            if self.error:
                snapshot = replace(snapshot, warnings=(self.error, *snapshot.warnings))
            return snapshot

    def census(self, names: NameCache) -> Snapshot:
        with self._lock:
            return self._probe_for(names).snapshot(None, details=False)

    def queued_types(self, snapshot: Snapshot) -> dict[str, tuple[int, ...]]:
        with self._lock:
            return self._probe_for(None).waited_queue_types(snapshot)

    def close(self) -> None:
        """End the readers; a poll still running (a hung helper) is not waited for long: the
        readers are daemon threads and helpers that exit when this process does."""
        if not self._lock.acquire(timeout=1):
            return
        try:
            if self._probe is not None:
                self._probe.close()
                self._probe = None
        finally:
            self._lock.release()


class StaticSource:
    """Always returns the Snapshot it was last given: for tests, `--demo`, screenshots, benchmarks.

    With `views` ("all" and inodes -> Snapshot) it also plays a source of several namespaces
    for the namespace picker."""

    def __init__(self, snapshot: Snapshot, views: dict[str, Snapshot] | None = None) -> None:
        self._lock = threading.Lock()
        self._snapshot = snapshot
        self._own = snapshot
        self.calls = 0
        self.views = views
        self.generation = 0

    @property
    def offers_namespaces(self) -> bool:
        return self.views is not None

    def choose(self, selection: str) -> None:
        """Show the view `selection` ("own", "all" or an inode) from now on."""
        if self.views is None:
            return
        with self._lock:
            self._snapshot = self._own if selection == "own" else self.views[selection]
            self.generation += 1

    def census(self) -> Snapshot:
        assert self.views is not None
        return self.views["all"]

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
