"""The Channels table: ObjectTable's live diffing (row keys, cursor, scroll and sort kept across
polls, new rows highlighted, vanished ones lingering) over ChannelRows instead of IPC objects.

On top of `/` it filters by sub-kind (pipe, FIFO, UNIX, TCP/UDP), and it resolves any channel's
key to the row that shows it: a finding on either socket of a connected pair, or on a FIFO by its
path, lands on the pair's or the FIFO's row.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from ipcscope.model import ChannelKind
from ipcscope.ui.data.channel_rows import ChannelRow, kind_order, row_aliases
from ipcscope.ui.render.channel_columns import (
    BAR_WIDTH,
    CHANNEL_COLUMNS,
    DEFAULT_CHANNEL_SORT,
    QUEUED_TEXT,
    BarCell,
)
from ipcscope.ui.render.columns import Cell, Column
from ipcscope.ui.render.gauge import bar
from ipcscope.ui.widgets.object_table import REMOVED, ObjectTable, SortText


class ChannelTable(ObjectTable):
    """Every channel between processes, one row each, filterable by sub-kind."""

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__("channels", id=id, columns=CHANNEL_COLUMNS,  # type: ignore[arg-type]
                         default_sort=DEFAULT_CHANNEL_SORT)
        #: the sub-kind shown, or None for all
        self.subkind: ChannelKind | None = None
        self._aliases: dict[str, str] = {}
        self._rows: Sequence[ChannelRow] | None = None

    # ------------------------------------------------------------------ data

    def apply_rows(self, rows: Sequence[ChannelRow], now: float) -> None:
        """Show `rows` as a difference to what is shown. The same list again (every poll between
        two process scans) changes nothing: highlights and lingering rows end by the app's
        expiry timer, which calls `expire`."""
        if rows is self._rows:
            self._now = now
            return
        self._rows = rows
        self._aliases = row_aliases(rows)
        self._replace_objects({row.key: row for row in rows}, now)
        self._loaded = True
        self._sync(now)

    def set_subkind(self, kind: ChannelKind | None) -> None:
        if kind != self.subkind:
            self.subkind = kind
            self._sync(self._now)
            self.post_message(self.Changed())

    def count(self, kind: ChannelKind | None = None) -> int:
        """Live rows of `kind` (None: all), whatever the filters."""
        rows: Any = self._objects.values()
        return sum(1 for row in rows if kind is None or row.kind == kind)

    @property
    def shown(self) -> int:
        return sum(1 for row in self._objects.values() if self._passes(row))

    def resolve(self, row_key: str) -> str | None:
        """The key of the row showing the channel `row_key` ("unix:7004", "fifo:/tmp/f"), or None."""
        if row_key in self._objects:
            return row_key
        return self._aliases.get(row_key)

    def has_object(self, row_key: str) -> bool:
        return self.resolve(row_key) is not None

    def move_to(self, row_key: str) -> bool:
        key = self.resolve(row_key)
        return key is not None and super().move_to(key)

    def shows_subkind(self, row_key: str) -> bool:
        """Whether the sub-kind filter lets the row of `row_key` through."""
        key = self.resolve(row_key)
        row = self._objects.get(key) if key is not None else None
        return row is not None and (self.subkind is None or row.kind == self.subkind)

    # ------------------------------------------------------------------ hooks of ObjectTable

    def _passes(self, obj: Any) -> bool:
        row: ChannelRow = obj
        if self.subkind is not None and row.kind != self.subkind:
            return False
        return not self.filter or self._matches(row)

    def _matches(self, obj: Any) -> bool:
        row: ChannelRow = obj
        if self._filter_pid is not None:
            return self._filter_pid in row.pids
        return self.filter in row.search_text

    def _signature_of(self, obj: Any) -> Any:
        row: ChannelRow = obj
        return row.cells_key

    def _tiebreak_of(self, obj: Any) -> Any:
        row: ChannelRow = obj
        return (kind_order(row.kind), row.inodes[0])

    def _tone_of(self, obj: Any) -> str | None:
        return None

    def _text(self, column: Column, cell: Any, look: tuple[str | None, str | None],
              tiebreak: Any) -> SortText:
        """QUEUED: the number, then the fill bar in the theme's usage colours (one tone when the
        row is removed: its colours would say it is live)."""
        if not isinstance(cell, BarCell):
            return super()._text(column, cell, look, tiebreak)
        text = super()._text(column, Cell(f"{cell.text:>{QUEUED_TEXT}} ", cell.sort, cell.tone), look,
                             tiebreak)
        text.justify = "left"
        if cell.fraction is None and not cell.track:
            text.append(" " * BAR_WIDTH)
        elif look[1] == REMOVED:
            text.append(bar(cell.fraction, BAR_WIDTH, self.app.theme_variables).plain)
        else:
            text.append_text(bar(cell.fraction, BAR_WIDTH, self.app.theme_variables))
        return text
