"""SysV keys: parse what a user types, and ftok() as glibc computes it.

Accepted forms: "0x1234" (hex), "4660" (decimal), "-559038737" (the signed decimal that
/proc/sysvipc prints), "private" / "IPC_PRIVATE", and "ftok:PATH:ID" where ID is a number 1..255
or a single character ("ftok:/etc/passwd:A", as C code writes ftok(path, 'A')).
"""

from __future__ import annotations

import ctypes
import os
import re

from ipcscope.core import _libc, c_calls
from ipcscope.core.constants import IPC_PRIVATE
from ipcscope.core.errors import IpcError, ValidationError
from ipcscope.model import format_key

__all__ = ["parse_key", "ftok", "format_key", "IPC_PRIVATE"]

_ftok = _libc.function("ftok", ctypes.c_int, ctypes.c_char_p, ctypes.c_int)

_HEX = re.compile(r"0[xX][0-9a-fA-F]{1,8}")
_DECIMAL = re.compile(r"-?[0-9]{1,10}")
_FORMS = 'use 0x1234, 4660, "private" or ftok:PATH:ID'


def ftok(path: str, proj_id: int | str) -> int:
    """glibc's ftok(): (st_ino & 0xffff) | (st_dev & 0xff) << 16 | (proj_id & 0xff) << 24.

    proj_id must be 1..255: the man page requires it nonzero and only its low 8 bits count.
    The file must exist; the same file gives the same key only while its inode and device stay.
    """
    if isinstance(proj_id, str) and len(proj_id) == 1:
        proj_id = ord(proj_id)
    if isinstance(proj_id, bool) or not isinstance(proj_id, int) or not 1 <= proj_id <= 255:
        raise ValidationError(f"ftok id must be 1..255 or one character, not {proj_id!r}", "proj_id")
    if not path:
        raise ValidationError("ftok needs the path of an existing file", "path")
    ctypes.set_errno(0)
    result = _ftok(os.fsencode(path), proj_id)
    if result == -1 and ctypes.get_errno():
        raise IpcError(ctypes.get_errno(), c_calls.ftok_call(path, proj_id))
    return result & 0xFFFFFFFF


def parse_key(text: str) -> int:
    """A key as typed by a user -> unsigned 32-bit int (ValidationError if it is none of the forms)."""
    if not isinstance(text, str):
        raise ValidationError(f"a key must be text ({_FORMS})", "key")
    value = text.strip()
    if value.lower() in ("private", "ipc_private"):
        return IPC_PRIVATE
    if value.lower().startswith("ftok:"):
        path, sep, proj = value[5:].rpartition(":")
        if not sep or not path or not proj:
            raise ValidationError(f"{text!r}: ftok keys are written ftok:PATH:ID", "key")
        proj_id: int | str = proj if len(proj) == 1 and not proj.isdigit() else _number(proj, text)
        return ftok(path, proj_id)
    number = _number(value, text)
    if not -(2**31) <= number <= 2**32 - 1:
        raise ValidationError(f"{text!r} is out of range for a 32-bit key", "key")
    return number & 0xFFFFFFFF


def _number(value: str, original: str) -> int:
    if _HEX.fullmatch(value):
        return int(value, 16)
    if _DECIMAL.fullmatch(value):
        return int(value, 10)
    raise ValidationError(f"{original!r} is not a key ({_FORMS})", "key")
