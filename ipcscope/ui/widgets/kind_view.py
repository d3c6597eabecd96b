"""One view per kind of object: its table, its filter and the detail pane of the highlighted row.

The detail pane sits beside the table on wide terminals and below it on narrow ones (the screen's
`-narrow`/`-wide` breakpoint classes, see app.tcss).
"""

from __future__ import annotations

from typing import ClassVar

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Container, Horizontal, Vertical, VerticalScroll
from textual.message import Message
from textual.widget import Widget
from textual.widgets import DataTable, Input, Static

from ipcscope.model import KIND_TITLES, Kind, Snapshot
from ipcscope.probe.procinfo import ProcessInfo
from ipcscope.ui.data.history import History
from ipcscope.ui.render.texts import empty_text, mqueue_notice, no_match_text
from ipcscope.ui.widgets.detail import DetailPane, Peek
from ipcscope.ui.widgets.object_table import ObjectTable
from ipcscope.ui.widgets.status import Notice


class BackToTable(Message):
    """Escape in the filter or the detail pane: give the table the focus again."""


class ClearFilter(Message):
    """Escape in the filter: drop it and give the table the focus again."""


class FilterBar(Input):
    """`/` opens it; typing filters as you go; enter keeps the filter, escape clears it."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "clear", "Clear filter", id="filter.clear"),
    ]

    def action_clear(self) -> None:
        self.post_message(ClearFilter())


class DetailScroll(VerticalScroll):
    """Holds the detail pane so it can take focus and scroll (enter from the table, escape back)."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "back", "Back to table", id="detail.back"),
        Binding("j", "scroll_down", "Scroll down", show=False, id="detail.down"),
        Binding("k", "scroll_up", "Scroll up", show=False, id="detail.up"),
        Binding("g", "scroll_home", "Top", show=False, id="detail.top"),
        Binding("G", "scroll_end", "Bottom", show=False, id="detail.bottom"),
    ]

    def action_back(self) -> None:
        self.post_message(BackToTable())


class KindView(Vertical):
    """The objects of one kind."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("s", "sort_next", "Sort", tooltip="Sort by the next column", id="view.sort"),
        Binding("S", "sort_reverse", "Reverse", show=False, tooltip="Reverse the sort order",
                id="view.reverse"),
        Binding("escape", "clear_filter", "Clear filter", show=False, id="view.clear-filter"),
    ]

    def __init__(self, kind: Kind, *, id: str | None = None, process_info: ProcessInfo | None = None,
                 peek: Peek | None = None) -> None:
        super().__init__(id=id, classes="kind-view")
        self.kind: Kind = kind
        self._process_info = process_info
        self._peek = peek
        self._snapshot: Snapshot | None = None
        self._now = 0.0
        self._history: History | None = None
        self._empty_message = ""

    def compose(self) -> ComposeResult:
        yield Notice(classes="kind-notice")
        with Container(classes="body"):
            with Vertical(classes="table-box") as box:
                box.border_title = KIND_TITLES[self.kind]
                with Horizontal(classes="filter-row"):
                    yield Static("/", classes="filter-label")
                    yield FilterBar(placeholder="filter by key, id, name or owner; pid:N for a process's objects",
                                    classes="filter")
                yield ObjectTable(self.kind, id=f"table-{self.kind}")
                yield Static(classes="empty")
            with DetailScroll(classes="detail-box") as detail:
                detail.border_title = "Detail"
                yield DetailPane(classes="detail", process_info=self._process_info, peek=self._peek)

    def on_mount(self) -> None:
        self._show_filter(False)

    def _show_filter(self, shown: bool) -> None:
        self.query_one(".filter-row").display = shown

    @property
    def table(self) -> ObjectTable:
        return self.query_one(ObjectTable)

    # ------------------------------------------------------------------ data

    def apply(self, snapshot: Snapshot, now: float, history: History) -> None:
        """Show a new snapshot. The detail pane is rendered only when this view is visible."""
        self._snapshot, self._now, self._history = snapshot, now, history
        self.table.apply(snapshot.objects(self.kind), snapshot.processes, now)
        notice = mqueue_notice(snapshot) if self.kind == "pmq" else None
        self.query_one(".kind-notice", Notice).say(notice)
        self._update_titles()
        self.refresh_detail()

    def expire(self, now: float) -> None:
        self._now = now
        self.table.expire(now)
        self.refresh_detail()

    def refresh_detail(self) -> None:
        """Render the object under the cursor. Called after every change, because DataTable only
        reports a highlight when the cursor *index* changes, not when the object under it does.
        Skipped while the view's tab is hidden (the app calls it when the tab is shown): at
        start every table reports its first highlight, and the hidden panes' renders were wasted."""
        if self._snapshot is None or self._history is None or not self._on_shown_tab():
            return
        selected = self.table.selected()
        obj, removed = selected if selected is not None else (None, False)
        self.query_one(DetailPane).show(obj, self._snapshot, now=self._now, history=self._history,
                                        removed=removed)

    def _on_shown_tab(self) -> bool:
        """False while another tab is shown (TabbedContent hides the other panes: display none)."""
        return all(node.display for node in self.ancestors_with_self if isinstance(node, Widget))

    def _update_titles(self) -> None:
        """Titles and the empty-view text. Runs on every poll, so it only assigns what changed:
        each assignment repaints."""
        table = self.table
        box = self.query_one(".table-box")
        title = KIND_TITLES[self.kind]
        if table.filter:
            title = f"{title} · {table.shown}/{table.total} shown"
        else:
            title = f"{title} ({table.total})"
        subtitle = f"sort: {table.sort_label}"
        if box.border_title != title:
            box.border_title = title
        if box.border_subtitle != subtitle:
            box.border_subtitle = subtitle
        message = ""
        if table.total == 0:
            message = empty_text(self.kind)
        elif table.row_count == 0:
            message = no_match_text(table.filter, table.total)
        if message != self._empty_message:
            self._empty_message = message
            self.query_one(".empty", Static).update(message)
        self.set_class(table.row_count == 0, "-empty")

    # ------------------------------------------------------------------ actions

    def action_filter(self) -> None:
        self._show_filter(True)
        # Focus now, not after the next refresh: keys typed right after "/" belong to the filter.
        self.screen.set_focus(self.query_one(FilterBar))

    def action_clear_filter(self) -> None:
        if self.query_one(FilterBar).value or self.query_one(".filter-row").display:
            self.clear_filter()

    def set_filter(self, text: str) -> None:
        """Filter by `text` as if typed after `/` (the palette's "objects of a process")."""
        bar = self.query_one(FilterBar)
        with self.prevent(Input.Changed):
            bar.value = text
        self._show_filter(bool(text))
        self.table.set_filter(text)
        self._update_titles()
        self.refresh_detail()

    def clear_filter(self) -> None:
        """Drop the filter now (not when the Input's Changed message arrives)."""
        bar = self.query_one(FilterBar)
        with self.prevent(Input.Changed):
            bar.value = ""
        self._show_filter(False)
        self.table.set_filter("")
        self._update_titles()
        self.refresh_detail()

    def action_sort_next(self) -> None:
        self.table.cycle_sort()

    def action_sort_reverse(self) -> None:
        self.table.reverse_sort()

    def focus_table(self) -> None:
        """Focus at once (not after a refresh), so the keys typed next already reach the table."""
        self.screen.set_focus(self.table)

    # ------------------------------------------------------------------ events

    @on(Input.Changed, ".filter")
    def _filter_changed(self, event: Input.Changed) -> None:
        self.table.set_filter(event.value)
        self._update_titles()
        self.refresh_detail()

    @on(Input.Submitted, ".filter")
    def _filter_submitted(self, event: Input.Submitted) -> None:
        if not event.value:
            self._show_filter(False)
        self.focus_table()

    @on(ClearFilter)
    def _clear_from_bar(self, event: ClearFilter) -> None:
        event.stop()
        self.clear_filter()
        self.focus_table()

    @on(BackToTable)
    def _back_to_table(self, event: BackToTable) -> None:
        event.stop()
        self.focus_table()

    @on(ObjectTable.DetailRequested)
    def _open_detail(self, event: ObjectTable.DetailRequested) -> None:
        event.stop()
        self.screen.set_focus(self.query_one(DetailScroll))

    @on(ObjectTable.Changed)
    def _table_changed(self, event: ObjectTable.Changed) -> None:
        event.stop()
        self._update_titles()
        self.refresh_detail()

    @on(DataTable.RowHighlighted)
    def _row_highlighted(self, event: DataTable.RowHighlighted) -> None:
        self.refresh_detail()
