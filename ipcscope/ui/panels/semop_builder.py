"""The semop builder: several operations on one set, applied atomically by one semop call.

Each row is one `struct sembuf`: semaphore number, delta (negative takes, positive gives, 0 waits
for zero), IPC_NOWAIT and SEM_UNDO. Rows are joined into the text `SemOp` parses
("0:-1:undo 2:+1"), so the bounds (the set's nsems, SEMOPM, SEMVMX) are checked by the action,
once; each row is also previewed alone so its problem shows beside it. The live line reads
`semop(32769, {{0, -1, SEM_UNDO}, {2, +1, 0}}, 2)`. A semop that can wait goes to the runner.
"""

from __future__ import annotations

import itertools
import re
from collections.abc import Iterable
from typing import Any

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.containers import Horizontal, Vertical
from textual.widgets import Button, Checkbox, Input, Label, Static

from ipcscope.actions import IPC_NOWAIT, SEM_UNDO, ActionLimits, Preview, SemOp, preview
from ipcscope.actions.runner import Runner
from ipcscope.model import SemOpSpec, SemSet
from ipcscope.ui.panels.action_form import FieldsScroll
from ipcscope.ui.panels.base import ActionScreen

_NUMBER = re.compile(r"\s*[0-9]+\s*")
_DELTA = re.compile(r"\s*[+-]?[0-9]+\s*")


class SemOpRow(Vertical):
    """One operation: number, delta, IPC_NOWAIT, SEM_UNDO, a remove button and its problem."""

    DEFAULT_CSS = """
    SemOpRow {
        height: auto;
    }
    SemOpRow > Horizontal {
        height: 1;
    }
    SemOpRow .op-label {
        width: 14;
        padding-right: 1;
        text-align: right;
    }
    SemOpRow .op-num {
        width: 8;
    }
    SemOpRow .op-delta {
        width: 10;
        margin-left: 1;
    }
    SemOpRow Checkbox {
        margin-left: 2;
        width: auto;
    }
    SemOpRow .op-remove {
        margin-left: 2;
        min-width: 5;
    }
    SemOpRow .op-note {
        padding-left: 14;
        color: $text-error;
        height: auto;
    }
    """

    def __init__(self, op: SemOpSpec, *, id: str | None = None) -> None:
        super().__init__(id=id, classes="op-row")
        self.op = op

    def compose(self) -> ComposeResult:
        op = self.op
        with Horizontal():
            yield Label("Operation", classes="op-label")
            yield Input(str(op.num), placeholder="num", classes="op-num", compact=True,
                        select_on_focus=False, tooltip="semaphore number, from 0")
            yield Input(f"{op.op:+d}" if op.op else "0", placeholder="delta", classes="op-delta",
                        compact=True, select_on_focus=False,
                        tooltip="-N takes, +N gives, 0 waits until the value is zero")
            yield Checkbox("IPC_NOWAIT", bool(op.flags & IPC_NOWAIT), classes="op-nowait", compact=True)
            yield Checkbox("SEM_UNDO", bool(op.flags & SEM_UNDO), classes="op-undo", compact=True)
            yield Button("del", classes="op-remove", compact=True, tooltip="Remove this operation")
        yield Static(classes="op-note")

    def text(self) -> tuple[str, str]:
        """("NUM:DELTA[:undo][:nowait]", "") or ("", what is wrong before the action can judge)."""
        num = self.query_one(".op-num", Input).value
        delta = self.query_one(".op-delta", Input).value
        if not _NUMBER.fullmatch(num):
            return "", "semaphore number must be a number like 0"
        if not _DELTA.fullmatch(delta):
            return "", "delta must be like -1, +2 or 0 (0 waits for zero)"
        text = f"{num.strip()}:{delta.strip()}"
        if self.query_one(".op-undo", Checkbox).value:
            text += ":undo"
        if self.query_one(".op-nowait", Checkbox).value:
            text += ":nowait"
        return text, ""

    def show(self, problem: str) -> None:
        note = self.query_one(".op-note", Static)
        note.update(Text(problem))
        note.display = bool(problem)


class SemopBuilder(ActionScreen):
    """Rows of operations on the target set, one semop call; add and remove rows."""

    CSS_PATH = "panels.tcss"

    def __init__(self, target: SemSet, *, runner: Runner | None = None,
                 limits: ActionLimits | None = None, ops: Iterable[SemOpSpec] = ()) -> None:
        super().__init__(SemOp, target=target, runner=runner, limits=limits)
        self.semset = target
        self.initial_ops = tuple(ops) or (SemOpSpec(0, -1),)
        self._row_ids = itertools.count(1)

    def compose_fields(self) -> ComposeResult:
        with FieldsScroll(id="dialog-fields"):
            yield Static(Text(self._head()), id="ops-head")
            with Vertical(id="ops"):
                for op in self.initial_ops:
                    yield SemOpRow(op, id=f"op-{next(self._row_ids)}")
            yield Button("+ operation", id="add-op", compact=True)
            with Horizontal(classes="timeout-row"):
                yield Label("Timeout", classes="field-label")
                yield Input("", placeholder="seconds; empty waits forever", id="field-timeout",
                            compact=True)

    def _head(self) -> str:
        nsems = self.semset.nsems
        numbers = f"semaphores 0..{nsems - 1}" if nsems else "semaphores"
        if self.semset.semaphores:
            values = ", ".join(f"[{s.num}]={s.value}" for s in self.semset.semaphores)
            return f"{numbers}; values when shown: {values}"
        return numbers

    @property
    def rows(self) -> list[SemOpRow]:
        return list(self.query(SemOpRow))

    def fields(self) -> dict[str, Any]:
        texts = [row.text() for row in self.rows]
        ops = "" if any(problem for _, problem in texts) else " ".join(text for text, _ in texts)
        return {"ops": ops, "timeout": self.query_one("#field-timeout", Input).value}

    def show_problems(self, current: Preview) -> list[str]:
        row_problems = False
        for row in self.rows:
            text, problem = row.text()
            if not problem:
                alone = preview(SemOp, {"ops": text}, limits=self.limits, target=self.target)
                problem = alone.errors.get("ops", "").removeprefix("ops: ")
            row.show(problem)
            row_problems = row_problems or bool(problem)
        general = [message for name, message in current.errors.items()
                   if name != "timeout" and not (name == "ops" and row_problems)]
        timeout_problem = current.errors.get("timeout", "")
        if timeout_problem:
            general.append(timeout_problem)
        return general

    # ---- rows

    @on(Button.Pressed, "#add-op")
    async def _add_pressed(self, event: Button.Pressed) -> None:
        event.stop()
        await self.add_operation()

    async def add_operation(self, op: SemOpSpec | None = None) -> SemOpRow:
        """Append a row (by default: the next semaphore, +1) and focus its number."""
        if op is None:
            used = [int(row.query_one(".op-num", Input).value or 0) for row in self.rows
                    if row.text()[0]]
            nsems = self.semset.nsems or 1
            op = SemOpSpec(min(max(used, default=-1) + 1, nsems - 1), 1)
        row = SemOpRow(op, id=f"op-{next(self._row_ids)}")
        await self.query_one("#ops", Vertical).mount(row)
        row.query_one(".op-num", Input).focus()
        self.refresh_preview()
        return row

    @on(Button.Pressed, ".op-remove")
    async def _remove_pressed(self, event: Button.Pressed) -> None:
        event.stop()
        row = next(ancestor for ancestor in event.button.ancestors if isinstance(ancestor, SemOpRow))
        await row.remove()
        self.refresh_preview()

    @on(Input.Changed)
    @on(Checkbox.Changed)
    def _changed(self, event: Input.Changed | Checkbox.Changed) -> None:
        event.stop()
        if self.is_mounted:
            self.refresh_preview()
