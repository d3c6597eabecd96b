"""Input checks that run before any syscall, so bad input is a ValidationError, never a kernel call."""

from __future__ import annotations

import math
from typing import Any

from ipcscope.core.errors import ValidationError


def integer(value: Any, low: int, high: int, field: str, what: str | None = None) -> int:
    """`value` as an int in low..high (bools are refused: they are almost always a mistake)."""
    if isinstance(value, bool) or not isinstance(value, int):
        raise ValidationError(f"{what or field} must be an integer, not {value!r}", field)
    if not low <= value <= high:
        raise ValidationError(f"{what or field} must be between {low} and {high}, not {value}", field)
    return value


def key(value: Any) -> int:
    """A SysV key (unsigned 0..0xffffffff, or the signed form /proc prints) as the C `key_t` int."""
    number = integer(value, -(2**31), 2**32 - 1, "key")
    return number - 2**32 if number >= 2**31 else number


def ipc_id(value: Any, field: str = "id") -> int:
    return integer(value, 0, 2**31 - 1, field, "an IPC id")


def mode_bits(value: Any) -> int:
    return integer(value, 0, 0o777, "mode", "mode (permission bits, 0..0o777)")


def timeout(value: Any) -> float | None:
    """None (wait forever) or a finite number of seconds >= 0."""
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not math.isfinite(value):
        raise ValidationError(f"timeout must be a number of seconds, not {value!r}", "timeout")
    if not 0 <= value <= 10**8:
        raise ValidationError(f"timeout must be between 0 and 1e8 seconds, not {value}", "timeout")
    return float(value)


def data(value: Any, field: str = "data") -> bytes:
    if isinstance(value, (bytes, bytearray, memoryview)):
        return bytes(value)
    raise ValidationError(f"{field} must be bytes, not {type(value).__name__}", field)


def perm_changes(uid: int | None, gid: int | None, mode: int | None) -> dict[str, int]:
    """The ipc_perm fields an IPC_SET should change (None: keep), checked."""
    fields: dict[str, int] = {}
    if uid is not None:
        fields["uid"] = integer(uid, 0, 2**32 - 2, "uid")
    if gid is not None:
        fields["gid"] = integer(gid, 0, 2**32 - 2, "gid")
    if mode is not None:
        fields["mode"] = mode_bits(mode)
    return fields

