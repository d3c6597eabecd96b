"""Field readers several actions share: the target's id or name, the key, the mode, offsets."""

from __future__ import annotations

import errno
from collections.abc import Callable
from typing import Any, TypeVar, cast

from ipcscope.actions.base import FieldSpec
from ipcscope.actions.fields import (
    REQUIRED,
    FieldReader,
    parse_int,
    parse_key,
    parse_mode,
    parse_payload,
    parse_posix_name,
    parse_size,
    parse_timeout,
)
from ipcscope.core.errors import IpcError
from ipcscope.model import PosixObject, SysvObject

T = TypeVar("T")

ID_MAX = 2**31 - 1
OFFSET_MAX = 2**63 - 1

ID_FIELD = FieldSpec("id", "Id", hint="the object's id, as `ipcs` shows it")
KEY_FIELD = FieldSpec("key", "Key", hint="0x1234, 4660, private or ftok:PATH:ID")
MODE_FIELD = FieldSpec("mode", "Mode", "0600", "octal permission bits")
EXCL_FIELD = FieldSpec("exclusive", "IPC_EXCL", "", "fail if it already exists", widget="flag")
NAME_FIELD = FieldSpec("name", "Name", hint="/name: one leading slash, no other")
OFFSET_FIELD = FieldSpec("offset", "Offset", "0", "bytes from the start")
DATA_FIELD = FieldSpec("data", "Data", "", "text, or hex:00ff...", widget="payload")
HEX_FIELD = FieldSpec("hex", "Hex", "", "data is hex digits", widget="flag")
TIMEOUT_FIELD = FieldSpec("timeout", "Timeout", "", "seconds; empty waits forever, 0 never waits")


def read_id(reader: FieldReader, kind: str) -> int:
    """The SysV id from the form, defaulting to the target's when the form was opened on one."""
    target = reader.target
    default = target.id if isinstance(target, SysvObject) and target.kind == kind else REQUIRED
    return reader.get("id", lambda text: parse_int(text, "id", minimum=0, maximum=ID_MAX,
                                                    what="an id"), default)


def read_name(reader: FieldReader, kind: str) -> str:
    target = reader.target
    default = target.name if isinstance(target, PosixObject) and target.kind == kind else REQUIRED
    return reader.get("name", lambda text: parse_posix_name(text, kind, "name"), default)


def read_key(reader: FieldReader) -> int:
    return reader.get("key", lambda text: parse_key(text, "key"))


def read_mode(reader: FieldReader, default: int | None = 0o600) -> int | None:
    return reader.get("mode", lambda text: parse_mode(text, "mode"), default)


def read_offset(reader: FieldReader, size: int | None) -> int:
    """An offset within the object when its size is known (0 is always allowed)."""
    maximum = max(size - 1, 0) if size else OFFSET_MAX
    return reader.get("offset", lambda text: parse_size(
        text, "offset", minimum=0, maximum=maximum, limit_name="the object's size"), 0)


def read_timeout(reader: FieldReader) -> float | None:
    return reader.get("timeout", lambda text: parse_timeout(text, "timeout"), None)


def target_size(reader: FieldReader, kind: str) -> int | None:
    """The size of the object the form was opened on, when it is of `kind`."""
    target = reader.target
    if target is not None and getattr(target, "kind", None) == kind:
        return getattr(target, "size", None) or None
    return None


CORE_MODULES = {"shm": "shm", "msg": "msg", "sem": "sem", "pmq": "posix_mq", "pshm": "posix_shm",
                "psem": "posix_sem"}


def core_module(kind: str) -> Any:
    """The ipcscope.core module for a kind of object, imported only when an action needs it."""
    import importlib

    return importlib.import_module(f"ipcscope.core.{CORE_MODULES[kind]}")


def os_call(call: str, fn: Callable[..., T], *args: Any) -> T:
    """Run an os-level call (chmod, fstat) with kernel errors as IpcError naming `call`."""
    try:
        return fn(*args)
    except OSError as error:
        raise IpcError(error.errno or errno.EIO, call) from None


def read_data(reader: FieldReader, *, limit: int | None, allow_empty: bool = False) -> bytes:
    """The payload field: text as typed (blanks kept), or hex with the hex flag or "hex:"."""
    hex_input = reader.flag("hex")
    data = reader.get("data", lambda text: parse_payload(text, "data", hex_input=hex_input),
                      b"" if allow_empty else ..., keep_blank=True)
    if data is ...:
        return cast(bytes, reader.fail("data", "data is required (text, or hex:00ff...)"))
    if isinstance(data, bytes) and limit is not None and len(data) > limit:
        return cast(bytes, reader.fail("data", f"data is {len(data)} bytes; only {limit} fit"))
    return data
