"""A comparable key for a Rich renderable, so a widget can skip an update that changes nothing.

`Static.update()` always re-lays out and repaints, even with content equal to what is shown. The
detail pane rebuilds its sections on every poll, and most of them come out the same, so it
compares keys first. Rich's Table, Group and Textual's Sparkline have no equality of their own;
their keys are built from their attributes. None means "cannot tell": update anyway.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Hashable

from rich.console import Group
from rich.padding import Padding
from rich.table import Table
from rich.text import Text
from textual.renderables.sparkline import Sparkline

#: renderables whose attributes say everything about how they render
_BY_ATTRIBUTES = (Table, Group, Padding, Sparkline)


class _Unkeyable(Exception):
    pass


def renderable_key(renderable: object) -> Hashable | None:
    """Equal keys render the same at the same width; None when the renderable is unknown."""
    try:
        return _key(renderable)
    except _Unkeyable:
        return None


def _key(value: object) -> Hashable:
    if value is None or isinstance(value, (str, int, float, bool)):
        return value
    if isinstance(value, Text):
        return ("Text", value.plain, tuple(_key(s) for s in value.spans), _key(value.style),
                value.justify, value.overflow, value.no_wrap, value.end, value.tab_size)
    if isinstance(value, (list, tuple)) and not hasattr(value, "_fields"):
        return tuple(_key(item) for item in value)
    if isinstance(value, _BY_ATTRIBUTES):
        # "_render" is Group's cache of its own renderables: no new information
        return (type(value), tuple((name, _key(item)) for name, item in sorted(vars(value).items())
                                   if name != "_render"))
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return (type(value), tuple(_key(getattr(value, f.name)) for f in dataclasses.fields(value)))
    try:
        hash(value)  # Style, Color, Span, box constants, functions: their own equality (or identity)
    except TypeError:
        raise _Unkeyable from None
    return value
