"""A tiny app that shows one dialog, records what it returns and what it tells the app."""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

from rich.console import Console
from textual.app import App, ComposeResult
from textual.screen import Screen
from textual.widgets import Static

from ipcscope.actions import ActionLimits
from ipcscope.ui.panels.outcome import ActionDone, OperationChanged

#: fixed limits, so previews and snapshots do not depend on this machine's sysctls
LIMITS = ActionLimits(shmmax=1 << 30)


class DialogApp(App[None]):
    """Pushes `make()` on mount; `results` gets what it dismisses with."""

    def __init__(self, make: Callable[[], Screen[Any]]) -> None:
        super().__init__()
        self.make = make
        self.results: list[Any] = []
        self.done: list[ActionDone] = []
        self.changed: list[OperationChanged] = []
        self.keys_seen = 0

    def compose(self) -> ComposeResult:
        yield Static("behind the dialog", id="behind")

    def on_mount(self) -> None:
        self.push_screen(self.make(), self.results.append)

    def on_action_done(self, message: ActionDone) -> None:
        self.done.append(message)

    def on_operation_changed(self, message: OperationChanged) -> None:
        self.changed.append(message)


def text_of(widget: Any) -> str:
    """The plain text a Static shows; a Rich renderable (a table) rendered unwrapped."""
    rendered = widget.render()
    if hasattr(rendered, "plain"):
        return rendered.plain
    console = Console(width=1000, color_system=None)
    with console.capture() as capture:
        console.print(getattr(rendered, "_renderable", rendered))
    return "\n".join(line.rstrip() for line in capture.get().splitlines())


async def wait_for(pilot: Any, predicate: Callable[[], bool], timeout: float = 10.0, what: str = "") -> None:
    """Let the app run until `predicate()` holds (helper processes move on their own time)."""
    deadline = time.monotonic() + timeout
    while not predicate():
        assert time.monotonic() < deadline, f"timed out waiting for {what}"
        await pilot.pause(0.02)


def operation_cells(panel: Any, op: Any) -> list[str]:
    """The plain texts of `op`'s row in an OperationsScreen's table."""
    from textual.widgets import DataTable

    row = panel.query_one(DataTable).get_row(str(op.op_id))
    return [getattr(cell, "plain", str(cell)) for cell in row]
