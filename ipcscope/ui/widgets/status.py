"""The header line and the notice under it."""

from __future__ import annotations

from rich.text import Text
from textual.app import ComposeResult
from textual.containers import Horizontal
from textual.widgets import Static

from ipcscope.model import Environment


def interval_text(seconds: float) -> str:
    """1.0 -> "1s", 0.5 -> "0.5s", 120 -> "2m"."""
    if seconds >= 60 and seconds % 60 == 0:
        return f"{int(seconds // 60)}m"
    return f"{seconds:g}s"


class StatusHeader(Horizontal):
    """Who and where (host, user and whether root, IPC namespace), the interval, and PAUSED.

    PAUSED is its own widget with a loud style, shown through the `-paused` class, so it cannot
    be missed and tests can look for the class instead of parsing text.
    """

    _shown: tuple | None = None

    def compose(self) -> ComposeResult:
        yield Static(id="where")
        yield Static("PAUSED", id="paused")
        yield Static(id="rate")

    def show(self, environment: Environment | None, *, interval: float, paused: bool,
             read_only: bool, namespace: str | None = None) -> None:
        """`namespace`: what is shown when it is not ipcscope's own namespace ("All namespaces
        (5)", "ipc:[4026532179] (db)"); it then replaces the own namespace's inode."""
        # Called on every poll: only touch the widgets (and cause a repaint) when something changed.
        state = (environment, interval, paused, read_only, namespace)
        if state == self._shown:
            return
        self._shown = state
        where = Text()
        where.append("ipcscope", style="bold")
        if environment is not None:
            who = "root" if environment.is_root else "not root"
            where.append(f"  {environment.hostname or '?'}", style="bold")
            where.append(f"  {environment.user or environment.uid} ({who})")
            if namespace is not None:
                where.append(f"  {namespace}", style="bold")
            elif environment.ipc_namespace:
                where.append(f"  {environment.ipc_namespace}", style="dim")
        if read_only:
            where.append("  read-only", style="bold")
        self.query_one("#where", Static).update(where)
        self.query_one("#rate", Static).update(f"every {interval_text(interval)}")
        self.set_class(paused, "-paused")


class Notice(Static):
    """A short message about what cannot be seen; hidden when there is nothing to say.

    `wrap=False` keeps one line per item (cut with "…" on narrow terminals) so that a long list
    of warnings cannot push the tables off the screen.
    """

    _said: tuple[str | None, bool] | None = None

    def say(self, text: str | None, *, wrap: bool = True) -> None:
        if (text, wrap) == self._said:
            return  # called on every poll; an update would repaint (and re-layout) for nothing
        self._said = (text, wrap)
        self.display = bool(text)
        self.set_class(not wrap, "-one-line-each")
        self.update(Text(text or ""))
