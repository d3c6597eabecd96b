"""System V semaphore sets: semget (with initial values), semop/semtimedop, SETVAL, SETALL."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from ipcscope.actions.base import FieldSpec, Request, register
from ipcscope.actions.common import (
    EXCL_FIELD,
    ID_FIELD,
    KEY_FIELD,
    MODE_FIELD,
    TIMEOUT_FIELD,
    read_id,
    read_key,
    read_mode,
    read_timeout,
)
from ipcscope.actions.fields import (
    FieldReader,
    parse_int,
    parse_semop,
    parse_values,
)
from ipcscope.actions.lookup import key_in_use
from ipcscope.actions.render import c_array, c_flags, c_key, c_sembufs, c_timespec
from ipcscope.actions.results import ActionResult, Created, Done
from ipcscope.core.constants import IPC_NOWAIT, SEM_UNDO
from ipcscope.model import ObjectRef, SemOpSpec, SemSet

VALUES_FIELD = FieldSpec("values", "Values", "", "comma-separated, one per semaphore: 1,0,0")


def known_nsems(reader: FieldReader) -> int | None:
    target = reader.target
    return target.nsems if isinstance(target, SemSet) and target.nsems else None


@register
@dataclass(frozen=True)
class CreateSem(Request):
    action = "create-sem"
    title = "Create semaphore set"
    kind = "sem"
    form = (KEY_FIELD, FieldSpec("nsems", "Semaphores", "1", "how many in the set"),
            VALUES_FIELD, MODE_FIELD, EXCL_FIELD)

    key: int
    nsems: int
    mode: int = 0o600
    exclusive: bool = False
    values: tuple[int, ...] | None = None

    @classmethod
    def _read(cls, reader: FieldReader) -> dict[str, Any]:
        limits = reader.limits
        nsems = reader.get("nsems", lambda text: parse_int(
            text, "nsems", minimum=1, maximum=limits.semmsl, what="a count (SEMMSL is the limit)"))
        values = reader.get("values", lambda text: parse_values(text, "values", maximum=limits.semvmx),
                            None)
        if values is not None and reader.known(nsems, values) and len(values) != nsems:
            values = reader.fail("values", f"values gives {len(values)} numbers for {nsems} semaphores")
        return {"key": read_key(reader), "nsems": nsems, "mode": read_mode(reader),
                "exclusive": reader.flag("exclusive"), "values": values}

    @classmethod
    def _render(cls, values: Mapping[str, Any]) -> str:
        flags = c_flags(["IPC_CREAT", "IPC_EXCL" if values["exclusive"] else ""], values["mode"])
        call = f"semget({c_key(values['key'])}, {values['nsems']}, {flags})"
        if values["values"] is not None:
            call += f"; semctl(semid, 0, SETALL, {c_array(values['values'])})"
        return call

    def run(self) -> ActionResult:
        from ipcscope.core import sem

        existed = not self.exclusive and key_in_use("sem", self.key)
        semid = sem.create(self.key, self.nsems, mode=self.mode, exclusive=self.exclusive,
                           values=list(self.values) if self.values is not None else None)
        return Created(self.c_call(), kind="sem", ident=semid, key=self.key,
                       text=f"{self.nsems} semaphores", existed=existed)


@register
@dataclass(frozen=True)
class SemOp(Request):
    action = "semop"
    title = "Semaphore operations (semop), applied atomically"
    kind = "sem"
    form = (ID_FIELD,
            FieldSpec("ops", "Operations", "0:-1", "NUM:DELTA[:undo][:nowait] ..., e.g. 0:-1:undo 2:+1"),
            TIMEOUT_FIELD)

    id: int
    ops: tuple[SemOpSpec, ...]
    timeout: float | None = None

    @classmethod
    def _read(cls, reader: FieldReader) -> dict[str, Any]:
        limits = reader.limits
        ops = reader.get("ops", lambda text: parse_semop(text, "ops"))
        if reader.known(ops):
            nsems = known_nsems(reader)
            bound, what = (nsems, f"the set has {nsems}") if nsems else (limits.semmsl, "SEMMSL")
            if len(ops) > limits.semopm:
                ops = reader.fail("ops", f"{len(ops)} operations is over SEMOPM ({limits.semopm})")
            else:
                for op in ops:
                    if op.num >= bound:
                        ops = reader.fail("ops", f"semaphore {op.num} does not exist ({what}: "
                                                 f"numbers 0..{bound - 1})")
                        break
        return {"id": read_id(reader, "sem"), "ops": ops, "timeout": read_timeout(reader)}

    @classmethod
    def _render(cls, values: Mapping[str, Any]) -> str:
        array, count = c_sembufs(values["ops"])
        timeout = values["timeout"]
        if timeout is None:
            return f"semop({values['id']}, {array}, {count})"
        return f"semtimedop({values['id']}, {array}, {count}, {c_timespec(timeout)})"

    @property
    def may_block(self) -> bool:
        """A decrement or a wait-for-zero without IPC_NOWAIT can sleep; increments never do."""
        return any(op.op <= 0 and not op.flags & IPC_NOWAIT for op in self.ops) and self.timeout != 0

    @property
    def uses_undo(self) -> bool:
        return any(op.flags & SEM_UNDO for op in self.ops)

    @property
    def ref(self) -> ObjectRef:
        return ObjectRef("sem", self.id)

    def run(self) -> ActionResult:
        from ipcscope.core import sem

        sem.semop(self.id, self.ops, timeout=self.timeout)
        note = (" (SEM_UNDO: the kernel reverts it when this process exits)" if self.uses_undo else "")
        return Done(self.c_call(), text=f"semop on sem {self.id} done{note}")


@register
@dataclass(frozen=True)
class SetVal(Request):
    action = "sem-setval"
    title = "Set one semaphore (SETVAL)"
    kind = "sem"
    form = (ID_FIELD, FieldSpec("num", "Number", "0", "which semaphore, from 0"),
            FieldSpec("value", "Value", "", "0..32767"))

    id: int
    num: int
    value: int

    @classmethod
    def _read(cls, reader: FieldReader) -> dict[str, Any]:
        nsems = known_nsems(reader)
        maximum = (nsems or reader.limits.semmsl) - 1
        return {
            "id": read_id(reader, "sem"),
            "num": reader.get("num", lambda text: parse_int(
                text, "num", minimum=0, maximum=maximum, what="a semaphore number")),
            "value": reader.get("value", lambda text: parse_int(
                text, "value", minimum=0, maximum=reader.limits.semvmx, what="a value (0..SEMVMX)")),
        }

    @classmethod
    def _render(cls, values: Mapping[str, Any]) -> str:
        return f"semctl({values['id']}, {values['num']}, SETVAL, {values['value']})"

    @property
    def ref(self) -> ObjectRef:
        return ObjectRef("sem", self.id)

    def run(self) -> ActionResult:
        from ipcscope.core import sem

        sem.setval(self.id, self.num, self.value)
        return Done(self.c_call(), text=f"sem {self.id}[{self.num}] = {self.value}")


@register
@dataclass(frozen=True)
class SetAll(Request):
    action = "sem-setall"
    title = "Set every semaphore (SETALL)"
    kind = "sem"
    form = (ID_FIELD, VALUES_FIELD)

    id: int
    values: tuple[int, ...]

    @classmethod
    def _read(cls, reader: FieldReader) -> dict[str, Any]:
        values = reader.get("values", lambda text: parse_values(text, "values",
                                                                maximum=reader.limits.semvmx))
        nsems = known_nsems(reader)
        if nsems and reader.known(values) and len(values) != nsems:
            values = reader.fail("values", f"values gives {len(values)} numbers; the set has {nsems}")
        return {"id": read_id(reader, "sem"), "values": values}

    @classmethod
    def _render(cls, values: Mapping[str, Any]) -> str:
        return f"semctl({values['id']}, 0, SETALL, {c_array(values['values'])})"

    @property
    def ref(self) -> ObjectRef:
        return ObjectRef("sem", self.id)

    def run(self) -> ActionResult:
        from ipcscope.core import sem

        sem.setall(self.id, list(self.values))
        return Done(self.c_call(), text=f"sem {self.id} = {', '.join(map(str, self.values))}")
