"""Building blocks of the detail pane's sections: the render context, PID names, fact grids.

Sections are pure functions from model data to Rich renderables, so they are cheap to test and the
widget only decides where each one goes. Colours come from the theme through `Context.color()`.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass

from rich.console import Console, ConsoleOptions, RenderableType
from rich.measure import Measurement
from rich.style import Style
from rich.table import Table
from rich.text import Text
from textual.color import Color
from textual.renderables.sparkline import Sparkline

from ipcscope.format import absolute_and_relative, human_size
from ipcscope.model import ProcessRef, ProcessScan, Snapshot
from ipcscope.probe.procinfo import ProcessInfo
from ipcscope.ui.data.history import History
from ipcscope.ui.render.gauge import theme_color

#: longest sparkline, in cells (History keeps 60 polls; a detail pane is narrow)
SPARK_WIDTH = 30


class PidNames:
    """PID -> ProcessRef. The process scan saw holders, waiters and every process at a known moment,
    so its answers win; PIDs it did not see (cpid, lpid, sempid of processes that exited or started
    since) are asked of the injected ProcessInfo."""

    def __init__(self, scan: ProcessScan | None, info: ProcessInfo) -> None:
        self._info = info
        self._known: dict[int, ProcessRef] = {}
        if scan is not None:
            self._known.update(scan.processes)
            for refs in scan.holders.values():
                for ref in refs:
                    self._known[ref.pid] = ref
            for waiters in scan.waiters.values():
                for w in waiters:
                    self._known.setdefault(w.pid, ProcessRef(w.pid, w.comm, w.uid, w.user))

    def ref(self, pid: int) -> ProcessRef:
        return self._known.get(pid) or self._info.describe(pid)


@dataclass(frozen=True)
class Context:
    """Everything a section needs besides its object."""

    snapshot: Snapshot
    now: float
    history: History
    pids: PidNames
    colors: Mapping[str, str]
    #: cells available to the sections (0: not laid out yet), to shrink sparklines when narrow
    width: int = 0

    @property
    def narrow(self) -> bool:
        return 0 < self.width < 70

    def color(self, name: str) -> str:
        return theme_color(self.colors, name)

    def style(self, name: str, *, bold: bool = False) -> Style:
        return Style(color=self.color(name), bold=bold)

    @property
    def muted(self) -> Style:
        return self.style("foreground-muted")

    def when(self, epoch: int | None, unset: str = "never") -> str:
        """Absolute and relative, or `unset` (the kernel's 0)."""
        return unset if epoch is None else absolute_and_relative(epoch, self.now)

    def process(self, pid: int, *, none: str = "none") -> Text:
        """"4101 shm_server (root)", flagged "exited" when gone; `none` for pid 0."""
        if pid == 0:
            return Text(none, style=self.muted)
        ref = self.pids.ref(pid)
        return process_text(ref, self)


def process_text(ref: ProcessRef, ctx: Context) -> Text:
    text = Text(str(ref.pid))
    if ref.comm:
        text.append(f" {ref.comm}")
    elif ref.alive:
        text.append(" (command unknown)", style=ctx.muted)
    if ref.user or ref.uid is not None:
        text.append(f" ({ref.user or ref.uid})", style=ctx.muted)
    if not ref.alive:
        text.append(" exited", style=ctx.style("text-error", bold=True))
    return text


def facts(rows: Iterable[tuple[str, RenderableType | str]], ctx: Context) -> Table:
    """Label/value rows, labels muted and right-aligned like `ipcs -i`."""
    grid = Table.grid(padding=(0, 1))
    grid.add_column(justify="right", style=ctx.muted, no_wrap=True)
    grid.add_column(overflow="fold")
    for label, value in rows:
        grid.add_row(label, value)
    return grid


def heading(title: str, ctx: Context, count: int | None = None) -> Text:
    text = Text(title, style=Style(bold=True, color=ctx.color("text-primary")))
    if count is not None:
        text.append(f" ({count})", style=ctx.muted)
    return text


class _Sparkline(Sparkline):
    """Textual's sparkline measured by its width (its own measure returns the height as the
    maximum width, so Rich tables squeeze it to one cell)."""

    def __rich_measure__(self, console: Console, options: ConsoleOptions) -> Measurement:
        width = self.width or options.max_width
        return Measurement(width, width)


def sparkline(values: Sequence[float], ctx: Context, width: int = SPARK_WIDTH) -> RenderableType:
    """Textual's sparkline, one cell per poll (the last `width`): honest about how much history there
    is. One value is drawn as a flat line, not as a full bar."""
    if not values:
        return Text("collecting…", style=ctx.muted)
    data = list(values[-width:])
    if len(data) == 1:
        data = data * 2
    low = Color.parse(ctx.color("primary")).darken(0.25).rich_color
    high = Color.parse(ctx.color("primary")).lighten(0.2).rich_color
    return _Sparkline(data, width=min(len(data), width), min_color=low, max_color=high)


def trend(values: Sequence[float], ctx: Context) -> RenderableType:
    """A sparkline followed by its range ("0..12 over 30 polls"), so its height means something."""
    width = SPARK_WIDTH // 2 if ctx.narrow else SPARK_WIDTH
    if not values:
        return sparkline(values, ctx)
    shown = values[-width:]
    low, high = min(shown), max(shown)
    span = f"{low:g}" if low == high else f"{low:g}..{high:g}"
    row = Table.grid(padding=(0, 1))
    row.add_row(sparkline(shown, ctx, width),
                Text(f"{span} over {len(shown)} poll{'s' if len(shown) != 1 else ''}", style=ctx.muted))
    return row


def sized(n: int) -> str:
    return f"{human_size(n)} ({n} bytes)" if n >= 1024 else f"{n} bytes"


def ids(label: str, number: int, name: str) -> str:
    """"uid 1000 (alice)"; the number alone when no name is known."""
    return f"{label} {number} ({name})" if name else f"{label} {number}"


def unreadable(what: str, ctx: Context) -> str:
    """"<what> is not readable by alice; run as root or as its owner" (root: it just failed)."""
    env = ctx.snapshot.environment
    if env.is_root:
        return f"{what} could not be read"
    return f"{what} is not readable by {env.user or f'uid {env.uid}'}; run as root or as its owner"
