"""Building the model's frozen dataclasses without their generated `__init__`.

A frozen dataclass's `__init__` sets each field through `object.__setattr__`: about 4 µs for a
20-field ShmSegment on a small VM, 40 ms for 10,000 segments, which is half of what `lsipc` needs
for the whole job. The probe builds thousands of objects per refresh, so it fills the instance
`__dict__` directly (0.7 µs). Fields left out take their class defaults, exactly as `__init__`
would; tests/probe/test_fast.py checks that both ways give equal objects for every model class.
Use this only for model classes without `__post_init__` or `slots=True`.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any, TypeVar

T = TypeVar("T")

_new = object.__new__


def build(cls: type[T], **fields: Any) -> T:
    """`cls(**fields)` for a frozen model dataclass, without the per-field setattr cost."""
    obj = _new(cls)
    obj.__dict__.update(fields)
    return obj


def build_many(cls: type[T], columns: dict[str, list[Any]]) -> list[T]:
    """One object per position of the equally long value lists in `columns` (field -> values).

    The parsers convert /proc files column by column; this zips the columns back into objects.
    """
    return build_rows(cls, tuple(columns), zip(*columns.values()))


def build_rows(cls: type[T], fields: tuple[str, ...], rows: Iterable[tuple[Any, ...]]) -> list[T]:
    """One object per row, each row holding the values of `fields` in that order."""
    objects = []
    for row in rows:
        obj = _new(cls)
        obj.__dict__.update(zip(fields, row))
        objects.append(obj)
    return objects
