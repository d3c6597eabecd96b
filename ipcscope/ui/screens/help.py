"""`?`: every key, by where it works, generated from the bindings (see ipcscope.ui.render.keys)."""

from __future__ import annotations

from collections.abc import Sequence

from rich.table import Table
from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import VerticalScroll
from textual.screen import ModalScreen
from textual.widgets import Static

from ipcscope.ui.render.keys import KeySection

MOUSE_HINTS = (
    "Mouse: click a tab to switch views, a column header to sort (again to reverse), "
    "a row to select it."
)


class HelpScreen(ModalScreen[None]):
    BINDINGS: list[BindingType] = [
        Binding("escape,question_mark,q", "dismiss", "Close help", id="help.close"),
    ]

    def __init__(self, sections: tuple[KeySection, ...], hidden: Sequence[str] = ()) -> None:
        """`hidden`: what the app cannot see here and why, in full (the notice under the header
        is one line that points here)."""
        super().__init__()
        self.sections = sections
        self.hidden = tuple(hidden)

    def compose(self) -> ComposeResult:
        with VerticalScroll(id="help") as box:
            box.border_title = "Keys"
            box.border_subtitle = "escape closes"
            if self.hidden:
                yield Static(self._render_hidden(), id="help-hidden")
            yield Static(self._render_sections(), id="help-keys")
            yield Static(MOUSE_HINTS, id="help-hints")

    def _render_hidden(self) -> Text:
        text = Text("What ipcscope cannot see here\n", style="bold underline")
        text.append("\n".join(f"• {line}" for line in self.hidden))
        text.append("\n")
        return text

    def _render_sections(self) -> Table:
        key_width = max(len(" ".join(row.keys)) for section in self.sections for row in section.rows)
        name_width = max(len(row.name) for section in self.sections for row in section.rows)
        grid = Table.grid(padding=(0, 2))
        grid.add_column(justify="right", style="bold", no_wrap=True, min_width=key_width)
        grid.add_column(no_wrap=True, min_width=name_width)
        grid.add_column(style="dim", ratio=1)
        for number, section in enumerate(self.sections):
            if number:
                grid.add_row()
            grid.add_row("", Text(section.title, style="bold underline"), "")
            for row in section.rows:
                grid.add_row(" ".join(row.keys), row.name, row.detail)
        return grid

    async def action_dismiss(self, result: None = None) -> None:
        self.dismiss(result)
