"""POSIX object names: "/name", checked before any call so mistakes get a clear message."""

from __future__ import annotations

import os

from ipcscope.core.constants import NAME_MAX
from ipcscope.core.errors import ValidationError


def validate(name: object, kind: str, max_length: int = NAME_MAX) -> str:
    """Exactly one leading "/", no other "/", 1..max_length bytes after it, not "/." or "/..".

    `max_length` is NAME_MAX (255) for queues and shared memory; glibc stores a semaphore as
    /dev/shm/sem.NAME, which leaves it 251.
    """
    if not isinstance(name, str):
        raise ValidationError(f"a {kind} name must be text like /jobs", "name")
    if not name.startswith("/"):
        raise ValidationError(f"a {kind} name must start with '/': {name!r}", "name")
    rest = name[1:]
    if not rest:
        raise ValidationError(f"a {kind} name needs characters after the '/'", "name")
    if "/" in rest:
        raise ValidationError(f"a {kind} name has exactly one '/', at the start: {name!r}", "name")
    if rest in (".", ".."):
        raise ValidationError(f"{name!r} is not a valid {kind} name", "name")
    if "\0" in rest:
        raise ValidationError(f"a {kind} name cannot contain a NUL character", "name")
    length = len(os.fsencode(rest))
    if length > max_length:
        raise ValidationError(f"a {kind} name has at most {max_length} bytes after the '/', this has {length}", "name")
    return name
