"""Pieces of C for the live preview, in core.c_calls' spelling, tolerant of missing fields.

Each helper renders a concrete value exactly as `ipcscope.core.c_calls` does (so the preview and
the call named in an IpcError agree) and prints a `Placeholder`'s name in place of a value that is
still missing or wrong: `shmget(0x1c000001, size, IPC_CREAT|0600)` while typing.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from ipcscope.actions.fields import Placeholder
from ipcscope.core import c_calls


def _missing(value: Any) -> bool:
    return isinstance(value, Placeholder)


def c_key(key: Any) -> str:
    return str(key) if _missing(key) else c_calls.key(key)


def c_mode(mode: Any) -> str:
    return str(mode) if _missing(mode) else c_calls.mode(mode)


def c_flags(names: Iterable[str], mode: Any = None) -> str:
    """`IPC_CREAT|IPC_EXCL|0600`; a zero mode is left out, as core does; `0` when nothing is set."""
    parts = [name for name in names if name]
    if mode is not None and (_missing(mode) or mode):
        parts.append(c_mode(mode))
    return "|".join(parts) or "0"


def c_bytes(data: Any) -> str:
    """A C string literal of the payload (cut after 32 bytes), or the placeholder's name."""
    return str(data) if _missing(data) else c_calls.string(data)


def c_name(name: Any) -> str:
    return str(name) if _missing(name) else c_calls.string(name, 300)


def c_len(data: Any) -> str:
    return str(data) if _missing(data) else str(len(data))


def c_sembufs(ops: Any) -> tuple[str, str]:
    """The sembuf array and its length: ("{{0, -1, SEM_UNDO}, {2, +1, 0}}", "2")."""
    if _missing(ops):
        return str(ops), "nsops"
    return c_calls.sembufs(ops), str(len(ops))


def c_array(values: Any) -> str:
    return str(values) if _missing(values) else "{" + ", ".join(str(value) for value in values) + "}"


def c_timespec(seconds: Any) -> str:
    """A relative timeout (semtimedop): `{2, 0}`."""
    return str(seconds) if _missing(seconds) else c_calls.seconds(seconds)


def c_deadline(seconds: Any) -> str:
    """An absolute deadline (mq_timedsend, sem_timedwait): `/* now + 2 s */ &ts`."""
    return str(seconds) if _missing(seconds) else c_calls.absolute(seconds)


def c_changes(prefix: str, fields: Mapping[str, Any]) -> str:
    """An IPC_SET structure with only what changes: `{.shm_perm.mode=0640}`."""
    if any(_missing(value) for value in fields.values()):
        return "&ds"
    return c_calls.changes(prefix, fields)
