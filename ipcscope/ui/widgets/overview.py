"""View 0: limits and usage as coloured bars, object counts and totals, warnings.

Two DataTables (limits in `lsipc -g` shape, counts per kind) updated cell by cell on each poll, so
nothing is cleared or re-mounted and the view never flickers. Per-object limits, which have no
usage, are one line of text; the snapshot's warnings and the process scan's gaps close the view.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from rich.text import Text
from textual.app import ComposeResult
from textual.containers import VerticalScroll
from textual.widgets import DataTable, Static

from ipcscope.format import human_size, percent
from ipcscope.model import KIND_TITLES, KINDS, LimitRow, Snapshot
from ipcscope.ui.render.gauge import bar, theme_color, usage_level
from ipcscope.ui.render.texts import hidden_details

LIMIT_COLUMNS = ("RESOURCE", "DESCRIPTION", "USED", "LIMIT", "USE%")
COUNT_COLUMNS = ("KIND", "OBJECTS", "TOTALS")
NUMERIC = {"USED", "LIMIT", "OBJECTS"}
BAR_WIDTH = 8
#: below this many columns, descriptions are cut to NARROW_DESCRIPTION so the bars stay on screen
WIDE = 100
NARROW_DESCRIPTION = 26


def limit_cells(row: LimitRow, colors: Mapping[str, str], description_width: int) -> tuple[object, ...]:
    """One `lsipc -g` row; USE% carries the bar, coloured by level."""
    fraction = row.use_fraction
    use = bar(fraction, BAR_WIDTH, colors)
    use.append(f" {percent(fraction):>6}", style=theme_color(colors, usage_level(fraction)[1]))
    limit = "-" if row.limit is None else str(row.limit)
    description = row.description
    if len(description) > description_width:
        description = description[: description_width - 1] + "…"
    return (row.resource, description, number(row.used), number(limit), use)


def header(label: str) -> Text:
    """Column labels of numbers are right-aligned like the numbers."""
    return Text(label, justify="right" if label in NUMERIC else "left")


def number(value: object) -> Text:
    return Text(str(value), justify="right")


def kind_totals(snapshot: Snapshot) -> dict[str, str]:
    """What each kind adds up to: bytes, queued messages, semaphores."""
    shm_bytes = sum(s.size for s in snapshot.shm)
    msg_bytes, msg_count = sum(q.cbytes for q in snapshot.msg), sum(q.qnum for q in snapshot.msg)
    pmq_known = [q for q in snapshot.pmq if q.curmsgs is not None]
    return {
        "shm": f"{human_size(shm_bytes)} in segments, {sum(s.nattch for s in snapshot.shm)} attachments",
        "msg": f"{human_size(msg_bytes)} queued in {msg_count} messages",
        "sem": f"{sum(s.nsems for s in snapshot.sem)} semaphores",
        "pmq": f"{sum(q.curmsgs or 0 for q in pmq_known)} messages queued, "
               f"{human_size(sum(q.qsize for q in snapshot.pmq))}",
        "pshm": f"{human_size(sum(s.size for s in snapshot.pshm))} in objects",
        "psem": "",
    }


def other_limits(rows: Sequence[LimitRow]) -> Text:
    """Per-object limits (no usage to show) as one wrapped line: "MSGMAX 8K · SEMOPM 500 ..."."""
    text = Text("Per-object limits: ", style="bold")
    parts = [f"{r.resource} {human_size(r.limit) if r.unit == 'bytes' else r.limit}"
             for r in rows if r.used is None and r.limit is not None]
    text.append(" · ".join(parts) if parts else "none reported")
    return text


class Overview(VerticalScroll):
    """Usage against every kernel limit (green/yellow/red by use%), counts and totals per kind."""

    def __init__(self, *, name: str | None = None, id: str | None = None,
                 classes: str | None = None) -> None:
        super().__init__(name=name, id=id, classes=classes)
        self._last: tuple[Snapshot, float] | None = None

    def compose(self) -> ComposeResult:
        yield Static("Limits and usage", classes="overview-heading")
        limits = DataTable(id="overview-limits", cursor_type="none", classes="overview-section")
        for label in LIMIT_COLUMNS:
            limits.add_column(header(label), key=label)
        yield limits
        yield Static(id="overview-other-limits", classes="overview-section")
        yield Static("Objects", classes="overview-heading")
        counts = DataTable(id="overview-counts", cursor_type="none", classes="overview-section")
        for label in COUNT_COLUMNS:
            counts.add_column(header(label), key=label)
        yield counts
        yield Static(id="overview-warnings", classes="overview-section")

    def on_mount(self) -> None:
        self.watch(self.app, "theme", self._rerender, init=False)
        self._rerender()

    def on_resize(self) -> None:
        self._rerender()  # descriptions are cut to fit narrow terminals

    def _rerender(self) -> None:
        if self._last is not None:
            self.update_snapshot(self._last[0], now=self._last[1])

    def update_snapshot(self, snapshot: Snapshot, *, now: float) -> None:
        """Show this snapshot, changing only the cells whose value changed."""
        self._last = (snapshot, now)
        if not self.is_mounted:
            return  # on_mount renders it
        colors = self.app.theme_variables
        width = self.size.width or self.app.size.width
        description_width = 200 if width >= WIDE else NARROW_DESCRIPTION
        with self.app.batch_update():
            used = {r.resource: limit_cells(r, colors, description_width)
                    for r in snapshot.limits.rows if r.used is not None}
            apply_rows(self.query_one("#overview-limits", DataTable), used, LIMIT_COLUMNS)
            self.query_one("#overview-other-limits", Static).update(other_limits(snapshot.limits.rows))
            apply_rows(self.query_one("#overview-counts", DataTable), count_rows(snapshot), COUNT_COLUMNS)
            warnings = self.query_one("#overview-warnings", Static)
            warnings.update(notes(snapshot))
            warnings.set_class(bool(snapshot.warnings or not snapshot.processes
                                    or snapshot.processes.denied), "-some")


def count_rows(snapshot: Snapshot) -> dict[str, tuple[object, ...]]:
    totals = kind_totals(snapshot)
    rows: dict[str, tuple[object, ...]] = {
        kind: (KIND_TITLES[kind], number(len(snapshot.objects(kind))), totals[kind]) for kind in KINDS
    }
    total = number(len(snapshot.all_objects()))
    total.stylize("bold")
    rows["all"] = (Text("All", style="bold"), total, "")
    return rows


def notes(snapshot: Snapshot) -> Text:
    """Warnings, and what the process scan could not see; "No warnings." when all is well."""
    lines = hidden_details(snapshot)
    if not lines:
        return Text("No warnings.", style="italic")
    text = Text("Warnings\n", style="bold")
    text.append("\n".join(f"• {line}" for line in lines))
    return text


def apply_rows(table: DataTable, rows: Mapping[str, tuple[object, ...]], columns: Sequence[str]) -> None:
    """Diff `rows` (by key) into `table`: remove gone rows, update changed cells, add new rows."""
    for gone in [key for key in table.rows if key.value not in rows]:
        table.remove_row(gone)
    for key, cells in rows.items():
        if key not in table.rows:
            table.add_row(*cells, key=key)
            continue
        for column, value in zip(columns, cells):
            if table.get_cell(key, column) != value:
                table.update_cell(key, column, value, update_width=True)
