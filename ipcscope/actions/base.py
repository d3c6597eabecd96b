"""The shape every action shares: parse strings once, render the C call, run it once.

A request class declares
- `action` (its registry name, "semop"), `title`, `kind` (what it acts on), `changes`
  (False for reads, peeks: allowed in --read-only mode) and `form` (the fields a UI shows);
- `_read(reader)`: the field values, read through a `FieldReader` (strict or lenient);
- `_render(values)`: the C call from those values, where any value may be a Placeholder;
- `run()`: one core call, returning an `ActionResult`.
`parse`, `c_call` and `preview` are built from those, so a form and the CLI validate the same way.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, ClassVar, TypeVar

from ipcscope.actions.fields import FieldReader
from ipcscope.actions.limits import ActionLimits, read_limits
from ipcscope.actions.results import ActionResult
from ipcscope.core.errors import ValidationError
from ipcscope.model import AnyKind, Channel, IpcObject, Kind, ObjectRef, SemOpSpec

R = TypeVar("R", bound="Request")

#: action name -> request class, filled by @register
ACTIONS: dict[str, type[Request]] = {}


@dataclass(frozen=True)
class FieldSpec:
    """One input of an action's form: its name in `fields`, a label, a default and a hint."""

    name: str
    label: str
    default: str = ""
    hint: str = ""
    #: "text", "flag" (checkbox), "payload" (text or hex:...), "choice"
    widget: str = "text"
    choices: tuple[str, ...] = ()


def register(cls: type[R]) -> type[R]:
    ACTIONS[cls.action] = cls
    return cls


@dataclass(frozen=True)
class Request:
    """Base of every action request (frozen: what was validated is what runs)."""

    action: ClassVar[str] = ""
    title: ClassVar[str] = ""
    kind: ClassVar[AnyKind | None] = None
    changes: ClassVar[bool] = True
    form: ClassVar[tuple[FieldSpec, ...]] = ()

    # ---- to be provided by each action

    @classmethod
    def _read(cls, reader: FieldReader) -> dict[str, Any]:
        raise NotImplementedError

    @classmethod
    def _render(cls, values: Mapping[str, Any]) -> str:
        raise NotImplementedError

    def run(self) -> ActionResult:
        raise NotImplementedError

    # ---- shared

    @classmethod
    def parse(cls: type[R], fields: Mapping[str, Any], *, limits: ActionLimits | None = None,
              target: IpcObject | Channel | None = None) -> R:
        """A validated request from raw strings, or ValidationError(message, field).

        `target` is the object the form was opened on (nsems, size and id come from it when
        known); `limits` defaults to the running kernel's.
        """
        reader = FieldReader(fields, limits or read_limits(), target, strict=True)
        return cls(**cls._read(reader))

    def c_call(self) -> str:
        """The equivalent C call, e.g. `semop(32769, {{0, -1, SEM_UNDO}, {2, +1, 0}}, 2)`."""
        return self._render({item.name: getattr(self, item.name) for item in dataclasses.fields(self)})

    @property
    def may_block(self) -> bool:
        """Whether the call can sleep in the kernel: run it in a helper process (runner)."""
        return False

    @property
    def ref(self) -> ObjectRef | None:
        """The object acted on (None for creates, whose id is known only afterwards)."""
        return None

    def to_json(self) -> dict[str, Any]:
        """The request for the helper process: {"action": ..., "fields": {...}} (exact values)."""
        return {"action": self.action,
                "values": {item.name: _encode(getattr(self, item.name))
                           for item in dataclasses.fields(self)}}


def actions_for(kind: Kind, *, read_only: bool = False) -> tuple[type[Request], ...]:
    """The actions a panel for `kind` offers (SetPerms and Remove apply to every kind);
    with `read_only`, only those that change nothing."""
    return tuple(cls for cls in ACTIONS.values()
                 if cls.kind in (kind, None) and not (read_only and cls.changes))


def request_from_json(data: Mapping[str, Any]) -> Request:
    """Inverse of Request.to_json (used by the helper process)."""
    cls = ACTIONS[data["action"]]
    return cls(**{name: _decode(value) for name, value in data["values"].items()})


def _encode(value: Any) -> Any:
    if isinstance(value, bytes):
        return {"$bytes": value.hex()}
    if dataclasses.is_dataclass(value) and hasattr(value, "kind") and hasattr(value, "perms"):
        # an IpcObject (Remove's expected object): its fields, to re-check it in the helper
        fields = {item.name: _encode(getattr(value, item.name)) if item.name != "semaphores" else
                  _semaphores(getattr(value, item.name))
                  for item in dataclasses.fields(value) if item.init}
        return {"$object": value.kind, "fields": fields}
    if isinstance(value, SemOpSpec):
        return {"$sembuf": [value.num, value.op, value.flags]}
    if isinstance(value, (tuple, list)):
        return [_encode(item) for item in value]
    if value is None or isinstance(value, (bool, int, float, str)):
        return value
    raise TypeError(f"cannot pass {type(value).__name__} to a helper process")


def _decode(value: Any) -> Any:
    if isinstance(value, dict):
        if "$bytes" in value:
            return bytes.fromhex(value["$bytes"])
        if "$sembuf" in value:
            return SemOpSpec(*value["$sembuf"])
        if "$object" in value:
            return _object(value["$object"], value["fields"])
    if isinstance(value, list):
        return tuple(_decode(item) for item in value)
    return value


def _semaphores(semaphores: Any) -> Any:
    if semaphores is None:
        return None
    return [[s.num, s.value, s.ncnt, s.zcnt, s.pid] for s in semaphores]


def _object(kind: str, fields: dict[str, Any]) -> IpcObject:
    from ipcscope import model

    classes: dict[str, type[IpcObject]] = {"shm": model.ShmSegment, "msg": model.MsgQueue, "sem": model.SemSet,
                                "pmq": model.PosixQueue, "pshm": model.PosixShm,
                                "psem": model.PosixSemaphore}
    values = {name: _decode(value) for name, value in fields.items()}
    if values.get("semaphores") is not None:
        values["semaphores"] = tuple(model.Semaphore(*row) for row in values["semaphores"])
    return classes[kind](**values)


# --------------------------------------------------------------------------- preview


@dataclass(frozen=True)
class Preview:
    """What a form shows while being filled in: the C call so far and each field's problem."""

    c_call: str
    #: field name -> message ("" key for a problem that belongs to no single field)
    errors: Mapping[str, str]
    #: the request when every field is valid, else None
    request: Request | None = None

    @property
    def valid(self) -> bool:
        return self.request is not None

    @property
    def may_block(self) -> bool:
        return self.request is not None and self.request.may_block


def preview(action: str | type[Request], fields: Mapping[str, Any], *,
            limits: ActionLimits | None = None, target: IpcObject | Channel | None = None) -> Preview:
    """The live preview of a form. Never raises, whatever is typed."""
    name = action if isinstance(action, str) else action.action
    try:
        cls = ACTIONS[name] if isinstance(action, str) else action
        limits = limits or read_limits()
        reader = FieldReader(fields, limits, target, strict=False)
        values = cls._read(reader)
        call = cls._render(values)
        if reader.errors:
            return Preview(call, dict(reader.errors))
        try:
            request = cls(**values)
        except ValidationError as error:  # pragma: no cover - _read checks everything
            return Preview(call, {error.field or "": str(error)})
        return Preview(request.c_call(), {}, request)
    except Exception as error:  # noqa: BLE001 - the preview must never take the form down
        return Preview(f"{name}(...)", {"": f"cannot preview: {type(error).__name__}: {error}"})
