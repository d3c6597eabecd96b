"""Where the app's Snapshots come from: the live probe, or a fixed Snapshot for tests and `--demo`.

The app only ever calls `source()`; injecting the source is what makes the UI testable without
touching the kernel, and what lets `--demo` and the screenshots show the same data every time.
"""

from __future__ import annotations

import getpass
import os
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from typing import Protocol

from ipcscope.model import Environment, ProcessScan, Snapshot


class SnapshotSource(Protocol):
    """A callable returning the current Snapshot. Called from a worker thread, never the UI thread."""

    def __call__(self) -> Snapshot: ...


@dataclass(frozen=True)
class ScanResult:
    """One process scan, with the queues its msgrcv waiters sleep on peeked, for `with_scan`."""

    processes: ProcessScan | None
    #: msqid -> queued message types (see ipcscope.probe.queued); row key -> types for the
    #: queues of a snapshot over chosen namespaces (ids repeat there)
    queued_types: dict[int, tuple[int, ...]] | dict[str, tuple[int, ...]] = field(default_factory=dict)
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
    if scan.queued_types and snapshot.namespaces:
        from ipcscope.probe.ns_snapshot import with_queued_types as by_row_key

        snapshot = by_row_key(snapshot, scan.queued_types)  # type: ignore[arg-type]
    elif scan.queued_types:  # only a live scan has any, so the probe is there
        from ipcscope.probe.queued import with_queued_types

        snapshot = with_queued_types(snapshot, scan.queued_types)  # type: ignore[arg-type]
    return replace(snapshot, processes=scan.processes)


class ScanningSource(Protocol):
    """A source that can also scan processes, on the app's slower cadence (in a worker thread)."""

    def __call__(self) -> Snapshot: ...

    def scan_processes(self, snapshot: Snapshot) -> ScanResult: ...


class LiveSource:
    """The real system, through `ipcscope.probe.take_snapshot` (imported on first use).

    `source()` reads only the object tables, which is fast; `scan_processes()` (who holds, who
    waits) walks every process and runs on its own slower cadence, so a slow scan never delays
    the tables. The import is lazy so that the app starts (and says why it is empty) even in a
    tree where the probe is missing or broken, instead of failing before the first frame.
    """

    def __init__(self, clock: Callable[[], float] = time.time, *, scan: bool = True,
                 ns: str | None = None) -> None:
        """`ns`: the namespaces to show first, as `--ns` names them (None: ipcscope's own)."""
        self._clock = clock
        self.scans = scan
        self._names: object | None = None  # the probe's uid/gid name cache, kept across polls
        self._scanner: object | None = None  # kept across scans: "waiting since", denials
        self.namespaces = NamespaceChoice(ns)

    @property
    def generation(self) -> int:
        """Changes when another namespace is chosen: results of an older one are dropped."""
        return self.namespaces.generation

    def choose(self, selection: str) -> None:
        """Show `selection` from the next poll on: "own", "all" or a namespace inode."""
        self.namespaces.choose(selection)

    def close(self) -> None:
        """End the namespace readers (each holds its namespace alive)."""
        self.namespaces.close()

    def census(self) -> Snapshot:
        """Every namespace with its objects (no per-object details), for the picker."""
        return self.namespaces.census(self._name_cache())

    def _name_cache(self) -> object:
        if self._names is None:
            from ipcscope.probe.names import NameCache

            self._names = NameCache()
        return self._names

    def __call__(self) -> Snapshot:
        if self.namespaces.selection != "own":
            return self.namespaces.snapshot(self._name_cache())
        try:
            from ipcscope.probe import take_snapshot  # type: ignore[attr-defined]
        except ImportError as error:
            return self._unavailable(f"The probe is not available ({error}); nothing can be shown.")
        if self._names is None:
            try:
                from ipcscope.probe.names import NameCache
            except ImportError:
                return take_snapshot()
            self._names = NameCache()
        return take_snapshot(names=self._names)

    def scan_processes(self, snapshot: Snapshot) -> ScanResult:
        """Who holds and who waits on `snapshot`'s objects. A failing scan must not stop the
        tables: it becomes a warning and snapshots go without processes ("-" columns)."""
        try:
            from ipcscope.probe import ProcessScanner  # type: ignore[attr-defined]
            from ipcscope.probe.queued import waited_queue_types
        except ImportError:
            return ScanResult(None)
        if self._scanner is None:
            self._scanner = ProcessScanner(clock=self._clock)
        try:
            scan = self._scanner.scan(snapshot)  # type: ignore[attr-defined]
            if snapshot.namespaces:
                return ScanResult(scan, self.namespaces.queued_types(replace(snapshot, processes=scan)))
            types = waited_queue_types(replace(snapshot, processes=scan))
        except Exception as error:  # noqa: BLE001 - reported, never fatal
            return ScanResult(None, warning=f"The process scan failed: {error}")
        return ScanResult(scan, types)

    def _unavailable(self, why: str) -> Snapshot:
        uid = os.geteuid()
        try:
            user = getpass.getuser()
        except (KeyError, OSError):
            user = str(uid)
        environment = Environment(hostname=os.uname().nodename, user=user, uid=uid)
        return Snapshot(taken_at=self._clock(), environment=environment, warnings=(why,))


class NamespaceChoice:
    """Which namespaces a live source shows, and the probe that reads them (kept across polls:
    its reader threads are the expensive part). Thread-safe: polls, scans and the picker's
    census run in different workers."""

    def __init__(self, spec: str | None) -> None:
        self._lock = threading.Lock()
        self._probe: object | None = None
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

    def _probe_for(self, names: object) -> object:
        if self._probe is None:
            from ipcscope.probe.ns_snapshot import NamespaceProbe

            self._probe = NamespaceProbe(names=names)  # type: ignore[arg-type]
        return self._probe

    def _inodes(self, probe: object) -> list[int] | None | str:
        """The inodes to read (None: all; "own": ipcscope's own, the usual snapshot)."""
        if self.selection == "all":
            return None
        if self.selection.startswith("spec:"):
            from ipcscope.probe.namespaces import NamespaceNotFound, resolve

            spec = self.selection[5:]
            try:
                found = resolve(spec, probe.discover())  # type: ignore[attr-defined]
            except NamespaceNotFound as error:
                self.selection, self.error = "own", f"--ns {spec}: {error}"
                return "own"
            self.selection = ("all" if found is None else
                              "own" if len(found) == 1 and found[0].own else str(found[0].inode))
            return self._inodes(probe)
        if self.selection == "own":
            return "own"
        return [int(self.selection)]

    def snapshot(self, names: object) -> Snapshot:
        with self._lock:
            probe = self._probe_for(names)
            inodes = self._inodes(probe)
            if inodes == "own":
                from ipcscope.probe import take_snapshot  # type: ignore[attr-defined]

                snapshot = take_snapshot(names=names)  # type: ignore[arg-type]
            else:
                snapshot = probe.snapshot(inodes)  # type: ignore[attr-defined]
            if self.error:
                snapshot = replace(snapshot, warnings=(self.error, *snapshot.warnings))
            return snapshot

    def census(self, names: object) -> Snapshot:
        with self._lock:
            return self._probe_for(names).snapshot(None, details=False)  # type: ignore[attr-defined]

    def queued_types(self, snapshot: Snapshot) -> dict[str, tuple[int, ...]]:
        with self._lock:
            return self._probe_for(None).waited_queue_types(snapshot)  # type: ignore[attr-defined]

    def close(self) -> None:
        """End the readers; a poll still running (a hung helper) is not waited for long: the
        readers are daemon threads and helpers that exit when this process does."""
        if not self._lock.acquire(timeout=1):
            return
        try:
            if self._probe is not None:
                self._probe.close()  # type: ignore[attr-defined]
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


def call_abandonable(fn: Callable[[], Snapshot], is_cancelled: Callable[[], bool],
                     check_every: float = 0.05) -> Snapshot | None:
    """Call `fn` in a daemon thread; return its result, or None as soon as `is_cancelled()`.

    Textual runs thread workers in asyncio's default executor, which is joined when the app
    exits: a worker stuck in a slow source would keep `q` from quitting. So the worker only
    *waits* here, in short slices, and walks away when cancelled; the daemon thread finishes (or
    not) on its own, and daemon threads are never joined at interpreter exit.
    """
    done = threading.Event()
    outcome: dict[str, object] = {}

    def run() -> None:
        try:
            outcome["value"] = fn()
        except BaseException as error:  # noqa: BLE001 - re-raised in the waiting worker
            outcome["error"] = error
        finally:
            done.set()

    threading.Thread(target=run, name="ipcscope-source", daemon=True).start()
    while not done.wait(check_every):
        if is_cancelled():
            return None
    if "error" in outcome:
        raise outcome["error"]  # type: ignore[misc]
    return outcome["value"]  # type: ignore[return-value]
