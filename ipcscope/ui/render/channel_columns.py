"""The Channels view's columns: KIND, NAME, FROM → TO, QUEUED with its fill bar, STATE, BLOCKED.

Cells are `columns.Cell`s (text, sort value, tone), like the object tables'; QUEUED is a
`BarCell`, which also carries the fill fraction the table draws as a bar (ui/render/gauge.py).
An end reads "4801 wc fd0"; a side with several ends shows the first and "+N".
"""

from __future__ import annotations

from typing import Any, NamedTuple

from ipcscope.format import human_size
from ipcscope.model import ChannelEnd
from ipcscope.ui.data.channel_rows import ChannelRow, kind_order
from ipcscope.ui.render.columns import Cell, Column, RowContext

#: cells of the fill bar after the number
BAR_WIDTH = 4
#: the number before the bar is right-aligned in this many cells
QUEUED_TEXT = 5
#: longer names are cut at the start (the end of a path says most)
NAME_WIDTH = 18
COMM_WIDTH = 10


class BarCell(NamedTuple):
    """A Cell plus the fraction its bar shows (None: no known bound, no bar)."""

    text: str
    sort: Any
    tone: str | None = None
    fraction: float | None = None
    #: draw the bar's track even without a fraction (a bound exists but is unknown)
    track: bool = False


def end_text(end: ChannelEnd) -> str:
    """"4801 wc fd0": pid, command, descriptor."""
    return f"{end.pid} {end.comm[:COMM_WIDTH]} fd{end.fd}"


def side_text(ends: tuple[ChannelEnd, ...], note: str) -> tuple[str, bool]:
    """The first end and "+N" for the others, or the note when there is none (True: a note)."""
    if not ends:
        return note, True
    more = f" +{len(ends) - 1}" if len(ends) > 1 else ""
    return end_text(ends[0]) + more, False


def short_name(name: str, width: int = NAME_WIDTH) -> str:
    return name if len(name) <= width else "…" + name[-(width - 1):]


def kind_cell(row: ChannelRow, ctx: RowContext) -> Cell:
    return Cell(row.label, (kind_order(row.kind), row.label))


def name_cell(row: ChannelRow, ctx: RowContext) -> Cell:
    return Cell(short_name(row.name), row.name, "muted" if row.name.startswith("(") else None)


def from_cell(row: ChannelRow, ctx: RowContext) -> Cell:
    text, note = side_text(row.senders, row.from_note)
    return Cell(text, text, "muted" if note else None)


def to_cell(row: ChannelRow, ctx: RowContext) -> Cell:
    text, note = side_text(row.receivers, row.to_note)
    return Cell(text, text, "muted" if note else None)


def queued_cell(row: ChannelRow, ctx: RowContext) -> BarCell:
    """Bytes (a listener: connections) and the bar against the capacity (backlog)."""
    fill = row.fill
    sort = (fill if fill is not None else -1.0, row.queued if row.queued is not None else -1)
    if row.queued is None:
        return BarCell("?", None, "muted", None, track=row.kind in ("pipe", "fifo"))
    text = str(row.queued) if row.is_listener else human_size(row.queued)
    tone = None
    if fill is not None:
        tone = "bad" if fill >= 1.0 else ("warn" if fill >= 0.7 else None)
    return BarCell(text, sort, tone, fill, track=row.capacity is not None)


#: states cut as ss prints them, where the full word would widen the column
SHORT_STATES = {"established": "estab"}


def state_cell(row: ChannelRow, ctx: RowContext) -> Cell:
    return Cell(SHORT_STATES.get(row.state, row.state), row.state, row.state_tone)


def blocked_text(row: ChannelRow) -> str:
    """"1 write", "2 recv", "3 read+" (several kinds of call); "" when nobody is blocked."""
    if not row.blocked:
        return ""
    ops = list(dict.fromkeys(t.op for t in row.blocked))
    return f"{len(row.blocked)} {ops[0]}" + ("+" if len(ops) > 1 else "")


def blocked_cell(row: ChannelRow, ctx: RowContext) -> Cell:
    return Cell(blocked_text(row), len(row.blocked), "warn" if row.blocked else None)


CHANNEL_COLUMNS: tuple[Column, ...] = (
    Column("kind", "KIND", 5, kind_cell),
    Column("name", "NAME", None, name_cell),
    Column("from", "FROM", None, from_cell),
    Column("to", "→ TO", None, to_cell),
    Column("queued", "QUEUED", QUEUED_TEXT + 1 + BAR_WIDTH, queued_cell, numeric=True),  # type: ignore[arg-type]
    Column("state", "STATE", None, state_cell),
    Column("blocked", "BLOCKED", None, blocked_cell, numeric=True),
)
DEFAULT_CHANNEL_SORT = "kind"
