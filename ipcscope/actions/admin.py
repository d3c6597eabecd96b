"""Actions on any kind of object: permissions and owner (IPC_SET, chmod/chown), and removal."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from ipcscope.actions.base import FieldSpec, Request, register
from ipcscope.actions.common import ID_FIELD, NAME_FIELD, core_module, os_call, read_id, read_mode
from ipcscope.actions.fields import (
    REQUIRED,
    FieldReader,
    Placeholder,
    parse_group,
    parse_posix_name,
    parse_user,
    shown,
)
from ipcscope.actions.limits import ActionLimits
from ipcscope.actions.lookup import posix_path
from ipcscope.actions.removal import removal_call, remove_checked
from ipcscope.actions.render import c_changes, c_mode, c_name
from ipcscope.actions.results import ActionResult, Done
from ipcscope.core.errors import ValidationError
from ipcscope.model import KINDS, IpcObject, Kind, ObjectRef, PosixObject

SYSV_KINDS = ("shm", "msg", "sem")
KIND_FIELD = FieldSpec("kind", "Kind", "", "shm, msg, sem, pmq, pshm or psem", widget="choice",
                       choices=KINDS)


_KIND_NAMES: dict[str, Kind] = {kind: kind for kind in KINDS}


def _parse_kind(text: str) -> Kind:
    kind = _KIND_NAMES.get(text.strip().lower())
    if kind is None:
        raise ValidationError(f"kind must be one of {', '.join(KINDS)}, not {shown(text)}", "kind")
    return kind


def read_kind(reader: FieldReader) -> Kind:
    target_kind = getattr(reader.target, "kind", None)
    if target_kind not in KINDS:  # a channel: these actions do not apply to it
        target_kind = None
    return reader.get("kind", _parse_kind, target_kind or REQUIRED)


def read_ident(reader: FieldReader, kind: Kind) -> int | str:
    """The id (SysV) or name (POSIX) of an object of `kind`; a POSIX name may come as "id" too."""
    if isinstance(kind, Placeholder):
        return Placeholder("id")
    if kind in SYSV_KINDS:
        return read_id(reader, kind)
    target = reader.target
    default = target.name if isinstance(target, PosixObject) and target.kind == kind else REQUIRED
    name = "id" if reader.raw("name") is None and reader.raw("id") is not None else "name"
    return reader.get(name, lambda text: parse_posix_name(text, kind, name), default)


@register
@dataclass(frozen=True)
class SetPerms(Request):
    action = "set-perms"
    title = "Change mode, owner or group"
    form = (KIND_FIELD, ID_FIELD, NAME_FIELD, FieldSpec("mode", "Mode", "", "octal, e.g. 0640"),
            FieldSpec("owner", "Owner", "", "user name or uid"),
            FieldSpec("group", "Group", "", "group name or gid"))

    object_kind: Kind
    ident: int | str
    mode: int | None = None
    uid: int | None = None
    gid: int | None = None

    @classmethod
    def _read(cls, reader: FieldReader) -> dict[str, Any]:
        kind = read_kind(reader)
        values = {
            "object_kind": kind,
            "ident": read_ident(reader, kind),
            "mode": read_mode(reader, None),
            "uid": reader.get("owner", lambda text: parse_user(text, "owner"), None),
            "gid": reader.get("group", lambda text: parse_group(text, "group"), None),
        }
        if all(values[name] is None for name in ("mode", "uid", "gid")):
            values["mode"] = reader.fail("mode", "give a mode, an owner or a group to change")
        return values

    @classmethod
    def _render(cls, values: Mapping[str, Any]) -> str:
        kind, ident = values["object_kind"], values["ident"]
        mode, uid, gid = values["mode"], values["uid"], values["gid"]
        if kind in SYSV_KINDS:
            changes = {name: value for name, value in (("uid", uid), ("gid", gid), ("mode", mode))
                       if value is not None}
            args = f"IPC_SET, {c_changes(kind, changes)}"
            return f"semctl({ident}, 0, {args})" if kind == "sem" else f"{kind}ctl({ident}, {args})"
        if kind == "pmq":
            opened, target, chmod, chown = f"mqd = mq_open({c_name(ident)}, O_RDONLY); ", "mqd", \
                "fchmod", "fchown"
        elif isinstance(kind, Placeholder) or isinstance(ident, Placeholder):
            opened, target, chmod, chown = "", "path", "chmod", "chown"
        else:
            opened, target, chmod, chown = "", c_name(posix_path(kind, ident)), "chmod", "chown"
        calls = []
        if mode is not None:
            calls.append(f"{chmod}({target}, {c_mode(mode)})")
        if uid is not None or gid is not None:
            calls.append(f"{chown}({target}, {uid if uid is not None else -1}, "
                         f"{gid if gid is not None else -1})")
        return opened + "; ".join(calls or [f"{chmod}({target}, mode)"])

    @property
    def ref(self) -> ObjectRef:
        return ObjectRef(self.object_kind, self.ident)

    def run(self) -> ActionResult:
        call = self.c_call()
        kind = self.object_kind
        if kind in SYSV_KINDS:
            setter = core_module(kind).set_attrs if kind == "msg" else core_module(kind).set_perms
            setter(int(self.ident), uid=self.uid, gid=self.gid, mode=self.mode)
        elif kind == "pmq":
            posix_mq = core_module("pmq")
            mqd = posix_mq.open(str(self.ident), readonly=True, nonblock=True)
            try:
                self._apply(call, mqd)
            finally:
                posix_mq.close(mqd)
        else:
            self._apply(call, posix_path(self.object_kind, str(self.ident)))
        changed = [f"mode 0{self.mode:03o}" if self.mode is not None else "",
                   f"owner {self.uid}" if self.uid is not None else "",
                   f"group {self.gid}" if self.gid is not None else ""]
        return Done(call, text=f"{self.object_kind} {self.ident}: {', '.join(c for c in changed if c)}")

    def _apply(self, call: str, target: int | str) -> None:
        import os

        if self.mode is not None:
            os_call(call, os.chmod, target, self.mode)
        if self.uid is not None or self.gid is not None:
            os_call(call, os.chown, target, -1 if self.uid is None else self.uid,
                    -1 if self.gid is None else self.gid)


@register
@dataclass(frozen=True)
class Remove(Request):
    """Removal of the object as it was shown; `run` re-checks it first (see ipcscope.actions.removal)."""

    action = "remove"
    title = "Remove"
    form = (KIND_FIELD, ID_FIELD, NAME_FIELD)

    object_kind: Kind
    ident: int | str
    #: the object as shown to the user; run() removes nothing unless the kernel still shows it
    expected: IpcObject = field(compare=False)

    @classmethod
    def _read(cls, reader: FieldReader) -> dict[str, Any]:
        kind = read_kind(reader)
        ident = read_ident(reader, kind)
        expected: Any = reader.target
        if reader.known(kind, ident):
            ref = ObjectRef(kind, ident, getattr(expected, "ns", None))
            if expected is None or getattr(expected, "ref", None) != ref:
                expected = reader.fail("id", f"{kind} {ident} must be shown before it can be removed "
                                             "(it is re-checked against what was shown)")
        return {"object_kind": kind, "ident": ident, "expected": expected}

    @classmethod
    def _render(cls, values: Mapping[str, Any]) -> str:
        kind, ident = values["object_kind"], values["ident"]
        if isinstance(kind, Placeholder):
            return "IPC_RMID or unlink"
        return removal_call(ObjectRef(kind, ident))

    @property
    def ref(self) -> ObjectRef:
        return ObjectRef(self.object_kind, self.ident)

    def run(self) -> ActionResult:
        return Done(self.c_call(), text=remove_checked(self.expected))


def parse_ref(kind: str, text: str) -> ObjectRef:
    """ "shm", "3" -> shm:3; "pmq", "/jobs" -> pmq:/jobs (ValidationError for a bad id or name)."""
    reader = FieldReader({"kind": kind, "id": text}, ActionLimits(), None, strict=True)
    kind = read_kind(reader)
    return ObjectRef(kind, read_ident(reader, kind))
