"""A list of the actions one object offers (`actions_for(kind, read_only)`), to pick one.

Reached with `A` and from keys that cover several calls (`O` on a POSIX semaphore: post,
trywait, wait). Dismisses with the chosen action class, or None.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import ClassVar

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import OptionList, Static
from textual.widgets.option_list import Option

from ipcscope.actions import Request


class ActionMenu(ModalScreen[type[Request] | None]):
    """Pick one action; enter runs it, escape closes."""

    CSS_PATH = "panels.tcss"

    AUTO_FOCUS = "#menu-options"

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "close", "Close", id="menu.close"),
    ]

    def __init__(self, title: str, actions: Sequence[type[Request]]) -> None:
        super().__init__()
        self.title_text = title
        self.actions = tuple(actions)

    def compose(self) -> ComposeResult:
        with Vertical(id="menu"):
            yield Static(Text(self.title_text), id="menu-title")
            yield OptionList(*(Option(Text(cls.title), id=cls.action) for cls in self.actions),
                             id="menu-options")

    def on_option_list_option_selected(self, event: OptionList.OptionSelected) -> None:
        event.stop()
        chosen = next(cls for cls in self.actions if cls.action == event.option.id)
        self.dismiss(chosen)

    def action_close(self) -> None:
        self.dismiss(None)
