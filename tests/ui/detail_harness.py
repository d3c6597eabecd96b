"""Tiny apps that mount the detail pane or the overview alone, fed with the demo snapshot.

No app shell, no clocks, no live processes: ProcessInfo and peek are injected with fixed answers,
and the history is made of demo snapshots with a few values changed per poll.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from pathlib import Path

from textual.app import App, ComposeResult
from textual.containers import VerticalScroll

import ipcscope.ui
from ipcscope.demo import DEMO_NOW, demo_processes, demo_snapshot
from ipcscope.model import Snapshot
from ipcscope.probe.procinfo import FixedProcessInfo
from ipcscope.ui.data.history import History
from ipcscope.ui.widgets.detail import DetailPane
from ipcscope.ui.widgets.overview import Overview

CSS = Path(ipcscope.ui.__file__).parent / "detail.tcss"


@dataclass(frozen=True)
class FakeMessage:
    mtype: int
    data: bytes


#: what the fake peek returns for demo queue 3 (12 messages of type 1, 1250 bytes each)
PEEKED = {
    3: [FakeMessage(1, f"job-{i:04d} render frame {i}".encode().ljust(1250, b"\0")) for i in range(11)]
       + [FakeMessage(1, bytes(range(0xF0, 0x100)) * 78 + b"\x00\x01")],
    7: [FakeMessage(1, b"hello dispatcher"), FakeMessage(2, b"\x00\x01\x02\x03\xff")],
}


class FakePeek:
    """Records which queues were peeked; answers from PEEKED."""

    def __init__(self) -> None:
        self.calls: list[int] = []

    def __call__(self, msqid: int) -> list[FakeMessage]:
        self.calls.append(msqid)
        return PEEKED.get(msqid, [])


def process_info() -> FixedProcessInfo:
    """The demo's live processes, even for snapshots without a scan: no real PID is ever asked."""
    return FixedProcessInfo(demo_processes().processes.values())


def demo_history(snapshot: Snapshot, polls: int = 20) -> History:
    """A history of `polls` demo snapshots where queue depth and semaphore values move."""
    history = History()
    for i in range(polls):
        msg = tuple(replace(q, qnum=max(0, q.qnum - (polls - 1 - i) // 2)) for q in snapshot.msg)
        sem = tuple(
            s if s.semaphores is None else replace(s, semaphores=tuple(
                replace(v, value=v.value + (i * (v.num + 1)) % 3 * (i < polls - 1)) for v in s.semaphores))
            for s in snapshot.sem)
        history.record(replace(snapshot, msg=msg, sem=sem))
    return history


class DetailApp(App):
    """The detail pane alone, showing one object of the demo snapshot."""

    CSS_PATH = CSS
    CSS = "#detail-scroll { padding: 0 1; }"

    def __init__(self, row_key: str | None, *, removed: bool = False, snapshot: Snapshot | None = None,
                 peek: FakePeek | None = None) -> None:
        super().__init__()
        self.snapshot = snapshot or demo_snapshot()
        self.row_key = row_key
        self.removed = removed
        self.peek = peek or FakePeek()
        self.history = demo_history(self.snapshot)

    def compose(self) -> ComposeResult:
        with VerticalScroll(id="detail-scroll"):  # as the app does: the pane itself does not scroll
            yield DetailPane(process_info=process_info(), peek=self.peek)

    def on_mount(self) -> None:
        obj = self.snapshot.find(self.row_key) if self.row_key else None
        self.query_one(DetailPane).show(obj, self.snapshot, now=DEMO_NOW, history=self.history,
                                        removed=self.removed)


class OverviewApp(App):
    CSS_PATH = CSS

    def __init__(self, snapshot: Snapshot | None = None) -> None:
        super().__init__()
        self.snapshot = snapshot or demo_snapshot()

    def compose(self) -> ComposeResult:
        yield Overview()

    def on_mount(self) -> None:
        self.query_one(Overview).update_snapshot(self.snapshot, now=DEMO_NOW)


def busy_snapshot() -> Snapshot:
    """The demo with limits used at every level: ok, careful, warning, critical."""
    snap = demo_snapshot()
    used = {"MSGMNI": 1000, "SHMMNI": 2300, "SHMALL": 3500000, "SEMMNI": 30000, "MQUMNI": 8}
    rows = tuple(replace(r, used=used.get(r.resource, r.used)) for r in snap.limits.rows)
    return replace(snap, limits=replace(snap.limits, rows=rows))
