"""Fixtures for UI tests: the demo data, a clock the test moves, and a steady cursor."""

from __future__ import annotations

from typing import Any

import pytest
from textual.widgets import Input

from ipcscope.demo import DEMO_NOW, demo_processes, demo_snapshot
from ipcscope.model import Snapshot
from ipcscope.probe.procinfo import FixedProcessInfo
from ipcscope.ui.app import IpcScopeApp
from ipcscope.ui.data.sources import StaticSource
from ipcscope.ui.demo_app import DemoPeek


class FakeClock:
    """A clock that only moves when the test says so."""

    def __init__(self, now: float = DEMO_NOW) -> None:
        self.now = float(now)

    def __call__(self) -> float:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += seconds


def make_app(snapshot: Snapshot | None = None, *, clock: FakeClock | None = None,
             **kwargs) -> IpcScopeApp:
    """The app on a StaticSource, not polling: tests drive every snapshot. No live PID or queue
    is asked (fixed process names, demo peek)."""
    snapshot = snapshot or demo_snapshot()
    kwargs.setdefault("process_info", FixedProcessInfo(demo_processes().processes.values()))
    kwargs.setdefault("peek", DemoPeek(snapshot))
    return IpcScopeApp(source=StaticSource(snapshot), clock=clock or FakeClock(), poll=False, **kwargs)


@pytest.fixture(autouse=True)
def steady_cursor(monkeypatch: pytest.MonkeyPatch) -> None:
    """A blinking Input cursor makes screenshots depend on timing: every Input (the filter, the
    panels' fields) is made with `cursor_blink` off."""
    make = Input.__init__

    def make_steady(self: Input, *args: Any, **kwargs: Any) -> None:
        make(self, *args, **kwargs)
        self.cursor_blink = False

    monkeypatch.setattr(Input, "__init__", make_steady)
