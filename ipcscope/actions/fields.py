"""Turning one raw form/CLI string into one checked value, or a ValidationError naming the field.

Every parser here takes the text as typed and the field's name, and either returns a value or
raises `ValidationError(message, field)` with a one-line message (input is shown with repr(), so
a stray newline never breaks a line). Nothing here calls the kernel, except `ftok` inside a key.

`FieldReader` applies these parsers to a whole form: strictly (first error raises) for `parse`,
or leniently (errors collected, a `Placeholder` stands in for the value) for the live preview.
"""

from __future__ import annotations

import grp
import math
import pwd
import re
from collections.abc import Callable, Mapping
from typing import Any, TypeVar, cast

from ipcscope.actions.limits import SEMVMX, ActionLimits
from ipcscope.core.constants import IPC_NOWAIT, SEM_UNDO
from ipcscope.core.errors import ValidationError
from ipcscope.model import Channel, IpcObject, SemOpSpec

T = TypeVar("T")


_INT_RE = re.compile(r"[+-]?(?:0[xX][0-9a-fA-F]+|[0-9]+)")
_MODE_RE = re.compile(r"(?:0[oO])?([0-7]{1,4})")
_SIZE_RE = re.compile(r"(0[xX][0-9a-fA-F]+|[0-9]+)\s*(?:([kKmMgGtT])(?:i?[bB])?|[bB])?")
_TRUE = {"1", "true", "yes", "on", "y"}
_FALSE = {"", "0", "false", "no", "off", "n"}
_SIZE_UNITS = {"k": 1 << 10, "m": 1 << 20, "g": 1 << 30, "t": 1 << 40}


def shown(text: str, limit: int = 40) -> str:
    """The user's input quoted for a one-line message: repr() escapes newlines, long text is cut."""
    if len(text) > limit:
        return repr(text[:limit]) + "..."
    return repr(text)


# --------------------------------------------------------------------------- single values


def parse_int(
    text: str,
    field: str,
    *,
    minimum: int | None = None,
    maximum: int | None = None,
    what: str = "a number",
) -> int:
    """Decimal or 0x-hex, optionally signed, within [minimum, maximum]."""
    stripped = text.strip()
    if not _INT_RE.fullmatch(stripped):
        raise ValidationError(f"{field} must be {what} (decimal or 0x hex), not {shown(text)}", field)
    if len(stripped) > 40:
        raise ValidationError(f"{field} is too large: {shown(text)}", field)
    digits = stripped.lstrip("+-")
    value = int(digits[2:], 16) if digits[:2].lower() == "0x" else int(digits, 10)
    if stripped.startswith("-"):
        value = -value
    if minimum is not None and value < minimum:
        raise ValidationError(f"{field} must be at least {minimum}, not {value}", field)
    if maximum is not None and value > maximum:
        raise ValidationError(f"{field} must be at most {maximum}, not {value}", field)
    return value


def parse_key(text: str, field: str = "key") -> int:
    """A SysV key: "0x1234", "4660", "private"/"IPC_PRIVATE" or "ftok:PATH:ID" (via core.keys)."""
    from ipcscope.core import keys

    try:
        return keys.parse_key(text.strip())
    except ValidationError as error:
        raise ValidationError(str(error), field) from None
    except (OSError, ValueError, TypeError, OverflowError) as error:  # ftok on a missing path
        raise ValidationError(f"{field} {shown(text)}: {error}", field) from None


def parse_mode(text: str, field: str = "mode") -> int:
    """Octal permission bits only ("0600", "600", "0o600"), at most 0o777."""
    match = _MODE_RE.fullmatch(text.strip())
    if not match:
        raise ValidationError(f"{field} must be octal like 0600, not {shown(text)}", field)
    value = int(match.group(1), 8)
    if value > 0o777:
        raise ValidationError(f"{field} must be at most 0777 (permission bits only), not 0{value:o}", field)
    return value


def parse_size(text: str, field: str, *, maximum: int | None = None, limit_name: str = "",
               minimum: int = 1) -> int:
    """A byte count with an optional K/M/G/T suffix (powers of 1024): "4096", "0x1000", "64K"."""
    match = _SIZE_RE.fullmatch(text.strip())
    if not match:
        raise ValidationError(
            f"{field} must be a number of bytes like 4096, 0x1000 or 64K, not {shown(text)}", field)
    number = match.group(1)
    if len(number) > 40:
        raise ValidationError(f"{field} is too large: {shown(text)}", field)
    value = int(number[2:], 16) if number[:2].lower() == "0x" else int(number, 10)
    if match.group(2):
        value *= _SIZE_UNITS[match.group(2).lower()]
    if value < minimum:
        raise ValidationError(f"{field} must be at least {minimum}, not {value}", field)
    if maximum is not None and value > maximum:
        name = f" ({limit_name})" if limit_name else ""
        raise ValidationError(f"{field} {value} is over the limit of {maximum} bytes{name}", field)
    return value


def parse_flag(text: str, field: str) -> bool:
    lowered = text.strip().lower()
    if lowered in _TRUE:
        return True
    if lowered in _FALSE:
        return False
    raise ValidationError(f"{field} must be yes or no, not {shown(text)}", field)


def parse_hex(text: str, field: str) -> bytes:
    """Hex digits, spaces allowed between bytes: "00ff", "de ad be ef"."""
    digits = "".join(text.split())
    if len(digits) % 2 or not re.fullmatch(r"[0-9a-fA-F]*", digits):
        raise ValidationError(
            f"{field} must be an even number of hex digits like 00ff, not {shown(text)}", field)
    return bytes.fromhex(digits)


def parse_payload(text: str, field: str, *, hex_input: bool = False) -> bytes:
    """Text (UTF-8) as typed, or hex with --hex or a "hex:" prefix."""
    if text.startswith("hex:"):
        return parse_hex(text[4:], field)
    if hex_input:
        return parse_hex(text, field)
    try:
        return text.encode("utf-8")
    except UnicodeEncodeError:  # lone surrogates from a hostile terminal
        raise ValidationError(f"{field} is not valid text; use hex:... for raw bytes", field) from None


def parse_timeout(text: str, field: str = "timeout") -> float:
    """Seconds, a non-negative finite number, at most a day (0 means "do not wait")."""
    try:
        value = float(text.strip())
    except ValueError:
        raise ValidationError(f"{field} must be a number of seconds like 2 or 0.5, not {shown(text)}",
                              field) from None
    if not math.isfinite(value) or value < 0 or value > 86400:
        raise ValidationError(f"{field} must be between 0 and 86400 seconds, not {shown(text)}", field)
    return value


def parse_values(text: str, field: str, *, maximum: int = SEMVMX) -> tuple[int, ...]:
    """Comma-separated semaphore values "1,0,0", each within 0..SEMVMX."""
    parts = [part.strip() for part in text.split(",")]
    if not parts or any(part == "" for part in parts):
        raise ValidationError(f"{field} must be numbers separated by commas like 1,0,0, not {shown(text)}",
                              field)
    return tuple(parse_int(part, field, minimum=0, maximum=maximum, what="a value") for part in parts)


def parse_semop(text: str, field: str = "ops") -> tuple[SemOpSpec, ...]:
    """Operations "NUM:DELTA[:undo][:nowait]" separated by spaces or commas: "0:-1:undo 2:+1".

    DELTA is a signed decimal (-1, +2, 0 = wait for zero) within -SEMVMX..SEMVMX; the flags may
    come in any order, once each.
    """
    items = [item for item in re.split(r"[\s,]+", text.strip()) if item]
    if not items:
        raise ValidationError(f"{field}: give at least one operation like 0:-1 or 2:+1:undo", field)
    ops = []
    for item in items:
        parts = item.split(":")
        if len(parts) < 2:
            raise ValidationError(
                f"{field}: {shown(item)} is not NUM:DELTA[:undo][:nowait] (like 0:-1:undo)", field)
        if not re.fullmatch(r"[0-9]{1,6}", parts[0]):
            raise ValidationError(f"{field}: semaphore number {shown(parts[0])} in {shown(item)} "
                                  "must be a number from 0", field)
        if not re.fullmatch(r"[+-]?[0-9]{1,6}", parts[1]):
            raise ValidationError(f"{field}: delta {shown(parts[1])} in {shown(item)} must be like "
                                  "-1, +2 or 0", field)
        delta = int(parts[1])
        if abs(delta) > SEMVMX:
            raise ValidationError(f"{field}: delta {delta} is beyond +-{SEMVMX} (SEMVMX)", field)
        flags = 0
        for name in parts[2:]:
            bit = {"undo": SEM_UNDO, "sem_undo": SEM_UNDO,
                   "nowait": IPC_NOWAIT, "ipc_nowait": IPC_NOWAIT}.get(name.lower())
            if bit is None:
                raise ValidationError(f"{field}: unknown flag {shown(name)} in {shown(item)} "
                                      "(use undo or nowait)", field)
            if flags & bit:
                raise ValidationError(f"{field}: flag {name} given twice in {shown(item)}", field)
            flags |= bit
        ops.append(SemOpSpec(int(parts[0]), delta, flags))
    return tuple(ops)


def format_semop(ops: tuple[SemOpSpec, ...]) -> str:
    """The inverse of parse_semop: "0:-1:undo 2:+1"."""
    out = []
    for op in ops:
        text = f"{op.num}:{op.op:+d}" if op.op else f"{op.num}:0"
        if op.flags & SEM_UNDO:
            text += ":undo"
        if op.flags & IPC_NOWAIT:
            text += ":nowait"
        out.append(text)
    return " ".join(out)


def parse_user(text: str, field: str = "owner") -> int:
    """A user name or numeric uid."""
    name = text.strip()
    if re.fullmatch(r"[0-9]{1,10}", name):
        return parse_int(name, field, minimum=0, maximum=2**32 - 2)
    try:
        return pwd.getpwnam(name).pw_uid
    except (KeyError, ValueError):
        raise ValidationError(f"{field}: no user named {shown(name)}", field) from None


def parse_group(text: str, field: str = "group") -> int:
    """A group name or numeric gid."""
    name = text.strip()
    if re.fullmatch(r"[0-9]{1,10}", name):
        return parse_int(name, field, minimum=0, maximum=2**32 - 2)
    try:
        return grp.getgrnam(name).gr_gid
    except (KeyError, ValueError):
        raise ValidationError(f"{field}: no group named {shown(name)}", field) from None


def parse_posix_name(text: str, kind: str, field: str = "name") -> str:
    """A POSIX object name ("/jobs"), checked by core's validate_name for that kind."""
    import importlib

    module = {"pmq": "posix_mq", "pshm": "posix_shm", "psem": "posix_sem"}[kind]
    validate: Callable[[str], str] = importlib.import_module(f"ipcscope.core.{module}").validate_name
    try:
        return validate(text)
    except ValidationError as error:
        raise ValidationError(str(error), field) from None
    except (ValueError, TypeError, UnicodeError) as error:
        raise ValidationError(f"{field} {shown(text)}: {error}", field) from None


# --------------------------------------------------------------------------- whole forms


class Placeholder(str):
    """Stands in for a value that is missing or invalid in a live preview; renders as its name."""


REQUIRED: Any = object()


class FieldReader:
    """Reads a form's fields with the parsers above, strictly or for a preview.

    strict: the first bad field raises ValidationError (what `parse` wants).
    lenient: every bad field is recorded in `errors` and a Placeholder is returned, so the C call
    can still be rendered with the good parts.
    """

    def __init__(self, fields: Mapping[str, Any], limits: ActionLimits, target: IpcObject | Channel | None = None,
                 *, strict: bool = True) -> None:
        self.fields = fields
        self.limits = limits
        self.target = target
        self.strict = strict
        self.errors: dict[str, str] = {}

    def raw(self, name: str) -> str | None:
        """The field's text; booleans from checkboxes become "yes"/"no"; None means absent."""
        value = self.fields.get(name)
        if value is None:
            return None
        if isinstance(value, bool):
            return "yes" if value else "no"
        return value if isinstance(value, str) else str(value)

    def get(self, name: str, parser: Callable[[str], T], default: T = REQUIRED,
            *, keep_blank: bool = False, label: str | None = None) -> T:
        """The parsed field, `default` when it is blank (REQUIRED: blank is an error)."""
        raw = self.raw(name)
        if raw is None or (raw == "" if keep_blank else raw.strip() == ""):
            if default is REQUIRED:
                return cast(T, self.fail(name, f"{label or name} is required"))
            return default
        try:
            return parser(raw)
        except ValidationError as error:
            return cast(T, self.fail(name, str(error)))

    def flag(self, name: str, default: bool = False) -> bool:
        """A checkbox: yes/no/true/false/1/0; an invalid one counts as `default` in a preview."""
        value = self.get(name, lambda text: parse_flag(text, name), default)
        return value if isinstance(value, bool) else default

    def fail(self, name: str, message: str) -> Any:
        """Strict: raise. Lenient: record the error and return a Placeholder, which stands in for
        the field's value whatever its type (hence Any): the preview renders it as the name."""
        if self.strict:
            raise ValidationError(message, name)
        self.errors.setdefault(name, message)
        return Placeholder(name)

    @staticmethod
    def known(*values: Any) -> bool:
        """True when none of the values is a Placeholder (so cross-field checks make sense)."""
        return not any(isinstance(value, Placeholder) for value in values)
