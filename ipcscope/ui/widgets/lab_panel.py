"""The lab panel: the running lab's step beside the live tables.

It only shows; `ipcscope.ui.app_labs` drives the session and calls `show_step`,
`show_processes` and `show_check`. Anything with LabSession's read side (`lab`, `step`, `index`,
`step_count`, `has_next`, `has_back`) can be shown, which keeps the snapshot tests free of live
processes. Styles: `ipcscope/ui/labs.tcss`, loaded as the widget's default CSS.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Protocol

from rich.syntax import Syntax
from rich.text import Text
from textual.app import ComposeResult
from textual.containers import Vertical, VerticalScroll
from textual.widgets import DataTable, Static

from ipcscope.labs.lab import Check, Lab, Step
from ipcscope.labs.processes import LabProcess

PROCESS_COLUMNS = (("label", "PROCESS"), ("pid", "PID"), ("status", "STATUS"), ("output", "LAST OUTPUT"))


class ShownLab(Protocol):
    """What the panel reads from a LabSession."""

    lab: Lab

    @property
    def step(self) -> Step | None: ...
    @property
    def index(self) -> int: ...
    @property
    def step_count(self) -> int: ...
    @property
    def has_next(self) -> bool: ...
    @property
    def has_back(self) -> bool: ...


class LabPanel(Vertical):
    """Step title and text, the step's C code, the current check, the lab's processes, the keys."""

    def compose(self) -> ComposeResult:
        yield Static(id="lab-title")
        with VerticalScroll(id="lab-body"):
            yield Static(id="lab-text")
            yield Static(id="lab-code")
        yield Static(id="lab-check")
        table: DataTable[str] = DataTable(id="lab-processes", cursor_type="row", show_cursor=False)
        for key, label in PROCESS_COLUMNS:
            table.add_column(label, key=key)
        yield table
        yield Static(id="lab-keys")

    def show_step(self, shown: ShownLab) -> None:
        """The shown step, its position and the keys that apply now."""
        step = shown.step
        lab = shown.lab
        title = Text.assemble((lab.name, "bold"), "  ", (f"step {shown.index + 1}/{shown.step_count}", "dim"))
        if step is not None:
            title.append(f"\n{step.title}")
        self.query_one("#lab-title", Static).update(title)
        self.query_one("#lab-text", Static).update(step.text if step else lab.goal)
        code = self.query_one("#lab-code", Static)
        code.display = bool(step and step.c_code)
        if step and step.c_code:
            code.update(Syntax(step.c_code, "c", theme="ansi_dark", background_color="default",
                               word_wrap=True))
        self.query_one("#lab-body", VerticalScroll).scroll_home(animate=False)
        keys = [("n next", shown.has_next), ("b back", shown.has_back), ("esc leave", True)]
        self.query_one("#lab-keys", Static).update(
            Text("  ·  ").join(Text(label, style="" if on else "dim strike") for label, on in keys))

    def show_check(self, check: Check | None, *, busy: str | None = None, error: str | None = None) -> None:
        """What the kernel shows against the step's promise; or what the lab is busy doing."""
        line = self.query_one("#lab-check", Static)
        line.remove_class("-ok", "-waiting", "-error")
        if error is not None:
            line.add_class("-error")
            line.update(Text(error))
        elif busy is not None:
            line.add_class("-waiting")
            line.update(Text(f"… {busy}"))
        elif check is None:
            line.update(Text("checking the kernel…", style="dim"))
        elif check.ok:
            line.add_class("-ok")
            line.update(Text(f"✓ {check.explanation}"))
        else:
            line.add_class("-waiting")
            line.update(Text(f"… not yet: {check.explanation}"))

    def show_processes(self, processes: Sequence[LabProcess]) -> None:
        """One row per lab process; rows change in place so the table does not flicker."""
        table = self.query_one("#lab-processes", DataTable)
        table.display = bool(processes)
        wanted = {process.label: process for process in processes}
        for row_key in list(table.rows):
            if row_key.value not in wanted:
                table.remove_row(row_key)
        for process in processes:
            cells = (process.label, str(process.pid), process.status, process.last_output)
            if process.label in table.rows:
                for (column, _label), value in zip(PROCESS_COLUMNS, cells):
                    if table.get_cell(process.label, column) != value:
                        table.update_cell(process.label, column, value)
            else:
                table.add_row(*cells, key=process.label)
