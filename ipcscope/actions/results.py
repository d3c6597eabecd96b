"""What an action returns: typed, frozen, describable in one line and serialisable to JSON.

`describe()` is the line the CLI prints and the UI shows under the form; `to_json()` is the
`--json` output (bytes as {"text": ..., "hex": ...}); `result_from_json` reverses it, so the
runner can pass a helper process's result back as the same type.
"""

from __future__ import annotations

from dataclasses import dataclass, fields
from typing import Any, ClassVar

from ipcscope.model import format_key


def bytes_json(data: bytes) -> dict[str, Any]:
    """Both views of a payload: the text when it is valid UTF-8 (else null) and the hex."""
    try:
        text: str | None = data.decode("utf-8")
    except UnicodeDecodeError:
        text = None
    return {"text": text, "hex": data.hex(), "length": len(data)}


def preview_text(data: bytes, limit: int = 60) -> str:
    """A payload for a one-line message: the text if printable, else hex."""
    try:
        text = data.decode("utf-8")
        if text.isprintable():
            return repr(text if len(text) <= limit else text[:limit] + "...")
    except UnicodeDecodeError:
        pass
    hexed = data[: limit // 2].hex()
    return f"hex:{hexed}" + ("..." if len(data) > limit // 2 else "")


@dataclass(frozen=True)
class ActionResult:
    """The call that ran (as C writes it) and, in subclasses, what it gave back."""

    tag: ClassVar[str] = "done"
    call: str

    def describe(self) -> str:
        return f"{self.call}: ok"

    def to_json(self) -> dict[str, Any]:
        out: dict[str, Any] = {"result": self.tag}
        for item in fields(self):
            value = getattr(self, item.name)
            if isinstance(value, bytes):
                value = bytes_json(value)
            elif isinstance(value, tuple):
                value = [v.to_json() if hasattr(v, "to_json") else v for v in value]
            out[item.name] = value
        out["summary"] = self.describe()
        return out


@dataclass(frozen=True)
class Done(ActionResult):
    """A call that returns nothing but success; `text` says what changed."""

    tag: ClassVar[str] = "done"
    text: str = ""

    def describe(self) -> str:
        return self.text or super().describe()


@dataclass(frozen=True)
class Created(ActionResult):
    tag: ClassVar[str] = "created"
    kind: str = ""
    ident: int | str = ""
    key: int | None = None
    text: str = ""
    #: it was there already and got opened (IPC_CREAT without IPC_EXCL); None: not known
    existed: bool | None = False

    def describe(self) -> str:
        key = f" (key {format_key(self.key)})" if self.key is not None else ""
        if self.existed:
            return (f"opened the existing {self.kind} {self.ident}{key}: it was already there "
                    "(--exclusive would have refused)")
        verb = "created or opened" if self.existed is None else "created"
        extra = f": {self.text}" if self.text else ""
        return f"{verb} {self.kind} {self.ident}{key}{extra}"

    def to_json(self) -> dict[str, Any]:
        out = super().to_json()
        if self.key is not None:
            out["key"] = format_key(self.key)
        return out


@dataclass(frozen=True)
class DataRead(ActionResult):
    tag: ClassVar[str] = "data"
    offset: int = 0
    data: bytes = b""

    def describe(self) -> str:
        return f"{len(self.data)} bytes at offset {self.offset}: {preview_text(self.data)}"


@dataclass(frozen=True)
class Written(ActionResult):
    tag: ClassVar[str] = "written"
    offset: int = 0
    length: int = 0

    def describe(self) -> str:
        return f"wrote {self.length} bytes at offset {self.offset}"


@dataclass(frozen=True)
class Received(ActionResult):
    """One message: SysV (mtype set) or POSIX (priority set)."""

    tag: ClassVar[str] = "message"
    data: bytes = b""
    mtype: int | None = None
    priority: int | None = None

    def describe(self) -> str:
        label = f"type {self.mtype}" if self.mtype is not None else f"priority {self.priority}"
        return f"message {label}, {len(self.data)} bytes: {preview_text(self.data)}"


@dataclass(frozen=True)
class PeekedMessage:
    index: int
    mtype: int
    data: bytes

    def to_json(self) -> dict[str, Any]:
        return {"index": self.index, "mtype": self.mtype, "data": bytes_json(self.data)}


@dataclass(frozen=True)
class Peeked(ActionResult):
    tag: ClassVar[str] = "peeked"
    messages: tuple[PeekedMessage, ...] = ()

    def describe(self) -> str:
        if not self.messages:
            return "the queue is empty"
        lines = [f"{len(self.messages)} message(s), none consumed:"]
        lines += [f"  [{m.index}] type {m.mtype}, {len(m.data)} bytes: {preview_text(m.data)}"
                  for m in self.messages]
        return "\n".join(lines)


@dataclass(frozen=True)
class SemValue(ActionResult):
    """A semaphore operation that reports the value afterwards (POSIX post/wait)."""

    tag: ClassVar[str] = "value"
    value: int | None = None
    text: str = ""

    def describe(self) -> str:
        after = f"; value now {self.value}" if self.value is not None else ""
        return f"{self.text or 'ok'}{after}"


@dataclass(frozen=True)
class FifoData(ActionResult):
    """What one read() of a FIFO returned; empty with `eof` when no writer is left."""

    tag: ClassVar[str] = "fifo-data"
    path: str = ""
    data: bytes = b""
    eof: bool = False

    def describe(self) -> str:
        if self.eof:
            return f"end of file: nothing queued in {self.path} and no process has it open for writing"
        return f"read {len(self.data)} bytes from {self.path}: {preview_text(self.data)}"


@dataclass(frozen=True)
class FifoWritten(ActionResult):
    """What write() took, out of what was asked, and how much the FIFO holds now."""

    tag: ClassVar[str] = "fifo-written"
    path: str = ""
    length: int = 0
    requested: int = 0
    #: bytes in the FIFO right after (FIONREAD), None if unknown
    queued: int | None = None

    def describe(self) -> str:
        text = f"wrote {self.length} bytes to {self.path}"
        if self.length < self.requested:
            text = f"wrote {self.length} of {self.requested} bytes to {self.path} (no room for the rest)"
        if self.queued is not None:
            text += f"; {self.queued} bytes now queued, waiting for a reader"
        return text


RESULT_TYPES: dict[str, type[ActionResult]] = {
    cls.tag: cls for cls in (Done, Created, DataRead, Written, Received, Peeked, SemValue, FifoData, FifoWritten)
}


def result_from_json(data: dict[str, Any]) -> ActionResult:
    """Rebuild a result from `to_json()` output (the runner's pipe)."""
    cls = RESULT_TYPES[data["result"]]
    kwargs: dict[str, Any] = {}
    for item in fields(cls):
        if item.name not in data:
            continue
        value = data[item.name]
        if item.name == "data":
            value = bytes.fromhex(value["hex"])
        elif item.name == "messages":
            value = tuple(PeekedMessage(m["index"], m["mtype"], bytes.fromhex(m["data"]["hex"]))
                          for m in value)
        elif item.name == "key" and isinstance(value, str):
            value = int(value, 16)
        kwargs[item.name] = value
    return cls(**kwargs)
