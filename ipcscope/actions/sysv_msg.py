"""System V message queues: msgget, msgsnd, msgrcv, peeking with MSG_COPY, msg_qbytes."""

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
    TIMEOUT_FIELD,
    read_data,
    read_id,
    read_key,
    read_mode,
    read_timeout,
)
from ipcscope.actions.fields import FieldReader, parse_int, parse_size
from ipcscope.actions.limits import LONG_MAX
from ipcscope.actions.lookup import key_in_use
from ipcscope.actions.render import c_bytes, c_changes, c_flags, c_key, c_len
from ipcscope.actions.results import ActionResult, Created, Done, Peeked, PeekedMessage, Received
from ipcscope.model import ObjectRef

NOWAIT_FIELD = FieldSpec("nowait", "IPC_NOWAIT", "", "fail with EAGAIN/ENOMSG instead of waiting",
                         widget="flag")
PEEK_LIMIT = 1000


@register
@dataclass(frozen=True)
class CreateMsg(Request):
    action = "create-msg"
    title = "Create message queue"
    kind = "msg"
    form = (KEY_FIELD, MODE_FIELD, EXCL_FIELD)

    key: int
    mode: int = 0o600
    exclusive: bool = False

    @classmethod
    def _read(cls, reader: FieldReader) -> dict[str, Any]:
        return {"key": read_key(reader), "mode": read_mode(reader), "exclusive": reader.flag("exclusive")}

    @classmethod
    def _render(cls, values: Mapping[str, Any]) -> str:
        flags = c_flags(["IPC_CREAT", "IPC_EXCL" if values["exclusive"] else ""], values["mode"])
        return f"msgget({c_key(values['key'])}, {flags})"

    def run(self) -> ActionResult:
        from ipcscope.core import msg

        existed = not self.exclusive and key_in_use("msg", self.key)
        msqid = msg.create(self.key, mode=self.mode, exclusive=self.exclusive)
        return Created(self.c_call(), kind="msg", ident=msqid, key=self.key, existed=existed)


@register
@dataclass(frozen=True)
class MsgSend(Request):
    action = "msg-send"
    title = "Send a message (msgsnd)"
    kind = "msg"
    form = (ID_FIELD, FieldSpec("type", "Type", "1", "mtype, 1 or more"), DATA_FIELD, HEX_FIELD,
            NOWAIT_FIELD, TIMEOUT_FIELD)

    id: int
    mtype: int
    data: bytes = b""
    nowait: bool = False
    #: seconds to wait while the queue is full (msgsnd has no timeout: core's SIGALRM timer)
    timeout: float | None = None

    @classmethod
    def _read(cls, reader: FieldReader) -> dict[str, Any]:
        return {
            "id": read_id(reader, "msg"),
            "mtype": reader.get("type", lambda text: parse_int(
                text, "type", minimum=1, maximum=LONG_MAX, what="a message type (1 or more)")),
            "data": read_data(reader, limit=reader.limits.msgmax, allow_empty=True),
            "nowait": reader.flag("nowait"),
            "timeout": read_timeout(reader),
        }

    @classmethod
    def _render(cls, values: Mapping[str, Any]) -> str:
        data = values["data"]
        flags = "IPC_NOWAIT" if values["nowait"] else "0"
        return f"msgsnd({values['id']}, {{{values['mtype']}, {c_bytes(data)}}}, {c_len(data)}, {flags})"

    @property
    def may_block(self) -> bool:
        return not self.nowait and self.timeout != 0

    @property
    def ref(self) -> ObjectRef:
        return ObjectRef("msg", self.id)

    def run(self) -> ActionResult:
        from ipcscope.core import msg

        msg.send(self.id, self.mtype, self.data, nowait=self.nowait,
                 timeout=None if self.nowait else self.timeout)
        return Done(self.c_call(), text=f"sent type {self.mtype}, {len(self.data)} bytes to msg {self.id}")


@register
@dataclass(frozen=True)
class MsgReceive(Request):
    action = "msg-receive"
    title = "Receive a message (msgrcv)"
    kind = "msg"
    form = (
        ID_FIELD,
        FieldSpec("type", "Type", "0", "0: first message; >0: first of that type; <0: lowest type <= |T|"),
        FieldSpec("except", "MSG_EXCEPT", "", "first message NOT of type T (T > 0)", widget="flag"),
        FieldSpec("noerror", "MSG_NOERROR", "", "truncate a message longer than maxsize", widget="flag"),
        NOWAIT_FIELD,
        TIMEOUT_FIELD,
        FieldSpec("maxsize", "Max size", "", "bytes; default MSGMAX"),
    )

    id: int
    mtype: int = 0
    except_type: bool = False
    noerror: bool = False
    nowait: bool = False
    maxsize: int = 8192
    #: seconds to wait for a message (msgrcv has no timeout: core's SIGALRM timer)
    timeout: float | None = None

    @classmethod
    def _read(cls, reader: FieldReader) -> dict[str, Any]:
        mtype = reader.get("type", lambda text: parse_int(
            text, "type", minimum=-LONG_MAX, maximum=LONG_MAX, what="a message type"), 0)
        except_type = reader.flag("except")
        if except_type and reader.known(mtype) and mtype <= 0:
            reader.fail("except", "MSG_EXCEPT needs a type greater than 0 (it means: any type but T)")
        return {
            "id": read_id(reader, "msg"),
            "mtype": mtype,
            "except_type": except_type,
            "noerror": reader.flag("noerror"),
            "nowait": reader.flag("nowait"),
            "maxsize": reader.get("maxsize", lambda text: parse_size(
                text, "maxsize", minimum=0, maximum=2**31 - 1), reader.limits.msgmax),
            "timeout": read_timeout(reader),
        }

    @classmethod
    def _render(cls, values: Mapping[str, Any]) -> str:
        flags = c_flags(["MSG_EXCEPT" if values["except_type"] else "",
                         "IPC_NOWAIT" if values["nowait"] else "",
                         "MSG_NOERROR" if values["noerror"] else ""])
        return f"msgrcv({values['id']}, buf, {values['maxsize']}, {values['mtype']}, {flags})"

    @property
    def may_block(self) -> bool:
        return not self.nowait and self.timeout != 0

    @property
    def ref(self) -> ObjectRef:
        return ObjectRef("msg", self.id)

    def run(self) -> ActionResult:
        from ipcscope.core import msg

        message = msg.receive(self.id, msgtyp=self.mtype, maxsize=self.maxsize, nowait=self.nowait,
                              except_type=self.except_type, noerror=self.noerror,
                              timeout=None if self.nowait else self.timeout)
        return Received(self.c_call(), data=message.data, mtype=message.mtype)


@register
@dataclass(frozen=True)
class MsgPeek(Request):
    action = "msg-peek"
    title = "Peek at messages (MSG_COPY, nothing consumed)"
    kind = "msg"
    changes = False
    form = (ID_FIELD, FieldSpec("index", "Index", "", "one message by position; empty: all"))

    id: int
    index: int | None = None

    @classmethod
    def _read(cls, reader: FieldReader) -> dict[str, Any]:
        return {
            "id": read_id(reader, "msg"),
            "index": reader.get("index", lambda text: parse_int(
                text, "index", minimum=0, maximum=LONG_MAX, what="a position from 0"), None),
        }

    @classmethod
    def _render(cls, values: Mapping[str, Any]) -> str:
        index = values["index"]
        call = (f"msgrcv({values['id']}, buf, 65536, {index if index is not None else 'i'}, "
                "MSG_COPY|IPC_NOWAIT|MSG_NOERROR)")
        return call if index is not None else call + " for i = 0, 1, ... until ENOMSG"

    @property
    def ref(self) -> ObjectRef:
        return ObjectRef("msg", self.id)

    def run(self) -> ActionResult:
        from ipcscope.core import msg

        if self.index is not None:
            found = msg.peek(self.id, self.index)
            messages = [] if found is None else [(self.index, found)]
        else:
            messages = list(enumerate(msg.peek_all(self.id, limit=PEEK_LIMIT)))
        return Peeked(self.c_call(), messages=tuple(
            PeekedMessage(index, message.mtype, message.data) for index, message in messages))


@register
@dataclass(frozen=True)
class SetQbytes(Request):
    action = "msg-set-qbytes"
    title = "Set the queue's byte limit (msg_qbytes)"
    kind = "msg"
    form = (ID_FIELD, FieldSpec("qbytes", "Bytes", "", "above MSGMNB needs CAP_SYS_RESOURCE"))

    id: int
    qbytes: int

    @classmethod
    def _read(cls, reader: FieldReader) -> dict[str, Any]:
        return {
            "id": read_id(reader, "msg"),
            "qbytes": reader.get("qbytes", lambda text: parse_size(text, "qbytes", maximum=LONG_MAX)),
        }

    @classmethod
    def _render(cls, values: Mapping[str, Any]) -> str:
        return f"msgctl({values['id']}, IPC_SET, {c_changes('msg', {'qbytes': values['qbytes']})})"

    @property
    def ref(self) -> ObjectRef:
        return ObjectRef("msg", self.id)

    def run(self) -> ActionResult:
        from ipcscope.core import msg

        msg.set_attrs(self.id, qbytes=self.qbytes)
        return Done(self.c_call(), text=f"msg {self.id} now holds at most {self.qbytes} bytes")
