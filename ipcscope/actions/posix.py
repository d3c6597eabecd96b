"""POSIX queues, shared memory and named semaphores: create, send/receive, read/write, post/wait."""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, ClassVar

from ipcscope.actions.base import FieldSpec, Request, register
from ipcscope.actions.common import (
    DATA_FIELD,
    HEX_FIELD,
    MODE_FIELD,
    NAME_FIELD,
    OFFSET_FIELD,
    TIMEOUT_FIELD,
    read_data,
    read_mode,
    read_name,
    read_offset,
    read_timeout,
    target_size,
)
from ipcscope.actions.fields import FieldReader, Placeholder, parse_int, parse_size
from ipcscope.actions.limits import HARD_MSGMAX, HARD_MSGSIZEMAX, LONG_MAX, MQ_PRIO_MAX, SEM_VALUE_MAX
from ipcscope.actions.lookup import posix_path
from ipcscope.actions.render import c_bytes, c_deadline, c_flags, c_len, c_mode, c_name
from ipcscope.actions.results import ActionResult, Created, DataRead, Done, Received, SemValue, Written
from ipcscope.model import Kind, ObjectRef, PosixQueue

EXCL_FIELD = FieldSpec("exclusive", "O_EXCL", "", "fail if it already exists", widget="flag")


def _mq_open(name: Any, access: str, timeout: Any) -> str:
    """`mqd = mq_open("/q", O_WRONLY|O_NONBLOCK); ` (O_NONBLOCK when the timeout is 0)."""
    flags = access + ("|O_NONBLOCK" if timeout == 0 and not isinstance(timeout, Placeholder) else "")
    return f"mqd = mq_open({c_name(name)}, {flags}); "


class _Named(Request):
    """Actions on an existing POSIX object, named by `name`."""

    kind: ClassVar[Kind]  # each subclass names its kind
    name: str

    @property
    def ref(self) -> ObjectRef:
        return ObjectRef(self.kind, self.name)


# --------------------------------------------------------------------------- message queues


@register
@dataclass(frozen=True)
class CreatePosixQueue(Request):
    action = "create-pmq"
    title = "Create POSIX message queue"
    kind = "pmq"
    form = (NAME_FIELD, FieldSpec("maxmsg", "Max messages", "", "empty: the system default"),
            FieldSpec("msgsize", "Message size", "", "bytes; empty: the system default"),
            MODE_FIELD, EXCL_FIELD)

    name: str
    maxmsg: int | None = None
    msgsize: int | None = None
    mode: int = 0o600
    exclusive: bool = False

    @classmethod
    def _read(cls, reader: FieldReader) -> dict[str, Any]:
        limits = reader.limits
        maxmsg = reader.get("maxmsg", lambda text: parse_int(
            text, "maxmsg", minimum=1, maximum=HARD_MSGMAX, what="a message count"), None)
        msgsize = reader.get("msgsize", lambda text: parse_size(
            text, "msgsize", maximum=HARD_MSGSIZEMAX, limit_name="HARD_MSGSIZEMAX"), None)
        # mq_open takes both or neither: fill the missing one with the system default
        if maxmsg is None and msgsize is not None:
            maxmsg = limits.mq_msg_default
        if msgsize is None and maxmsg is not None:
            msgsize = limits.mq_msgsize_default
        return {"name": read_name(reader, "pmq"), "maxmsg": maxmsg, "msgsize": msgsize,
                "mode": read_mode(reader), "exclusive": reader.flag("exclusive")}

    @classmethod
    def _render(cls, values: Mapping[str, Any]) -> str:
        flags = c_flags(["O_RDWR", "O_CREAT", "O_EXCL" if values["exclusive"] else ""])
        attr = "NULL"
        if values["maxmsg"] is not None:
            attr = f"{{.mq_maxmsg={values['maxmsg']}, .mq_msgsize={values['msgsize']}}}"
        return f"mq_open({c_name(values['name'])}, {flags}, {c_mode(values['mode'])}, {attr})"

    def run(self) -> ActionResult:
        from ipcscope.core import posix_mq

        mqd = posix_mq.open(self.name, create=True, exclusive=self.exclusive, mode=self.mode,
                            maxmsg=self.maxmsg, msgsize=self.msgsize)
        try:
            attr = posix_mq.getattr(mqd)
        finally:
            posix_mq.close(mqd)
        return Created(self.c_call(), kind="pmq", ident=self.name,
                       text=f"at most {attr.maxmsg} messages of {attr.msgsize} bytes",
                       existed=False if self.exclusive else None)


@register
@dataclass(frozen=True)
class PosixMqSend(_Named):
    action = "pmq-send"
    title = "Send to a POSIX queue (mq_send)"
    kind = "pmq"
    form = (NAME_FIELD, DATA_FIELD, HEX_FIELD,
            FieldSpec("priority", "Priority", "0", f"0..{MQ_PRIO_MAX - 1}; higher is received first"),
            TIMEOUT_FIELD)

    name: str
    data: bytes = b""
    priority: int = 0
    timeout: float | None = None

    @classmethod
    def _read(cls, reader: FieldReader) -> dict[str, Any]:
        target = reader.target
        limit = target.msgsize if isinstance(target, PosixQueue) and target.msgsize else HARD_MSGSIZEMAX
        return {
            "name": read_name(reader, "pmq"),
            "data": read_data(reader, limit=limit, allow_empty=True),
            "priority": reader.get("priority", lambda text: parse_int(
                text, "priority", minimum=0, maximum=MQ_PRIO_MAX - 1, what="a priority"), 0),
            "timeout": read_timeout(reader),
        }

    @classmethod
    def _render(cls, values: Mapping[str, Any]) -> str:
        data, timeout = values["data"], values["timeout"]
        args = f"mqd, {c_bytes(data)}, {c_len(data)}, {values['priority']}"
        call = (f"mq_send({args})" if timeout is None or timeout == 0
                else f"mq_timedsend({args}, {c_deadline(timeout)})")
        return _mq_open(values["name"], "O_WRONLY", timeout) + call

    @property
    def may_block(self) -> bool:
        return self.timeout != 0

    def run(self) -> ActionResult:
        from ipcscope.core import posix_mq

        mqd = posix_mq.open(self.name, writeonly=True, nonblock=self.timeout == 0)
        try:
            posix_mq.send(mqd, self.data, priority=self.priority, timeout=self.timeout or None)
        finally:
            posix_mq.close(mqd)
        return Done(self.c_call(), text=f"sent {len(self.data)} bytes with priority {self.priority} "
                                        f"to {self.name}")


@register
@dataclass(frozen=True)
class PosixMqReceive(_Named):
    action = "pmq-receive"
    title = "Receive from a POSIX queue (mq_receive)"
    kind = "pmq"
    form = (NAME_FIELD, TIMEOUT_FIELD)

    name: str
    timeout: float | None = None

    @classmethod
    def _read(cls, reader: FieldReader) -> dict[str, Any]:
        return {"name": read_name(reader, "pmq"), "timeout": read_timeout(reader)}

    @classmethod
    def _render(cls, values: Mapping[str, Any]) -> str:
        timeout = values["timeout"]
        call = ("mq_receive(mqd, buf, msgsize, &prio)" if timeout is None or timeout == 0
                else f"mq_timedreceive(mqd, buf, msgsize, &prio, {c_deadline(timeout)})")
        return _mq_open(values["name"], "O_RDONLY", timeout) + call

    @property
    def may_block(self) -> bool:
        return self.timeout != 0

    def run(self) -> ActionResult:
        from ipcscope.core import posix_mq

        mqd = posix_mq.open(self.name, readonly=True, nonblock=self.timeout == 0)
        try:
            data, priority = posix_mq.receive(mqd, timeout=self.timeout or None)
        finally:
            posix_mq.close(mqd)
        return Received(self.c_call(), data=data, priority=priority)


# --------------------------------------------------------------------------- shared memory


@register
@dataclass(frozen=True)
class CreatePosixShm(Request):
    action = "create-pshm"
    title = "Create POSIX shared memory"
    kind = "pshm"
    form = (NAME_FIELD, FieldSpec("size", "Size", "4096", "bytes; K, M, G suffixes"), MODE_FIELD,
            FieldSpec("exclusive", "O_EXCL", "yes", "fail if it already exists", widget="flag"))

    name: str
    size: int
    mode: int = 0o600
    exclusive: bool = True

    @classmethod
    def _read(cls, reader: FieldReader) -> dict[str, Any]:
        return {
            "name": read_name(reader, "pshm"),
            "size": reader.get("size", lambda text: parse_size(text, "size", maximum=LONG_MAX)),
            "mode": read_mode(reader),
            "exclusive": reader.flag("exclusive", default=True),
        }

    @classmethod
    def _render(cls, values: Mapping[str, Any]) -> str:
        flags = c_flags(["O_RDWR", "O_CREAT", "O_EXCL" if values["exclusive"] else ""])
        return (f"fd = shm_open({c_name(values['name'])}, {flags}, {c_mode(values['mode'])}); "
                f"ftruncate(fd, {values['size']})")

    def run(self) -> ActionResult:
        from ipcscope.core import posix_shm

        existed = not self.exclusive and os.path.exists(posix_path("pshm", self.name))
        posix_shm.create(self.name, self.size, mode=self.mode, exclusive=self.exclusive)
        return Created(self.c_call(), kind="pshm", ident=self.name, text=f"{self.size} bytes",
                       existed=existed)


@register
@dataclass(frozen=True)
class PosixShmRead(_Named):
    action = "pshm-read"
    title = "Read POSIX shared memory"
    kind = "pshm"
    changes = False
    form = (NAME_FIELD, OFFSET_FIELD, FieldSpec("length", "Length", "", "bytes; empty: to the end"))

    name: str
    offset: int = 0
    length: int | None = None

    @classmethod
    def _read(cls, reader: FieldReader) -> dict[str, Any]:
        size = target_size(reader, "pshm")
        offset = read_offset(reader, size)
        room = size - offset if size and reader.known(offset) else None
        length = reader.get("length", lambda text: parse_size(
            text, "length", minimum=1, maximum=room, limit_name="the rest of the object"), None)
        return {"name": read_name(reader, "pshm"), "offset": offset, "length": length}

    @classmethod
    def _render(cls, values: Mapping[str, Any]) -> str:
        length = values["length"] if values["length"] is not None else "size"
        return (f"fd = shm_open({c_name(values['name'])}, O_RDONLY, 0); "
                f"pread(fd, buf, {length}, {values['offset']})")

    def run(self) -> DataRead:
        from ipcscope.core import posix_shm

        data = posix_shm.read(self.name, offset=self.offset, length=self.length)
        return DataRead(self.c_call(), offset=self.offset, data=data)


@register
@dataclass(frozen=True)
class PosixShmWrite(_Named):
    action = "pshm-write"
    title = "Write POSIX shared memory"
    kind = "pshm"
    form = (NAME_FIELD, OFFSET_FIELD, DATA_FIELD, HEX_FIELD)

    name: str
    data: bytes
    offset: int = 0

    @classmethod
    def _read(cls, reader: FieldReader) -> dict[str, Any]:
        size = target_size(reader, "pshm")
        offset = read_offset(reader, size)
        data = read_data(reader, limit=size - offset if size and reader.known(offset) else None)
        return {"name": read_name(reader, "pshm"), "offset": offset, "data": data}

    @classmethod
    def _render(cls, values: Mapping[str, Any]) -> str:
        data = values["data"]
        return (f"fd = shm_open({c_name(values['name'])}, O_RDWR, 0); "
                f"pwrite(fd, {c_bytes(data)}, {c_len(data)}, {values['offset']})")

    def run(self) -> ActionResult:
        from ipcscope.core import posix_shm

        posix_shm.write(self.name, self.offset, self.data)
        return Written(self.c_call(), offset=self.offset, length=len(self.data))


# --------------------------------------------------------------------------- named semaphores


@register
@dataclass(frozen=True)
class CreatePosixSem(Request):
    action = "create-psem"
    title = "Create POSIX named semaphore"
    kind = "psem"
    form = (NAME_FIELD, FieldSpec("value", "Value", "0", "initial value"), MODE_FIELD, EXCL_FIELD)

    name: str
    value: int = 0
    mode: int = 0o600
    exclusive: bool = False

    @classmethod
    def _read(cls, reader: FieldReader) -> dict[str, Any]:
        return {
            "name": read_name(reader, "psem"),
            "value": reader.get("value", lambda text: parse_int(
                text, "value", minimum=0, maximum=SEM_VALUE_MAX, what="a value"), 0),
            "mode": read_mode(reader),
            "exclusive": reader.flag("exclusive"),
        }

    @classmethod
    def _render(cls, values: Mapping[str, Any]) -> str:
        flags = c_flags(["O_CREAT", "O_EXCL" if values["exclusive"] else ""])
        return f"sem_open({c_name(values['name'])}, {flags}, {c_mode(values['mode'])}, {values['value']})"

    def run(self) -> ActionResult:
        from ipcscope.core import posix_sem

        existed = not self.exclusive and os.path.exists(posix_path("psem", self.name))
        with posix_sem.NamedSemaphore.open(self.name, create=True, value=self.value, mode=self.mode,
                                           exclusive=self.exclusive) as semaphore:
            value = semaphore.value
        return Created(self.c_call(), kind="psem", ident=self.name, text=f"value {value}",
                       existed=existed)


@dataclass(frozen=True)
class _SemAction(_Named):
    kind = "psem"
    form: ClassVar[tuple[FieldSpec, ...]] = (NAME_FIELD,)
    function = ""

    name: str

    @classmethod
    def _read(cls, reader: FieldReader) -> dict[str, Any]:
        return {"name": read_name(reader, "psem")}

    @classmethod
    def _render(cls, values: Mapping[str, Any]) -> str:
        return f"sem = sem_open({c_name(values['name'])}, 0); {cls.function}(sem)"


@register
@dataclass(frozen=True)
class PosixSemPost(_SemAction):
    action = "psem-post"
    title = "Post (sem_post)"
    function = "sem_post"

    def run(self) -> ActionResult:
        from ipcscope.core import posix_sem

        with posix_sem.NamedSemaphore.open(self.name) as semaphore:
            semaphore.post()
            value = semaphore.value
        return SemValue(self.c_call(), value=value, text=f"posted {self.name}")


@register
@dataclass(frozen=True)
class PosixSemTryWait(_SemAction):
    action = "psem-trywait"
    title = "Try to wait (sem_trywait)"
    function = "sem_trywait"

    def run(self) -> ActionResult:
        from ipcscope.core import posix_sem

        with posix_sem.NamedSemaphore.open(self.name) as semaphore:
            semaphore.trywait()
            value = semaphore.value
        return SemValue(self.c_call(), value=value, text=f"decremented {self.name}")


@register
@dataclass(frozen=True)
class PosixSemWait(_SemAction):
    action = "psem-wait"
    title = "Wait (sem_wait)"
    form = (NAME_FIELD, TIMEOUT_FIELD)
    function = "sem_wait"

    name: str
    timeout: float | None = None

    @classmethod
    def _read(cls, reader: FieldReader) -> dict[str, Any]:
        return {"name": read_name(reader, "psem"), "timeout": read_timeout(reader)}

    @classmethod
    def _render(cls, values: Mapping[str, Any]) -> str:
        timeout = values["timeout"]
        wait = "sem_wait(sem)" if timeout is None else f"sem_timedwait(sem, {c_deadline(timeout)})"
        return f"sem = sem_open({c_name(values['name'])}, 0); {wait}"

    @property
    def may_block(self) -> bool:
        return self.timeout != 0

    def run(self) -> ActionResult:
        from ipcscope.core import posix_sem

        with posix_sem.NamedSemaphore.open(self.name) as semaphore:
            semaphore.wait(timeout=self.timeout)
            value = semaphore.value
        return SemValue(self.c_call(), value=value, text=f"decremented {self.name}")
