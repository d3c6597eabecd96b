"""The key reference, read from the widgets' BINDINGS so the help screen and palette never drift.

Every key is declared once, as a Binding with an id (remappable through Textual keymaps), on the
widget where it acts. This module only collects them into sections for people to read.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from textual.app import App
from textual.binding import Binding, BindingType
from textual.widgets import DataTable


@dataclass(frozen=True)
class KeyRow:
    keys: tuple[str, ...]
    action: str
    #: the short name the footer shows ("Pause")
    name: str
    #: one line saying what it does, when the binding has a tooltip
    detail: str = ""


@dataclass(frozen=True)
class KeySection:
    title: str
    rows: tuple[KeyRow, ...]


def key_rows(app: App, bindings: Iterable[BindingType]) -> tuple[KeyRow, ...]:
    """One row per action, with every key bound to it, in declaration order."""
    grouped: dict[tuple[str, str, str], list[str]] = {}
    for binding in Binding.make_bindings(bindings):
        if binding.system:
            continue
        name = binding.description or binding.action
        keys = grouped.setdefault((binding.action, name, binding.tooltip), [])
        display = app.get_key_display(binding)
        if display not in keys:
            keys.append(display)
    return tuple(KeyRow(tuple(keys), action, name, detail)
                 for (action, name, detail), keys in grouped.items())


def table_bindings(table_class: type[DataTable]) -> list[BindingType]:
    """ObjectTable's own keys plus DataTable's movement keys it does not override."""
    own: list[BindingType] = list(Binding.make_bindings(table_class.BINDINGS))
    own_keys = {b.key for b in Binding.make_bindings(own)}
    inherited = [b for b in Binding.make_bindings(DataTable.BINDINGS) if b.key not in own_keys]
    return [*own, *inherited]
