"""Where the app's Snapshots come from: the live probe, or a fixed Snapshot for tests and `--demo`.

The app only ever calls `source()`; injecting the source is what makes the UI testable without
touching the kernel, and what lets `--demo` and the screenshots show the same data every time.
"""

from __future__ import annotations

import getpass
import os
import threading
import time
from dataclasses import replace
from typing import Callable, Protocol

from ipcscope.model import Environment, Snapshot


class SnapshotSource(Protocol):
    """A callable returning the current Snapshot. Called from a worker thread, never the UI thread."""

    def __call__(self) -> Snapshot: ...


class LiveSource:
    """The real system, through `ipcscope.probe.take_snapshot` (imported on first use).

    The import is lazy so that the app starts (and says why it is empty) even in a tree where the
    probe is missing or broken, instead of failing before the first frame.
    """

    def __init__(self, clock: Callable[[], float] = time.time, *, scan: bool = True) -> None:
        self._clock = clock
        self._scan = scan
        self._names: object | None = None  # the probe's uid/gid name cache, kept across polls
        self._scanner: object | None = None  # kept across polls: "waiting since", denials

    def __call__(self) -> Snapshot:
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
        snapshot = take_snapshot(names=self._names)
        return self._with_processes(snapshot) if self._scan else snapshot

    def _with_processes(self, snapshot: Snapshot) -> Snapshot:
        """Add who holds and who waits. A failing scan must not stop the tables: it becomes a
        warning and the snapshot goes without processes (ATTACHED/WAITERS show "-")."""
        try:
            from ipcscope.probe import ProcessScanner  # type: ignore[attr-defined]
        except ImportError:
            return snapshot
        if self._scanner is None:
            self._scanner = ProcessScanner(clock=self._clock)
        try:
            return replace(snapshot, processes=self._scanner.scan(snapshot))  # type: ignore[attr-defined]
        except Exception as error:  # noqa: BLE001 - reported, never fatal
            return replace(snapshot, warnings=(*snapshot.warnings, f"The process scan failed: {error}"))

    def _unavailable(self, why: str) -> Snapshot:
        uid = os.geteuid()
        try:
            user = getpass.getuser()
        except (KeyError, OSError):
            user = str(uid)
        environment = Environment(hostname=os.uname().nodename, user=user, uid=uid)
        return Snapshot(taken_at=self._clock(), environment=environment, warnings=(why,))


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
