"""The running operations: blocking calls the app started in helper processes, with a cancel key.

It polls `runner.poll()` on a timer and shows every operation the runner still knows (C call,
helper pid, status, age, outcome). Each change found is also posted to the app as
OperationChanged, so the app can say "semop done" and refresh, whoever polled first.
Cancelling ends the helper (SIGTERM, then SIGKILL) and reaps it; a helper holding SEM_UNDO
adjustments releases them as it exits, which the outcome says.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import ClassVar

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import DataTable, Footer, Static

from ipcscope.actions.runner import OperationRunner, RunningOperation
from ipcscope.format import duration
from ipcscope.ui.panels.outcome import OperationChanged, describe_operation_error

POLL_SECONDS = 0.2
COLUMNS = (("op", "#"), ("pid", "PID"), ("status", "Status"), ("age", "Age"), ("call", "Call"),
           ("outcome", "Outcome"))
EMPTY = ("No operations. A call that can wait (semop, msgrcv, msgsnd on a full queue, "
         "mq_send/mq_receive, sem_wait) started from a form runs here, in its own process.")
STATUS_STYLES = {"running": "bold yellow", "holding": "bold cyan", "done": "green",
                 "failed": "red", "cancelled": "dim"}


def outcome_text(op: RunningOperation) -> str:
    """What became of the operation, in one line."""
    if op.status == "running":
        return "waiting in the kernel"
    if op.status == "holding":
        return "done; holds its SEM_UNDO adjustments until cancelled"
    if op.status == "done":
        text = op.result.describe().splitlines()[0] if op.result else "done"
        return text + ("; SEM_UNDO adjustments applied" if op.undo_applied else "")
    if op.status == "failed":
        return describe_operation_error(op.error)
    return "cancelled" + ("; it used SEM_UNDO, nothing was held yet" if op.uses_undo else "")


def age_text(op: RunningOperation, now: float) -> str:
    end = op.ended_at if op.ended_at is not None else now
    return duration(end - op.started_at) if end - op.started_at >= 1 else "<1s"


class OperationsScreen(ModalScreen[None]):
    """A table of the runner's operations; c cancels the highlighted one."""

    CSS_PATH = "panels.tcss"

    AUTO_FOCUS = "#operations"

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape,o", "close", "Close", id="operations.close"),
        Binding("c,x,delete", "cancel_operation", "Cancel operation",
                tooltip="End the highlighted helper process (SIGTERM, then SIGKILL)",
                id="operations.cancel"),
        Binding("f", "forget_finished", "Clear finished", id="operations.forget"),
    ]

    def __init__(self, runner: OperationRunner, *, clock: Callable[[], float] = time.time,
                 interval: float = POLL_SECONDS) -> None:
        super().__init__()
        self.runner = runner
        self.clock = clock
        self.interval = interval

    def compose(self) -> ComposeResult:
        with Vertical(id="operations-box"):
            yield Static("Running operations", id="operations-title")
            yield DataTable(id="operations", cursor_type="row", zebra_stripes=True)
            yield Static(Text(EMPTY), id="operations-empty")
        yield Footer()

    def on_mount(self) -> None:
        table = self.query_one(DataTable)
        for key, label in COLUMNS:
            table.add_column(label, key=key)
        self.refresh_table()
        table.focus()
        if self.interval > 0:
            self.set_interval(self.interval, self.poll, name="operations-poll")

    def poll(self) -> None:
        """Ask the runner what changed; tell the app; show the table."""
        for op in self.runner.poll():
            self.app.post_message(OperationChanged(op))
        self.refresh_table()

    def refresh_table(self) -> None:
        table = self.query_one(DataTable)
        now = self.clock()
        operations = self.runner.operations
        wanted = {str(op.op_id): op for op in operations}
        for row_key in [key for key in table.rows if key.value not in wanted]:
            table.remove_row(row_key)
        for key, op in wanted.items():
            status = Text(op.status, STATUS_STYLES[op.status])
            cells = (str(op.op_id), str(op.pid), status, age_text(op, now), Text(op.c_call),
                     Text(outcome_text(op)))
            if key in table.rows:
                for (column, _), value in zip(COLUMNS, cells):
                    if table.get_cell(key, column) != value:
                        table.update_cell(key, column, value, update_width=True)
            else:
                table.add_row(*cells, key=key)
        self.query_one("#operations-empty").display = not operations
        table.display = bool(operations)
        self.refresh_bindings()

    def selected(self) -> RunningOperation | None:
        table = self.query_one(DataTable)
        if not table.row_count:
            return None
        key = table.coordinate_to_cell_key(table.cursor_coordinate).row_key.value
        return self.runner.get(int(key)) if key is not None else None

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action == "cancel_operation":
            op = self.selected()
            return op is not None and not op.finished
        if action == "forget_finished":
            return any(op.finished for op in self.runner.operations)
        return True

    def action_cancel_operation(self) -> None:
        op = self.selected()
        if op is None or op.finished:
            return
        self.runner.cancel(op)
        self.poll()  # reports the cancellation to the app, once

    def action_forget_finished(self) -> None:
        for op in self.runner.operations:
            if op.finished:
                self.runner.forget(op)
        self.refresh_table()

    def action_close(self) -> None:
        self.dismiss(None)
