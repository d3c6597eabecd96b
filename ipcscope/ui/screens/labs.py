"""`l`: the teaching labs, each with its one-line goal; enter starts the highlighted one.

The screen only chooses: it is dismissed with the lab's name (or None) and the app starts the lab.
Under --read-only (and --demo) the list is still shown, for reading, with a line saying why no lab
can start here.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import ClassVar

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import OptionList, Static
from textual.widgets.option_list import Option

from ipcscope.labs.lab import Lab

READ_ONLY_NOTE = ("Read-only: labs start processes and create IPC objects, so none can start here. "
                  "Run `ipcscope lab run NAME` or ipcscope without --read-only / --demo.")


class LabsScreen(ModalScreen[str | None]):
    CSS_PATH = "../labs.tcss"  # the app loads it too: read once
    AUTO_FOCUS = "#labs-list"
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape,l,q", "dismiss", "Close", id="labs.close"),
    ]

    def __init__(self, labs: Sequence[Lab], *, running: str | None = None, read_only: bool = False) -> None:
        super().__init__()
        self.labs = tuple(labs)
        self.running = running
        self.read_only = read_only

    def compose(self) -> ComposeResult:
        with Vertical(id="labs") as box:
            box.border_title = "Labs"
            box.border_subtitle = "enter starts · escape closes"
            options: list[Option | None] = []
            for lab in self.labs:
                options += [None] if options else []  # a separator line between labs
                options.append(Option(self._prompt(lab), id=lab.name))
            yield OptionList(*options, id="labs-list")
            yield Static(self._note(), id="labs-note", classes="-refused" if self.read_only else "")

    def _prompt(self, lab: Lab) -> Text:
        prompt = Text.assemble((lab.name, "bold"), "  ", lab.title)
        if lab.name == self.running:
            prompt.append("  (running)", style="bold reverse")
        prompt.append(f"\n{lab.goal}", style="dim")
        return prompt

    def _note(self) -> str:
        if self.read_only:
            return READ_ONLY_NOTE
        if self.running:
            return f"Lab {self.running} is running: leave it (esc in the lab) before starting another."
        return "A lab starts small worker processes and creates its own IPC objects; leaving it removes them."

    @on(OptionList.OptionSelected)
    def _chosen(self, event: OptionList.OptionSelected) -> None:
        self.dismiss(event.option.id)

    async def action_dismiss(self, result: str | None = None) -> None:
        self.dismiss(result)
