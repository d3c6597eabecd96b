"""A DataTable of IPC objects that follows a live system without losing the user's place.

Each poll is applied as a difference by stable row key ("shm:3", "pmq:/jobs"): new objects are
added, changed cells updated, vanished objects removed; the table is never cleared and rebuilt,
because clearing resets the cursor and the scroll position. After every change the cursor is put
back on the object it was on, since DataTable keeps the cursor *index*, not the object, across
inserts, removals and sorts.

Objects that appear after the first load are highlighted for NEW_SECONDS; objects that vanish
linger greyed for LINGER_SECONDS, so a user sees what changed (htop's --highlight-changes). Both
use the clock the app injects, which keeps tests and snapshots deterministic.

Applying a difference at 5,000 rows reaches into DataTable's internals (its row index, cell
data and render-cache counter): through the public API removing 1% of the rows took 550 ms
of CPU instead of 80 (remove_row renumbers every row per call) and each changed cell its own
refresh. Textual is therefore pinned exactly; tests/ui/test_textual_pin.py names the internals.
"""

from __future__ import annotations

from collections.abc import Sequence
from operator import attrgetter
from typing import TYPE_CHECKING, Any, ClassVar

from rich.cells import cell_len
from rich.style import Style
from rich.text import Text
from textual.binding import Binding, BindingType
from textual.coordinate import Coordinate
from textual.message import Message
from textual.widgets import DataTable
from textual.widgets.data_table import CellKey, ColumnKey, RowKey

from ipcscope.model import IpcObject, Kind, ProcessScan
from ipcscope.ui.render.columns import (
    COLUMNS,
    DEFAULT_SORT,
    NS,
    Cell,
    Column,
    RowContext,
    filter_pid,
    filter_text,
    pids_touching,
    row_tone,
    scan_counts,
)

if TYPE_CHECKING:
    from _typeshed import SupportsDunderLT

#: Row states besides "normal".
NEW = "new"
REMOVED = "removed"


class SortText(Text):
    """A cell that displays text but sorts by the raw value it was made from."""

    __slots__ = ("sort_value", "tiebreak")

    def __init__(self, text: str, *, sort_value: Any, tiebreak: Any, **kwargs: Any) -> None:
        super().__init__(text, **kwargs)
        self.sort_value = sort_value
        self.tiebreak = tiebreak


def _tiebreak(obj: IpcObject) -> Any:
    """Equal sort values keep a stable order: by id (System V) or name (POSIX)."""
    return obj.id if hasattr(obj, "id") else obj.name


class _Reversed:
    """Inverts comparison, so "is this row after that one" reads the same in both directions."""

    __slots__ = ("key",)

    def __init__(self, key: tuple) -> None:
        self.key = key

    def __lt__(self, other: _Reversed) -> bool:
        return other.key < self.key


class ObjectTable(DataTable):
    """The objects of one kind, diff-updated, sortable, filterable."""

    NEW_SECONDS = 3.0
    LINGER_SECONDS = 3.0

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("enter", "open_detail", "Detail", tooltip="Focus the detail pane", id="table.detail"),
        Binding("j", "cursor_down", "Down", show=False, id="table.down"),
        Binding("k", "cursor_up", "Up", show=False, id="table.up"),
        Binding("g", "scroll_top", "First row", show=False, id="table.top"),
        Binding("G", "scroll_bottom", "Last row", show=False, id="table.bottom"),
    ]

    COMPONENT_CLASSES = {
        "object-table--new",
        "object-table--removed",
        "object-table--dest",
        "object-table--locked",
        "object-table--ok",
        "object-table--warn",
        "object-table--bad",
        "object-table--muted",
    }

    class DetailRequested(Message):
        """Enter on a row: the user wants to read (and scroll) the detail pane."""

    class Changed(Message):
        """The set of shown rows, the sort or the filter changed (titles need updating)."""

    def __init__(self, kind: Kind, *, id: str | None = None, columns: tuple[Column, ...] | None = None,
                 default_sort: str | None = None) -> None:
        """`columns` and `default_sort` replace the kind's (a table of other rows: channels)."""
        super().__init__(
            id=id,
            cursor_type="row",
            cursor_background_priority="css",
        )
        self.kind: Kind = kind
        #: what names an object in its row key: the id (System V) or the name (POSIX)
        self._ident = attrgetter("id" if kind in ("shm", "msg", "sem") else "name")
        self.spec: tuple[Column, ...] = columns or COLUMNS[kind]
        self.sort_column: str = default_sort or DEFAULT_SORT[kind]
        self.sort_reverse: bool = False
        self.filter: str = ""
        #: the pid of a "pid:N" filter (see columns.filter_pid), matched against the scan
        self._filter_pid: int | None = None
        self._scan: ProcessScan | None = None
        #: live objects by row key, and their (attached, waiters) counts from the process scan
        self._objects: dict[str, IpcObject] = {}
        self._counts: dict[str, tuple[int | None, int | None, bool, bool]] = {}
        #: row key -> when it first appeared (only rows that appeared after the first load)
        self._born: dict[str, float] = {}
        #: row key -> (last known object, when it vanished)
        self._gone: dict[str, tuple[IpcObject, float]] = {}
        #: rows now in the DataTable: what they were rendered from, and their cells and look
        #: (row state + row tone), so a refresh rebuilds and sends only the cells that changed
        self._signatures: dict[str, tuple] = {}
        self._cells: dict[str, tuple[tuple[Cell, ...], tuple[str | None, str | None]]] = {}
        self._loaded = False
        self._now = 0.0
        self._tone_styles: dict[str, Style] = {}
        self._cells_written = False
        #: namespace inode -> name, in the All namespaces view (the NS column); None otherwise
        self.namespace_names: dict[int, str] | None = None

    # ------------------------------------------------------------------ public API

    def on_mount(self) -> None:
        for column in self.spec:
            self.add_column(self._header(column), key=column.key, width=self._width(column))
        self.app.theme_changed_signal.subscribe(self, lambda _theme: self._restyle())

    @property
    def total(self) -> int:
        """Live objects of this kind (lingering removed rows not counted)."""
        return len(self._objects)

    @property
    def shown(self) -> int:
        """Live objects that pass the filter."""
        if not self.filter:
            return len(self._objects)
        return sum(1 for key, obj in self._objects.items() if self._matches(obj))

    @property
    def cursor_key(self) -> str | None:
        if not self.row_count:
            return None
        row_key, _ = self.coordinate_to_cell_key(self.cursor_coordinate)
        return row_key.value

    def selected(self) -> tuple[IpcObject, bool] | None:
        """The object under the cursor and whether it has vanished (lingering), or None."""
        key = self.cursor_key
        if key is None:
            return None
        if key in self._objects:
            return self._objects[key], False
        if key in self._gone:
            return self._gone[key][0], True
        return None

    def apply(self, objects: Sequence[IpcObject], scan: ProcessScan | None, now: float) -> None:
        """Show `objects` (this kind's objects of a new snapshot) as a difference to what is shown."""
        kind, ident = self.kind, self._ident
        if objects and objects[0].ns is not None:  # other namespaces: ids repeat, keys say whose
            fresh = {obj.ref.row_key: obj for obj in objects}
        else:
            fresh = {f"{kind}:{ident(obj)}": obj for obj in objects}  # == obj.ref.row_key, 4x cheaper
        self._replace_objects(fresh, now)
        self._scan = scan
        counts = {key: self._counts[key] for key in self._gone if key in self._counts}
        if scan is not None:  # without a scan every row counts (None, None): the default
            counts.update((key, scan_counts(kind, key, obj, scan)) for key, obj in fresh.items())
        self._counts = counts
        self._loaded = True
        self._sync(now)

    def _replace_objects(self, fresh: dict[str, Any], now: float) -> None:
        """Take `fresh` (row key -> object) as the live rows: vanished ones linger, new ones are
        marked new (after the first load). Rows are synced by the caller."""
        if fresh.keys() != self._objects.keys():
            for key, obj in self._objects.items():
                if key not in fresh:
                    self._gone[key] = (obj, now)
            for key in fresh:
                self._gone.pop(key, None)
                if self._loaded and key not in self._objects:
                    self._born[key] = now
        self._objects = fresh

    def expire(self, now: float) -> None:
        """Drop highlights and lingering rows whose time is up, without a new snapshot."""
        self._sync(now)

    def next_expiry(self, now: float) -> float | None:
        """Seconds until a highlight or lingering row expires, or None when none is pending."""
        deadlines = [t + self.NEW_SECONDS for t in self._born.values()]
        deadlines += [t + self.LINGER_SECONDS for _, t in self._gone.values()]
        if not deadlines:
            return None
        return max(0.0, min(deadlines) - now)

    def reset(self, namespace_names: dict[int, str] | None) -> None:
        """Start afresh for another namespace choice: every row key changes, so nothing lingers
        or shows as new; the NS column leads the table when `namespace_names` is given."""
        self.namespace_names = namespace_names
        spec = COLUMNS[self.kind]
        wanted = (NS, *spec) if namespace_names is not None else spec
        keep_sort = self.sort_column if any(c.key == self.sort_column for c in wanted) else DEFAULT_SORT[self.kind]
        self._objects, self._counts, self._born, self._gone = {}, {}, {}, {}
        self._signatures, self._cells, self._loaded = {}, {}, False
        if wanted != self.spec:
            self.spec = wanted
            self.sort_column = keep_sort
            self.clear(columns=True)
            for column in self.spec:
                self.add_column(self._header(column), key=column.key, width=self._width(column))
        else:
            self.clear()

    def set_filter(self, text: str) -> None:
        text = text.strip().lower()
        if text != self.filter:
            self.filter = text
            self._filter_pid = filter_pid(text)
            self._sync(self._now)

    def sort_by(self, column_key: str, reverse: bool | None = None) -> None:
        """Sort by `column_key`; choosing the sorted column again reverses it (unless `reverse`)."""
        if reverse is None:
            reverse = not self.sort_reverse if column_key == self.sort_column else False
        self.sort_column, self.sort_reverse = column_key, reverse
        for column in self.spec:
            self.columns[ColumnKey(column.key)].label = self._header(column)
        keep = self.cursor_key
        self._sort()
        self._restore_cursor(keep)
        self.post_message(self.Changed())

    def cycle_sort(self) -> None:
        keys = [column.key for column in self.spec]
        self.sort_by(keys[(keys.index(self.sort_column) + 1) % len(keys)], reverse=False)

    def reverse_sort(self) -> None:
        self.sort_by(self.sort_column, reverse=not self.sort_reverse)

    def move_to(self, row_key: str) -> bool:
        """Put the cursor on `row_key` if it is shown."""
        if row_key not in self.rows:
            return False
        self.move_cursor(row=self.get_row_index(row_key), animate=False)
        return True

    def has_object(self, row_key: str) -> bool:
        return row_key in self._objects

    @property
    def sort_label(self) -> str:
        column = next(c for c in self.spec if c.key == self.sort_column)
        return f"{column.label} {'▼' if self.sort_reverse else '▲'}"

    # ------------------------------------------------------------------ actions and events

    def action_open_detail(self) -> None:
        self.post_message(self.DetailRequested())

    def on_data_table_header_selected(self, event: DataTable.HeaderSelected) -> None:
        event.stop()
        self.sort_by(event.column_key.value or self.sort_column)

    # ------------------------------------------------------------------ the difference

    def _sync(self, now: float) -> None:
        """Make the DataTable rows match live + lingering objects that pass the filter."""
        self._now = now
        self._born = {k: t for k, t in self._born.items() if now - t < self.NEW_SECONDS and k in self._objects}
        self._gone = {k: v for k, v in self._gone.items() if now - v[1] < self.LINGER_SECONDS}
        wanted: dict[str, tuple[IpcObject, str | None]] = {}
        for key, obj in self._objects.items():
            if self._passes(obj):
                wanted[key] = (obj, NEW if key in self._born else None)
        for key, (obj, _) in self._gone.items():
            if self._passes(obj):
                wanted[key] = (obj, REMOVED)

        keep = self.cursor_key
        day = int(now // 86400)
        resort = False
        signature_of = self._signature_of
        with self.app.batch_update():
            stale = [key for key in self._signatures if key not in wanted]
            if stale:
                self._remove_rows(stale)
            # Rows are appended at the end; a sort is needed only if one lands out of order
            # (kernel ids grow, so new SysV objects usually belong at the end of an id sort).
            tail = self._sort_key(self._last_sort_cell()) if self.row_count else None
            for key, (obj, state) in wanted.items():
                counts = self._counts.get(key, (None, None, False, False))
                # vars(): the probe returns new-but-equal objects each poll; comparing their field
                # dicts (C) is several times faster than the dataclass __eq__ (field tuples).
                signature = (signature_of(obj), counts, state, day)
                old = self._signatures.get(key)
                if old == signature:
                    continue
                names = self.namespace_names
                context = RowContext(attached=counts[0], waiters=counts[1], now=now,
                                     attached_partial=counts[2], waiters_partial=counts[3],
                                     namespace=names.get(obj.ns) if names is not None and obj.ns is not None else None)
                cells = tuple(column.cell(obj, context) for column in self.spec)
                look = (state, REMOVED if state == REMOVED else self._tone_of(obj))
                if old is None:
                    texts = self._texts(cells, look, self._tiebreak_of(obj))
                    self.add_row(*texts, key=key)
                    new_tail = self._sort_key(texts[self._sort_index])
                    resort |= tail is not None and bool(new_tail < tail)
                    tail = new_tail
                else:
                    resort |= self._update_row(key, obj, cells, look)
                self._signatures[key] = signature
                self._cells[key] = (cells, look)
            if self._cells_written:
                self._cells_written = False
                self._update_count += 1  # invalidates DataTable's render caches
                self.refresh()
            if resort:
                self._sort()
            self._restore_cursor(keep)
        if stale or resort:
            self.post_message(self.Changed())

    def _update_row(self, key: str, obj: IpcObject, cells: tuple[Cell, ...],
                    look: tuple[str | None, str | None]) -> bool:
        """Update the cells that changed; True when the sort column changed (re-sort needed).

        Columns only grow: DataTable re-measures the *whole column* when an updated cell became
        narrower (O(rows) per cell), so update_width is asked only for a cell that is wider."""
        old_cells, old_look = self._cells[key]
        restyle = look != old_look
        resort = False
        tiebreak = self._tiebreak_of(obj)
        row = self._data[RowKey(key)]
        for column, cell, before in zip(self.spec, cells, old_cells):
            if cell == before and not restyle:
                continue
            text = self._text(column, cell, look, tiebreak)
            column_key = ColumnKey(column.key)
            if column.width is None and cell_len(cell.text) > self.columns[column_key].content_width:
                self.update_cell(key, column.key, text, update_width=True)
            else:
                # What update_cell does, minus a refresh() per cell: _sync refreshes once.
                row[column_key] = text
                self._cells_written = True
            if column.key == self.sort_column and cell.sort != before.sort:
                resort = True
        return resort

    def _remove_rows(self, keys: list[str]) -> None:
        """Remove many rows in one pass: DataTable.remove_row renumbers every row per call (O(n))."""
        for key in keys:
            del self._signatures[key]
            del self._cells[key]
        if len(keys) <= 8:
            for key in keys:
                self.remove_row(key)
            return
        doomed = {RowKey(key) for key in keys}
        survivors = sorted(
            (index, row_key)
            for row_key in self._row_locations
            if row_key not in doomed
            for index in (self._row_locations.get(row_key),)
        )
        from textual._two_way_dict import TwoWayDict

        self._row_locations = TwoWayDict({row_key: i for i, (_, row_key) in enumerate(survivors)})
        for row_key in doomed:
            for column_key in self._data.get(row_key, ()):
                self._updated_cells.discard(CellKey(row_key, column_key))
            self.rows.pop(row_key, None)
            self._data.pop(row_key, None)
        self._require_update_dimensions = True
        self.cursor_coordinate = self.cursor_coordinate
        self.hover_coordinate = self.hover_coordinate
        self._update_count += 1
        self.check_idle()
        self.refresh(layout=True)

    def _sort_key(self, cell: SortText) -> SupportsDunderLT[Any]:
        """Where a cell goes, ascending in display order: unknown values (None) go last both ways."""
        value = cell.sort_value
        key = ((value is None) != self.sort_reverse, value, cell.tiebreak)
        return _Reversed(key) if self.sort_reverse else key

    @property
    def _sort_index(self) -> int:
        return next(i for i, column in enumerate(self.spec) if column.key == self.sort_column)

    def _last_sort_cell(self) -> SortText:
        last_key, _ = self.coordinate_to_cell_key(Coordinate(self.row_count - 1, 0))
        return self.get_cell(last_key, self.sort_column)

    def _sort(self) -> None:
        reverse = self.sort_reverse

        def key(cell: SortText) -> tuple:
            value = cell.sort_value
            # Unknown values (None) go last in both directions.
            return ((value is None) != reverse, value, cell.tiebreak)

        self.sort(self.sort_column, key=key, reverse=reverse)

    def _restore_cursor(self, row_key: str | None) -> None:
        if row_key is not None and row_key in self.rows:
            index = self.get_row_index(row_key)
            if index != self.cursor_row:
                self.move_cursor(row=index, animate=False)

    # ------------------------------------------------------------------ rendering

    def _texts(self, cells: tuple[Cell, ...], look: tuple[str | None, str | None],
               tiebreak: Any) -> list[SortText]:
        return [self._text(column, cell, look, tiebreak) for column, cell in zip(self.spec, cells)]

    def _text(self, column: Column, cell: Cell, look: tuple[str | None, str | None],
              tiebreak: Any) -> SortText:
        """A cell as the table shows it. A dimmed or removed row is one tone (cell colours would
        contradict it); a new row gets its highlight on top of the cell's own tone."""
        state, row_tone_ = look
        if row_tone_:
            style = self._style(row_tone_)
        elif cell.tone:
            style = self._style(cell.tone)
        else:
            style = Style.null()
        if state == NEW:
            style = self._style(NEW) + style
        return SortText(
            cell.text,
            sort_value=cell.sort,
            tiebreak=tiebreak,
            style=style,
            justify="right" if column.numeric else "left",
            no_wrap=True,
            overflow="ellipsis",
            end="",
        )

    def _style(self, tone: str) -> Style:
        """The tone's style from app.tcss (cached until the theme changes). Colours come from the
        full style, where Textual has blended translucent theme colours ($text-muted) with the
        background; the background itself only when the tone sets one, so the cursor still shows."""
        style = self._tone_styles.get(tone)
        if style is None:
            name = f"object-table--{tone}"
            full = self.get_component_rich_style(name)
            own = self.get_component_rich_style(name, partial=True)
            style = Style(color=full.color, bgcolor=full.bgcolor if own.bgcolor else None,
                          bold=own.bold, italic=own.italic, strike=own.strike, underline=own.underline)
            self._tone_styles[tone] = style
        return style

    def _header(self, column: Column) -> Text:
        """Header label with one cell always reserved for ▲/▼, so widths never jump."""
        if column.key != self.sort_column:
            return Text(f"{column.label} ", justify="right" if column.numeric else "left")
        arrow = "▼" if self.sort_reverse else "▲"
        return Text(f"{column.label}{arrow}", style="bold", justify="right" if column.numeric else "left")

    @staticmethod
    def _width(column: Column) -> int | None:
        if column.width is None:
            return None
        return max(column.width, len(column.label) + 1)

    def _restyle(self) -> None:
        """The theme changed: re-render every cell (an empty signature and look never match)."""
        self._tone_styles.clear()
        self._signatures = dict.fromkeys(self._signatures, ())
        self._cells = {key: (cells, ("restyle", None)) for key, (cells, _) in self._cells.items()}
        self._sync(self._now)

    def _signature_of(self, obj: Any) -> Any:
        """What a row's cells are made from: equal signatures mean nothing to redraw."""
        return vars(obj)

    def _tiebreak_of(self, obj: Any) -> Any:
        """Equal sort values keep a stable order by this."""
        return _tiebreak(obj)

    def _tone_of(self, obj: Any) -> str | None:
        """A tone for the whole row (None: each cell has its own)."""
        return row_tone(obj)

    def _passes(self, obj: Any) -> bool:
        """Whether the row is shown under the current filter."""
        return not self.filter or self._matches(obj)

    def _matches(self, obj: IpcObject) -> bool:
        if self._filter_pid is not None:
            return self._filter_pid in pids_touching(self._scan, obj.ref.row_key)
        names = self.namespace_names
        if names is not None and obj.ns is not None and self.filter in names.get(obj.ns, "").lower():
            return True
        return self.filter in filter_text(obj)
