"""What the kernel shows right now, in the shape a step's expectation asks about.

An `Observation` is a probe Snapshot (with its process scan attached) plus the doctor's findings.
The app already has both on every refresh, so it can build one with `Observation(snapshot,
findings)` and call `LabSession.check(observation)` without scanning twice; `Observer` takes them
itself for `--auto` runs and tests.
"""

from __future__ import annotations

import time
from collections.abc import Iterable
from dataclasses import dataclass, replace
from typing import Any

from ipcscope.model import (
    CHANNEL_KINDS,
    KINDS,
    AnyKind,
    ChannelScan,
    IpcObject,
    Kind,
    MsgQueue,
    ObjectRef,
    PosixQueue,
    PosixSemaphore,
    PosixShm,
    SemSet,
    ShmSegment,
    Snapshot,
    Waiter,
)


@dataclass(frozen=True)
class Observation:
    snapshot: Snapshot
    findings: tuple[Any, ...] = ()

    # ---- objects
    def shm(self, shmid: int | str | None) -> ShmSegment | None:
        obj = self._find("shm", shmid)
        return obj if isinstance(obj, ShmSegment) else None

    def msg(self, msqid: int | str | None) -> MsgQueue | None:
        obj = self._find("msg", msqid)
        return obj if isinstance(obj, MsgQueue) else None

    def sem(self, semid: int | str | None) -> SemSet | None:
        obj = self._find("sem", semid)
        return obj if isinstance(obj, SemSet) else None

    def pmq(self, name: int | str | None) -> PosixQueue | None:
        obj = self._find("pmq", name)
        return obj if isinstance(obj, PosixQueue) else None

    def pshm(self, name: int | str | None) -> PosixShm | None:
        obj = self._find("pshm", name)
        return obj if isinstance(obj, PosixShm) else None

    def psem(self, name: int | str | None) -> PosixSemaphore | None:
        obj = self._find("psem", name)
        return obj if isinstance(obj, PosixSemaphore) else None

    def _find(self, kind: Kind, ident: int | str | None) -> IpcObject | None:
        if ident is None:
            return None
        return self.snapshot.find(ObjectRef(kind, ident))

    # ---- processes
    def waiters(self, kind: Kind, ident: int | str | None) -> tuple[Waiter, ...]:
        scan = self.snapshot.processes
        if scan is None or ident is None:
            return ()
        return tuple(w for w in scan.waiters_of(ObjectRef(kind, ident)) if w.state == "waiting")

    def waiting_pids(self, kind: Kind, ident: int | str | None) -> set[int]:
        return {w.pid for w in self.waiters(kind, ident)}

    # ---- channels
    @property
    def channels(self) -> ChannelScan:
        """The process scan's channels (empty when the scan did not look for them)."""
        scan = self.snapshot.processes
        return scan.channels if scan is not None and scan.channels is not None else ChannelScan()

    # ---- doctor
    def findings_of(self, kind: str, ref: ObjectRef | None = None) -> list[Any]:
        """The doctor's findings of `kind` ("dead-holder", "deadlock", ...), about `ref` if given."""
        found = [f for f in self.findings if getattr(f, "kind", None) == kind]
        if ref is not None:
            found = [f for f in found if ref.row_key in _finding_refs(f)]
        return found


def _finding_refs(finding: Any) -> set[str]:
    """Row keys a finding is about (its object, and every object it names for a cycle)."""
    keys: set[str] = set()
    for name in ("object", "ref", "objects", "refs"):
        value = getattr(finding, name, None)
        values: Iterable[Any] = value if isinstance(value, (list, tuple)) else (value,)
        for item in values:
            row_key = getattr(item, "row_key", None)
            if row_key:
                keys.add(row_key)
            elif isinstance(item, str):
                keys.add(item)
    return keys


def finding_pids(finding: Any) -> set[int]:
    return {int(pid) for pid in getattr(finding, "pids", ()) or ()}


class Observer:
    """Takes Observations for one session: one long-lived process scanner (it remembers since when
    each waiter waits), snapshots of the lab's kinds only (cheaper, and no mqueue mount when the lab
    has no POSIX queue). Queues whose messages the probe did not peek are peeked here (MSG_COPY,
    never consumed), so the doctor can judge receivers waiting for a type."""

    def __init__(self, kinds: Iterable[AnyKind]) -> None:
        wanted = tuple(kinds)
        self._kinds: tuple[Kind, ...] = tuple(k for k in KINDS if k in wanted)
        #: a channel lab scans the channels it names (and no IPC objects unless it names some);
        #: an IPC lab's scan keeps the default (every channel kind), as before
        self._channel_kinds = tuple(k for k in CHANNEL_KINDS if k in wanted)
        self._scanner: Any = None

    def refresh_fifos(self) -> None:
        """Walk the FIFO directories again at the next scan (a lab just made a FIFO)."""
        if self._scanner is not None:
            self._scanner.refresh_fifos()

    def observe(self, peek: Iterable[int] = ()) -> Observation:
        """A new Observation; `peek`: ids of the lab's queues to peek if the probe did not."""
        from ipcscope.doctor import diagnose
        from ipcscope.probe import take_snapshot
        from ipcscope.probe.processes import ProcessScanner

        if self._channel_kinds:
            snapshot = take_snapshot(kinds=self._kinds)
        else:
            snapshot = take_snapshot(kinds=self._kinds or None)
        peek = set(peek)
        if peek:
            snapshot = replace(snapshot, msg=tuple(_peeked(q) if q.id in peek else q for q in snapshot.msg))
        if self._scanner is None:
            self._scanner = ProcessScanner()
        scan_kinds = (*self._kinds, *self._channel_kinds) if self._channel_kinds else None
        snapshot = replace(snapshot, processes=self._scanner.scan(snapshot, scan_kinds))
        return Observation(snapshot, tuple(diagnose(snapshot, now=time.time())))


def _peeked(queue: MsgQueue) -> MsgQueue:
    if queue.queued_types is not None:
        return queue
    from ipcscope.core import msg
    from ipcscope.core.errors import IpcError

    try:
        types = tuple(message.mtype for message in msg.peek_all(queue.id))
    except IpcError:
        return queue
    return replace(queue, queued_types=types)
