"""The Findings view: the doctor's findings as a table, each one a way to jump to its object.

Self-contained: give it findings with `update_findings()`; it posts `FindingsView.JumpToObject(ref)`
when the user presses enter on a row (or clicks the highlighted row), and the app moves to that
object. Its styles live in `ipcscope/ui/findings.tcss`, loaded as the widget's default CSS so the
view looks right wherever it is mounted (an app may still override them).
"""

from __future__ import annotations

from collections.abc import Sequence

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.containers import Vertical
from textual.events import Resize
from textual.message import Message
from textual.widgets import DataTable, Static

from ipcscope.doctor import Finding, object_label, summary
from ipcscope.model import ObjectRef

COLUMNS = (("severity", "SEVERITY"), ("kind", "KIND"), ("object", "OBJECT"), ("message", "MESSAGE"))
#: the message column never gets narrower than this, even in a tiny terminal
MIN_MESSAGE_WIDTH = 12


class FindingsView(Vertical):
    """A summary line, a table (severity, kind, object, message) and the full text of the current row."""

    class JumpToObject(Message):
        """The user chose a finding: show its object."""

        def __init__(self, ref: ObjectRef, finding: Finding) -> None:
            super().__init__()
            self.ref = ref
            self.finding = finding

    def __init__(self, *, name: str | None = None, id: str | None = None,
                 classes: str | None = None) -> None:
        super().__init__(name=name, id=id, classes=classes)
        self._findings: dict[str, Finding] = {}
        self._notes: tuple[str, ...] = ()

    def compose(self) -> ComposeResult:
        yield Static(id="findings-summary")
        table: DataTable[Text] = DataTable(id="findings-table", cursor_type="row", zebra_stripes=True)
        for key, label in COLUMNS:
            table.add_column(label, key=key)
        yield table
        yield Static(id="findings-detail")

    def on_mount(self) -> None:
        self._render_summary()
        self._render_detail()

    @property
    def table(self) -> DataTable[Text]:
        return self.query_one("#findings-table", DataTable)

    @property
    def findings(self) -> list[Finding]:
        """The findings shown, in table order."""
        return list(self._findings.values())

    @property
    def current(self) -> Finding | None:
        """The finding under the cursor."""
        table = self.table
        if not table.row_count:
            return None
        row_key = table.coordinate_to_cell_key(table.cursor_coordinate).row_key
        return self._findings.get(row_key.value or "")

    # ---- updates

    def update_findings(self, findings: Sequence[Finding], *, notes: Sequence[str] = ()) -> None:
        """Show `findings` (already sorted by `diagnose`); keep the cursor on the same finding.

        `notes` are what the diagnosis could not check (`doctor.coverage_notes`), shown under the
        summary so an empty list is not over-read.
        """
        table = self.table
        new = _keyed(findings)
        kept = self.current
        kept_key = next((k for k, f in self._findings.items() if f is kept), None)
        kept_index = table.cursor_row
        with self.app.batch_update():
            if list(new) == list(self._findings):
                for key, finding in new.items():
                    if finding != self._findings[key]:
                        for column, cell in zip((c for c, _ in COLUMNS), self._cells(finding)):
                            table.update_cell(key, column, cell)
            else:
                scroll_y = table.scroll_y
                table.clear()
                for key, finding in new.items():
                    table.add_row(*self._cells(finding), key=key)
                if kept_key in new:
                    table.move_cursor(row=table.get_row_index(kept_key), animate=False, scroll=False)
                elif table.row_count:
                    table.move_cursor(row=min(kept_index, table.row_count - 1), animate=False, scroll=False)
                table.scroll_to(y=scroll_y, animate=False)
            self._findings = new
            self._notes = tuple(notes)
            self.set_class(not new, "-empty")
            self._render_summary()
            self._render_detail()

    def _cells(self, finding: Finding) -> tuple[Text, Text, Text, Text]:
        colour = {"error": "error", "warning": "warning", "info": "accent"}[finding.severity]
        style = self.app.theme_variables.get(colour, "")
        severity = Text(finding.severity, style=f"bold {style}" if finding.severity == "error" else style)
        message = Text(finding.message, no_wrap=True, overflow="ellipsis")
        message.truncate(self._message_width(), overflow="ellipsis")
        return (severity, Text(finding.kind), Text(object_label(finding.object)), message)

    def _message_width(self) -> int:
        """What is left of the table's width for the message column."""
        table = self.table
        others = sum(c.get_render_width(table) for key, c in table.columns.items() if key.value != "message")
        # the table's width less a vertical scrollbar, which may appear after the rows are added
        available = (table.size.width or self.size.width) - table.styles.scrollbar_size_vertical
        return max(MIN_MESSAGE_WIDTH, available - others - 2 * table.cell_padding)

    def on_resize(self, _: Resize) -> None:
        self.call_after_refresh(self._refit_messages)

    def on_show(self) -> None:
        # Findings that arrived while the tab was hidden were cut to the minimum width; a Resize
        # seen during a busy first layout may have measured a transient width.
        self.call_after_refresh(self._refit_messages)

    def _refit_messages(self) -> None:
        for key, finding in self._findings.items():
            self.table.update_cell(key, "message", self._cells(finding)[3], update_width=True)

    def _render_summary(self) -> None:
        text = Text(summary(self.findings).capitalize(), style="bold")
        for note in self._notes:
            text.append(f"\nnote: {note}", style="not bold dim")
        self.query_one("#findings-summary", Static).update(text)

    def _render_detail(self) -> None:
        finding = self.current
        detail = self.query_one("#findings-detail", Static)
        if finding is None:
            detail.update("Nothing to explain: the doctor found no dead holders, deadlocks, stuck "
                          "waiters, full queues or orphans." if not self._notes else "")
            return
        text = Text()
        text.append(f"{object_label(finding.object)}: ", style="bold")
        text.append(finding.message)
        if finding.pids:
            text.append("\npids: ", style="dim")
            text.append(", ".join(map(str, finding.pids)))
        if finding.hint:
            text.append("\nhint: ", style="dim")
            text.append(finding.hint, style="bold")
        text.append("   (enter: go to the object)", style="dim")
        detail.update(text)

    # ---- events

    @on(DataTable.RowHighlighted, "#findings-table")
    def _highlighted(self, event: DataTable.RowHighlighted) -> None:
        event.stop()
        self._render_detail()

    @on(DataTable.RowSelected, "#findings-table")
    def _selected(self, event: DataTable.RowSelected) -> None:
        event.stop()
        finding = self._findings.get(event.row_key.value or "")
        if finding is not None:
            self.post_message(self.JumpToObject(finding.object, finding))


def _keyed(findings: Sequence[Finding]) -> dict[str, Finding]:
    """Stable row keys: kind, object and pids identify a finding across refreshes."""
    keyed: dict[str, Finding] = {}
    for finding in findings:
        base = f"{finding.kind}|{finding.object.row_key}|{','.join(map(str, finding.pids))}"
        key, n = base, 1
        while key in keyed:
            n += 1
            key = f"{base}#{n}"
        keyed[key] = finding
    return keyed
