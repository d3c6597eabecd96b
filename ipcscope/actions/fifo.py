"""FIFOs named by their path: create (mkfifo), write, read, remove (unlink).

These are the only channel actions: ipcscope observes pipes and sockets and never reads from or
writes into another process's channel. A FIFO the user names is different: opening it by its
path is what any program does, and the panel says what that does to the processes at the other
end (a reader opened here takes the bytes; a writer opened here releases a reader blocked in
open()). Reads and writes are O_NONBLOCK unless a timeout (or none: wait forever) is given; then
they may block and run in a helper process (actions.runner).
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from ipcscope.actions.base import FieldSpec, Request, register
from ipcscope.actions.common import DATA_FIELD, HEX_FIELD, MODE_FIELD, read_data, read_mode, read_timeout
from ipcscope.actions.fields import REQUIRED, FieldReader, Placeholder, parse_size
from ipcscope.actions.fifo_removal import remove_fifo_checked
from ipcscope.actions.render import c_bytes, c_len, c_mode, c_name
from ipcscope.actions.results import ActionResult, Created, Done, FifoData, FifoWritten
from ipcscope.core.errors import ValidationError
from ipcscope.model import Fifo, ObjectRef

PATH_FIELD = FieldSpec("path", "Path", "", "the FIFO's path, e.g. /tmp/demo.fifo")
WAIT_FIELD = FieldSpec("timeout", "Timeout", "0", "seconds to wait; 0 never waits (O_NONBLOCK); "
                       "empty waits forever")
#: the most one write sends (a FIFO holds 64K by default, at most pipe-max-size, 1M)
WRITE_LIMIT = 1 << 20
READ_DEFAULT = 65536
READ_LIMIT = 1 << 20


def parse_path(text: str, field_name: str = "path") -> str:
    """An absolute path (relative ones are taken from the current directory, and shown so)."""
    path = text.strip() if text.strip() else text
    if not path:
        raise ValidationError(f"{field_name} is required: the FIFO's path, e.g. /tmp/demo.fifo", field_name)
    if "\0" in path:
        raise ValidationError(f"{field_name} must not contain a NUL character", field_name)
    if len(os.fsencode(path)) >= 4096:
        raise ValidationError(f"{field_name} is longer than PATH_MAX (4096 bytes)", field_name)
    return os.path.abspath(path)


def read_path(reader: FieldReader) -> str:
    target = reader.target
    default = target.path if isinstance(target, Fifo) and not target.unlinked else REQUIRED
    path: str = reader.get("path", parse_path, default, label="path")
    return path


def _open(path: Any, write: bool, timeout: Any) -> str:
    """`fd = open("/tmp/f", O_WRONLY|O_NONBLOCK); ` (O_NONBLOCK when the timeout is 0)."""
    access = "O_WRONLY" if write else "O_RDONLY"
    if timeout == 0 and not isinstance(timeout, Placeholder):
        access += "|O_NONBLOCK"
    return f"fd = open({c_name(path)}, {access}); "


class _ByPath(Request):
    path: str

    @property
    def ref(self) -> ObjectRef:
        return ObjectRef("fifo", self.path)


@register
@dataclass(frozen=True)
class MakeFifo(_ByPath):
    action = "mkfifo"
    title = "Create a FIFO (mkfifo)"
    kind = "fifo"
    form = (PATH_FIELD, MODE_FIELD)

    path: str
    mode: int = 0o600

    @classmethod
    def _read(cls, reader: FieldReader) -> dict[str, Any]:
        return {"path": reader.get("path", parse_path, REQUIRED, label="path"), "mode": read_mode(reader)}

    @classmethod
    def _render(cls, values: Mapping[str, Any]) -> str:
        return f"mkfifo({c_name(values['path'])}, {c_mode(values['mode'])})"

    def run(self) -> ActionResult:
        from ipcscope.core import fifo

        made = fifo.mkfifo(self.path, self.mode)
        return Created(self.c_call(), kind="fifo", ident=self.path,
                       text=f"inode {made.st_ino}, mode {made.st_mode & 0o777:04o}")


@register
@dataclass(frozen=True)
class FifoWrite(_ByPath):
    action = "fifo-write"
    title = "Write to a FIFO"
    kind = "fifo"
    form = (PATH_FIELD, DATA_FIELD, HEX_FIELD, WAIT_FIELD)

    path: str
    data: bytes
    #: 0: O_NONBLOCK (ENXIO without a reader, EAGAIN when full); None: wait; T: at most T seconds
    timeout: float | None = 0

    @classmethod
    def _read(cls, reader: FieldReader) -> dict[str, Any]:
        return {"path": read_path(reader), "data": read_data(reader, limit=WRITE_LIMIT),
                "timeout": read_wait(reader)}

    @classmethod
    def _render(cls, values: Mapping[str, Any]) -> str:
        data = values["data"]
        return _open(values["path"], True, values["timeout"]) + f"write(fd, {c_bytes(data)}, {c_len(data)})"

    @property
    def may_block(self) -> bool:
        return self.timeout != 0

    def run(self) -> ActionResult:
        from ipcscope.core import fifo

        nonblock = self.timeout == 0
        fd = fifo.open_fifo(self.path, write=True, nonblock=nonblock, timeout=self.timeout)
        try:
            written = fifo.write(fd, self.data, timeout=None if nonblock else self.timeout)
            queued = fifo.queued(fd)
        finally:
            fifo.close(fd)
        return FifoWritten(self.c_call(), path=self.path, length=written, requested=len(self.data),
                           queued=queued)


@register
@dataclass(frozen=True)
class FifoRead(_ByPath):
    action = "fifo-read"
    title = "Read from a FIFO"
    kind = "fifo"
    form = (PATH_FIELD, FieldSpec("bytes", "Bytes", str(READ_DEFAULT), "at most this many, in one read()"),
            WAIT_FIELD)

    path: str
    size: int = READ_DEFAULT
    timeout: float | None = 0

    @classmethod
    def _read(cls, reader: FieldReader) -> dict[str, Any]:
        return {"path": read_path(reader),
                "size": reader.get("bytes", lambda text: parse_size(
                    text, "bytes", maximum=READ_LIMIT, limit_name="1M per read"), READ_DEFAULT),
                "timeout": read_wait(reader)}

    @classmethod
    def _render(cls, values: Mapping[str, Any]) -> str:
        return _open(values["path"], False, values["timeout"]) + f"read(fd, buf, {values['size']})"

    @property
    def may_block(self) -> bool:
        return self.timeout != 0

    def run(self) -> ActionResult:
        from ipcscope.core import fifo

        nonblock = self.timeout == 0
        fd = fifo.open_fifo(self.path, write=False, nonblock=nonblock, timeout=self.timeout)
        try:
            data = fifo.read(fd, self.size, timeout=None if nonblock else self.timeout)
        finally:
            fifo.close(fd)
        return FifoData(self.c_call(), path=self.path, data=data, eof=not data)


@register
@dataclass(frozen=True)
class FifoRemove(_ByPath):
    """unlink of the FIFO as it was shown: `run` checks first that the path still names it."""

    action = "fifo-remove"
    title = "Remove a FIFO (unlink)"
    kind = "fifo"
    form = (PATH_FIELD,)

    path: str
    #: the FIFO as shown to the user (its inode and device are re-checked before unlink)
    expected: Fifo = field(compare=False)

    @classmethod
    def _read(cls, reader: FieldReader) -> dict[str, Any]:
        path = read_path(reader)
        expected: Any = reader.target
        if reader.known(path) and not (isinstance(expected, Fifo) and expected.path == path):
            expected = reader.fail("path", f"{c_name(path)} must be shown before it can be removed "
                                           "(it is re-checked against what was shown)")
        return {"path": path, "expected": expected}

    @classmethod
    def _render(cls, values: Mapping[str, Any]) -> str:
        return f"unlink({c_name(values['path'])})"

    def run(self) -> ActionResult:
        return Done(self.c_call(), text=remove_fifo_checked(self.expected))


def read_wait(reader: FieldReader) -> float | None:
    """How long a read or write may wait: absent 0 (O_NONBLOCK, the safe default); blank: for
    ever (None); else seconds."""
    if reader.raw("timeout") is None:
        return 0.0
    return read_timeout(reader)
