"""System V shared memory: shmget, read and write through a short attach, SHM_LOCK/UNLOCK."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from ipcscope.actions.base import FieldSpec, Request, register
from ipcscope.actions.common import (
    DATA_FIELD,
    EXCL_FIELD,
    HEX_FIELD,
    ID_FIELD,
    KEY_FIELD,
    MODE_FIELD,
    OFFSET_FIELD,
    read_data,
    read_id,
    read_key,
    read_mode,
    read_offset,
    target_size,
)
from ipcscope.actions.fields import FieldReader, parse_size
from ipcscope.actions.lookup import key_in_use
from ipcscope.actions.render import c_bytes, c_flags, c_key, c_len
from ipcscope.actions.results import ActionResult, Created, DataRead, Done, Written
from ipcscope.model import ObjectRef


@register
@dataclass(frozen=True)
class CreateShm(Request):
    action = "create-shm"
    title = "Create shared memory segment"
    kind = "shm"
    form = (KEY_FIELD, FieldSpec("size", "Size", "4096", "bytes; K, M, G suffixes"),
            MODE_FIELD, EXCL_FIELD)

    key: int
    size: int
    mode: int = 0o600
    exclusive: bool = False

    @classmethod
    def _read(cls, reader: FieldReader) -> dict[str, Any]:
        limits = reader.limits
        return {
            "key": read_key(reader),
            "size": reader.get("size", lambda text: parse_size(
                text, "size", maximum=limits.shmmax, limit_name="SHMMAX")),
            "mode": read_mode(reader),
            "exclusive": reader.flag("exclusive"),
        }

    @classmethod
    def _render(cls, values: Mapping[str, Any]) -> str:
        flags = c_flags(["IPC_CREAT", "IPC_EXCL" if values["exclusive"] else ""], values["mode"])
        return f"shmget({c_key(values['key'])}, {values['size']}, {flags})"

    def run(self) -> ActionResult:
        from ipcscope.core import shm

        existed = not self.exclusive and key_in_use("shm", self.key)
        shmid = shm.create(self.key, self.size, mode=self.mode, exclusive=self.exclusive)
        return Created(self.c_call(), kind="shm", ident=shmid, key=self.key,
                       text=f"{self.size} bytes", existed=existed)


@register
@dataclass(frozen=True)
class ShmRead(Request):
    action = "shm-read"
    title = "Read shared memory"
    kind = "shm"
    changes = False
    form = (ID_FIELD, OFFSET_FIELD, FieldSpec("length", "Length", "", "bytes; empty: to the end"))

    id: int
    offset: int = 0
    length: int | None = None

    @classmethod
    def _read(cls, reader: FieldReader) -> dict[str, Any]:
        size = target_size(reader, "shm")
        offset = read_offset(reader, size)
        room = size - offset if size and reader.known(offset) else None
        length = reader.get("length", lambda text: parse_size(
            text, "length", minimum=1, maximum=room, limit_name="the rest of the segment"), None)
        return {"id": read_id(reader, "shm"), "offset": offset, "length": length}

    @classmethod
    def _render(cls, values: Mapping[str, Any]) -> str:
        length = values["length"] if values["length"] is not None else "size"
        return (f"addr = shmat({values['id']}, NULL, SHM_RDONLY); "
                f"memcpy(buf, addr + {values['offset']}, {length}); shmdt(addr)")

    @property
    def ref(self) -> ObjectRef:
        return ObjectRef("shm", self.id)

    def run(self) -> ActionResult:
        from ipcscope.core import shm

        with shm.attach(self.id, readonly=True) as attachment:
            data = attachment.read(self.offset, self.length)
        return DataRead(self.c_call(), offset=self.offset, data=data)


@register
@dataclass(frozen=True)
class ShmWrite(Request):
    action = "shm-write"
    title = "Write shared memory"
    kind = "shm"
    form = (ID_FIELD, OFFSET_FIELD, DATA_FIELD, HEX_FIELD)

    id: int
    data: bytes
    offset: int = 0

    @classmethod
    def _read(cls, reader: FieldReader) -> dict[str, Any]:
        size = target_size(reader, "shm")
        offset = read_offset(reader, size)
        data = read_data(reader, limit=size - offset if size and reader.known(offset) else None)
        return {"id": read_id(reader, "shm"), "offset": offset, "data": data}

    @classmethod
    def _render(cls, values: Mapping[str, Any]) -> str:
        data = values["data"]
        return (f"addr = shmat({values['id']}, NULL, 0); "
                f"memcpy(addr + {values['offset']}, {c_bytes(data)}, {c_len(data)}); shmdt(addr)")

    @property
    def ref(self) -> ObjectRef:
        return ObjectRef("shm", self.id)

    def run(self) -> ActionResult:
        from ipcscope.core import shm

        with shm.attach(self.id, readonly=False) as attachment:
            attachment.write(self.offset, self.data)
        return Written(self.c_call(), offset=self.offset, length=len(self.data))


@dataclass(frozen=True)
class _ShmCtl(Request):
    kind = "shm"
    form = (ID_FIELD,)
    command = ""

    id: int

    @classmethod
    def _read(cls, reader: FieldReader) -> dict[str, Any]:
        return {"id": read_id(reader, "shm")}

    @classmethod
    def _render(cls, values: Mapping[str, Any]) -> str:
        return f"shmctl({values['id']}, {cls.command}, &ds)"

    @property
    def ref(self) -> ObjectRef:
        return ObjectRef("shm", self.id)


@register
@dataclass(frozen=True)
class ShmLock(_ShmCtl):
    action = "shm-lock"
    title = "Lock segment in memory (SHM_LOCK)"
    command = "SHM_LOCK"

    def run(self) -> ActionResult:
        from ipcscope.core import shm

        shm.lock(self.id)
        return Done(self.c_call(), text=f"shm {self.id} locked: its pages are not swapped out")


@register
@dataclass(frozen=True)
class ShmUnlock(_ShmCtl):
    action = "shm-unlock"
    title = "Unlock segment (SHM_UNLOCK)"
    command = "SHM_UNLOCK"

    def run(self) -> ActionResult:
        from ipcscope.core import shm

        shm.unlock(self.id)
        return Done(self.c_call(), text=f"shm {self.id} unlocked")
