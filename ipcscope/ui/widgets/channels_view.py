"""The Channels view: pipes, FIFOs, UNIX and local TCP/UDP sockets between processes.

A KindView (same filter bar, sort keys, detail pane placement and focus handling) whose table
is a ChannelTable and whose detail pane is a ChannelDetail. Its rows come from the process scan
(`ProcessScan.channels`), rebuilt only when a new scan arrives. A line above the table shows the
sub-kinds with their counts; `t` steps through them, a click picks one.
"""

from __future__ import annotations

from typing import ClassVar

from rich.markup import escape
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Container, Horizontal, Vertical
from textual.message import Message
from textual.widgets import Static

from ipcscope.model import CHANNEL_KINDS, ChannelKind, ChannelScan, Snapshot
from ipcscope.probe.procinfo import ProcessInfo
from ipcscope.ui.data.channel_rows import SUBKIND_TITLES, ChannelRow, RowCache
from ipcscope.ui.data.history import History
from ipcscope.ui.render.channel_texts import channels_notice, empty_channels_text, no_subkind_text
from ipcscope.ui.render.texts import no_match_text
from ipcscope.ui.widgets.channel_detail import ChannelDetail
from ipcscope.ui.widgets.channel_table import ChannelTable
from ipcscope.ui.widgets.kind_view import DetailScroll, FilterBar, KindView
from ipcscope.ui.widgets.status import Notice

TITLE = "Channels"
#: the order `t` steps through: all, then each sub-kind
CYCLE: tuple[ChannelKind | None, ...] = (None, *CHANNEL_KINDS)


class SubkindBar(Static):
    """"all 12 · pipes 3 · FIFOs 2 · UNIX 4 · TCP/UDP 2", the shown one highlighted; clickable."""

    class Picked(Message):
        def __init__(self, kind: ChannelKind | None) -> None:
            super().__init__()
            self.kind = kind

    _shown: tuple | None = None

    def show(self, counts: dict[ChannelKind | None, int], current: ChannelKind | None) -> None:
        state = (tuple(sorted(counts.items(), key=str)), current)
        if state == self._shown:
            return
        self._shown = state
        parts = []
        for kind in CYCLE:
            label = "all" if kind is None else SUBKIND_TITLES[kind]
            text = escape(f" {label} {counts.get(kind, 0)} ")
            style = "reverse bold" if kind == current else ""
            arg = "" if kind is None else f"'{kind}'"
            parts.append(f"[@click=pick({arg})]" + (f"[{style}]{text}[/]" if style else text) + "[/]")
        self.update("type:" + "·".join(parts) + "  [dim]t: next[/]")

    def action_pick(self, kind: str | None = None) -> None:
        self.post_message(self.Picked(kind))  # type: ignore[arg-type]


class ChannelsView(KindView):
    """Every channel between processes (see the module docstring)."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("t", "next_subkind", "Type", tooltip="Show only pipes, FIFOs, UNIX or TCP/UDP sockets; "
                "again for the next, then all", id="channels.type"),
        Binding("T", "all_subkinds", "All types", show=False, tooltip="Show every kind of channel",
                id="channels.all-types"),
    ]

    def __init__(self, *, id: str | None = None, process_info: ProcessInfo | None = None,
                 rows: RowCache | None = None) -> None:
        """`rows`: where the rows of a scan are built once (the app fills it off the UI thread)."""
        super().__init__("channels", id=id, process_info=process_info)  # type: ignore[arg-type]
        self.row_cache = rows or RowCache()
        self._channels: ChannelScan | None = None
        #: the rows of `_channels`, and how many of each sub-kind (None: all)
        self._rows: list[ChannelRow] | None = None
        self._counts: dict[ChannelKind | None, int] = {}

    def compose(self) -> ComposeResult:
        yield Notice(classes="kind-notice")
        with Container(classes="body"):
            with Vertical(classes="table-box") as box:
                box.border_title = TITLE
                yield SubkindBar(classes="subkinds")
                with Horizontal(classes="filter-row"):
                    yield Static("/", classes="filter-label")
                    yield FilterBar(placeholder="filter by name, inode, command or state; pid:N for a "
                                                "process's channels", classes="filter")
                yield ChannelTable(id="table-channels")
                yield Static(classes="empty")
            with DetailScroll(classes="detail-box") as detail:
                detail.border_title = "Detail"
                yield ChannelDetail(classes="detail", process_info=self._process_info)

    @property
    def table(self) -> ChannelTable:
        return self.query_one(ChannelTable)

    # ------------------------------------------------------------------ data

    def apply(self, snapshot: Snapshot, now: float, history: History) -> None:
        """Show the channels of the snapshot's process scan; rows are rebuilt only for a new scan."""
        self._snapshot, self._now, self._history = snapshot, now, history
        scan = snapshot.processes
        channels = scan.channels if scan is not None else None
        if channels is not self._channels or self._rows is None:
            self._channels = channels
            self._rows = self.row_cache.rows(channels) if channels is not None else []
            self._counts = {kind: sum(1 for row in self._rows if row.kind == kind) for kind in CHANNEL_KINDS}
            self._counts[None] = len(self._rows)
        self.table.apply_rows(self._rows, now)
        self.query_one(".kind-notice", Notice).say(channels_notice(scan))
        self._update_titles()
        self.refresh_detail()

    def refresh_detail(self) -> None:
        if self._snapshot is None or self._history is None or not self._on_shown_tab():
            return
        selected = self.table.selected()
        row, removed = selected if selected is not None else (None, False)
        self.query_one(ChannelDetail).show(row, self._snapshot, now=self._now,
                                           history=self._history, removed=removed)

    def _update_titles(self) -> None:
        table = self.table
        box = self.query_one(".table-box")
        total = table.total
        subkind = table.subkind
        if table.filter or subkind is not None:
            what = f" · {SUBKIND_TITLES[subkind]}" if subkind is not None else ""
            title = f"{TITLE}{what} · {table.shown}/{total} shown"
        else:
            title = f"{TITLE} ({total})"
        subtitle = f"sort: {table.sort_label}"
        if box.border_title != title:
            box.border_title = title
        if box.border_subtitle != subtitle:
            box.border_subtitle = subtitle
        self.query_one(SubkindBar).show(self._counts, subkind)
        message = ""
        if total == 0:
            message = empty_channels_text(self._snapshot.processes if self._snapshot else None)
        elif table.row_count == 0:
            if subkind is not None and not self._counts.get(subkind):
                message = no_subkind_text(subkind, total)
            else:
                message = no_match_text(table.filter, self._counts.get(subkind, 0))
        if message != self._empty_message:
            self._empty_message = message
            self.query_one(".empty", Static).update(message)
        self.set_class(table.row_count == 0, "-empty")

    # ------------------------------------------------------------------ sub-kinds

    def set_subkind(self, kind: ChannelKind | None) -> None:
        self.table.set_subkind(kind)
        self._update_titles()
        self.refresh_detail()

    def action_next_subkind(self) -> None:
        self.set_subkind(CYCLE[(CYCLE.index(self.table.subkind) + 1) % len(CYCLE)])

    def action_all_subkinds(self) -> None:
        self.set_subkind(None)

    @on(SubkindBar.Picked)
    def _picked(self, event: SubkindBar.Picked) -> None:
        event.stop()
        self.set_subkind(event.kind)
        self.focus_table()
