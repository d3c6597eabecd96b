"""`n`: the namespace picker. Every IPC namespace with its name and objects, and All namespaces.

The screen only chooses: it is dismissed with "all", "own" or a namespace inode (as text), or
None. Namespaces that cannot be read are listed, greyed, with the reason, never left out.
"""

from __future__ import annotations

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import OptionList, Static
from textual.widgets.option_list import Option

from ipcscope.model import KINDS, IpcNamespace, Snapshot

PICKER_CSS = """
NamespacePicker {
    align: center middle;
}
NamespacePicker > #namespaces {
    width: 100;
    max-width: 100%;
    height: auto;
    max-height: 90%;
    border: round $primary;
    background: $surface;
    padding: 0 1;
}
NamespacePicker #namespaces-list {
    height: auto;
    max-height: 30;
    border: none;
}
NamespacePicker #namespaces-note {
    color: $text-muted;
    margin-top: 1;
}
"""

#: short kind names in the counts, as the tabs name them
_SHORT = {"shm": "shm", "msg": "msg", "sem": "sem", "pmq": "mq", "pshm": "pshm", "psem": "psem"}


def object_counts(census: Snapshot) -> dict[int, dict[str, int]]:
    """namespace inode -> objects of each kind."""
    counts: dict[int, dict[str, int]] = {}  # str keys: kinds
    for obj in census.all_objects():
        if obj.ns is not None:
            per = counts.setdefault(obj.ns, dict.fromkeys(map(str, KINDS), 0))
            per[obj.kind] += 1  # type: ignore[union-attr]
    return counts


def counts_text(counts: dict[str, int] | None) -> str:
    """ "sem 2 · mq 1" (kinds with objects only), "no objects", or "" when unknown."""
    if counts is None:
        return ""
    shown = [f"{_SHORT[kind]} {counts[kind]}" for kind in KINDS if counts.get(kind)]
    return " · ".join(shown) if shown else "no objects"


class NamespacePicker(ModalScreen[str | None]):
    """Choose the namespace the tables show."""

    DEFAULT_CSS = PICKER_CSS
    AUTO_FOCUS = "#namespaces-list"
    BINDINGS: list[BindingType] = [
        Binding("escape,n,q", "dismiss", "Close", id="namespaces.close"),
    ]

    def __init__(self, census: Snapshot, *, current: str = "own") -> None:
        super().__init__()
        self.census = census
        self.current = current

    def compose(self) -> ComposeResult:
        counts = object_counts(self.census)
        namespaces = self.census.namespaces
        with Vertical(id="namespaces") as box:
            box.border_title = "IPC namespaces"
            box.border_subtitle = "enter shows · escape closes"
            total: dict[str, int] = {kind: sum(c.get(kind, 0) for c in counts.values()) for kind in KINDS}
            options = [Option(self._prompt("All namespaces", f"{len(namespaces)} namespaces",
                                           counts_text(total), "all"), id="all")]
            for ns in namespaces:
                key = "own" if ns.own else str(ns.inode)
                detail = (f"ipc:[{ns.inode}] · {ns.nprocs} process{'es' if ns.nprocs != 1 else ''}"
                          + (" · ipcscope runs here" if ns.own else ""))
                if ns.unreachable:
                    options.append(Option(self._prompt(ns.name or "?", detail, f"out of reach: {ns.unreachable}",
                                                       key), id=key, disabled=True))
                else:
                    options.append(Option(self._prompt(ns.name or "?", detail, counts_text(counts.get(ns.inode)),
                                                       key), id=key))
            yield OptionList(*options, id="namespaces-list")
            yield Static(self._note(namespaces), id="namespaces-note")

    def _prompt(self, name: str, detail: str, objects: str, key: str) -> Text:
        prompt = Text.assemble((name, "bold"), "  ", (detail, "dim"))
        if key == self.current:
            prompt.append("  (shown)", style="bold reverse")
        prompt.append(f"\n{objects}")
        return prompt

    @staticmethod
    def _note(namespaces: tuple[IpcNamespace, ...]) -> str:
        hidden = sum(1 for ns in namespaces if ns.unreachable)
        note = "All namespaces adds an NS column to the tables; Findings then cover every namespace."
        if hidden:
            note += f" {hidden} cannot be read (see why above)."
        return note

    def on_mount(self) -> None:
        listing = self.query_one(OptionList)
        for index in range(listing.option_count):
            if listing.get_option_at_index(index).id == self.current:
                listing.highlighted = index
                break

    @on(OptionList.OptionSelected)
    def _chosen(self, event: OptionList.OptionSelected) -> None:
        self.dismiss(event.option.id)

    async def action_dismiss(self, result: str | None = None) -> None:
        self.dismiss(result)
