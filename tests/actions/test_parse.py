"""Parsing, C calls and previews of the actions (no kernel calls here)."""

from __future__ import annotations

import pytest

from ipcscope import actions
from ipcscope.actions import (
    ACTIONS,
    IPC_NOWAIT,
    SEM_UNDO,
    ActionLimits,
    CreatePosixQueue,
    CreatePosixShm,
    CreateSem,
    CreateShm,
    MsgPeek,
    MsgReceive,
    MsgSend,
    PosixMqReceive,
    PosixMqSend,
    PosixSemWait,
    Remove,
    SemOp,
    SetAll,
    SetPerms,
    SetVal,
    ShmRead,
    ShmWrite,
    format_semop,
    parse_semop,
    preview,
    request_from_json,
)
from ipcscope.core import c_calls
from ipcscope.core import constants as c
from ipcscope.core.errors import ValidationError
from ipcscope.model import SemOpSpec, SemSet, ShmSegment

LIMITS = ActionLimits(shmmax=1 << 30, semmsl=250, semopm=32, msgmax=8192)


def sem_set(nsems: int = 3, semid: int = 32769) -> SemSet:
    return SemSet(key=0x1234, id=semid, mode=0o600, uid=0, gid=0, cuid=0, cgid=0, nsems=nsems)


def segment(size: int = 4096, shmid: int = 7) -> ShmSegment:
    return ShmSegment(key=0x1234, id=shmid, mode=0o600, uid=0, gid=0, cuid=0, cgid=0, size=size)


def rejects(cls, fields, field, *, target=None, contains=""):
    with pytest.raises(ValidationError) as caught:
        cls.parse(fields, limits=LIMITS, target=target)
    assert caught.value.field == field, str(caught.value)
    assert "\n" not in str(caught.value)
    assert contains in str(caught.value)
    return str(caught.value)


# --------------------------------------------------------------------------- the README's example


def test_semop_example_of_the_readme() -> None:
    request = SemOp.parse({"id": "32769", "ops": "0:-1:undo 2:+1"}, limits=LIMITS, target=sem_set())
    assert request.ops == (SemOpSpec(0, -1, SEM_UNDO), SemOpSpec(2, 1, 0))
    assert request.c_call() == "semop(32769, {{0, -1, SEM_UNDO}, {2, +1, 0}}, 2)"
    assert request.c_call() == c_calls.semop_call(32769, request.ops)
    assert request.may_block and request.uses_undo


def test_semop_specs() -> None:
    assert parse_semop("1:0:nowait,0:+3") == (SemOpSpec(1, 0, IPC_NOWAIT), SemOpSpec(0, 3, 0))
    assert parse_semop(" 0:-1:NOWAIT:undo ") == (SemOpSpec(0, -1, IPC_NOWAIT | SEM_UNDO),)
    assert format_semop(parse_semop("0:-1:undo 2:+1 1:0:nowait")) == "0:-1:undo 2:+1 1:0:nowait"
    for bad, needle in [("", "at least one"), ("0", "NUM:DELTA"), ("x:-1", "semaphore number"),
                        ("0:--1", "delta"), ("0:1.5", "delta"), ("0:-1:undo:undo", "twice"),
                        ("0:-1:later", "unknown flag"), ("0:40000", "SEMVMX")]:
        with pytest.raises(ValidationError, match=needle) as caught:
            parse_semop(bad)
        assert caught.value.field == "ops"


def test_semop_checks_numbers_against_the_set_and_semopm() -> None:
    rejects(SemOp, {"id": "1", "ops": "3:-1"}, "ops", target=sem_set(3), contains="the set has 3")
    rejects(SemOp, {"id": "1", "ops": "250:-1"}, "ops", contains="SEMMSL")
    rejects(SemOp, {"id": "1", "ops": " ".join(["0:+1"] * 33)}, "ops", contains="SEMOPM")
    ok = SemOp.parse({"id": "1", "ops": "2:-1"}, limits=LIMITS, target=sem_set(3))
    assert ok.ops == (SemOpSpec(2, -1, 0),)


def test_semop_may_block() -> None:
    def blocks(ops: str, timeout: str = "") -> bool:
        return SemOp.parse({"id": "1", "ops": ops, "timeout": timeout}, limits=LIMITS).may_block

    assert blocks("0:-1") and blocks("0:0") and blocks("0:+1 1:-1:undo")
    assert not blocks("0:+1") and not blocks("0:-1:nowait 1:0:nowait") and not blocks("0:-1", "0")
    timed = SemOp.parse({"id": "1", "ops": "0:-1", "timeout": "1.5"}, limits=LIMITS)
    assert timed.c_call() == c_calls.semtimedop_call(1, timed.ops, 1.5)


# --------------------------------------------------------------------------- creates


def test_create_shm_keys_modes_sizes() -> None:
    request = CreateShm.parse({"key": "0x1c000001", "size": "64K", "mode": "640"}, limits=LIMITS)
    assert (request.key, request.size, request.mode, request.exclusive) == (0x1C000001, 65536, 0o640, False)
    assert request.c_call() == c_calls.shmget_call(0x1C000001, 65536, c.IPC_CREAT | 0o640)
    assert CreateShm.parse({"key": "private", "size": "4096"}, limits=LIMITS).key == 0
    assert CreateShm.parse({"key": "4660", "size": "0x1000", "mode": "0o600"}, limits=LIMITS).key == 0x1234
    excl = CreateShm.parse({"key": "1", "size": "1", "exclusive": "yes"}, limits=LIMITS)
    assert excl.c_call() == c_calls.shmget_call(1, 1, c.IPC_CREAT | c.IPC_EXCL | 0o600)
    rejects(CreateShm, {"key": "1", "size": "2G"}, "size", contains="SHMMAX")
    rejects(CreateShm, {"key": "1", "size": "0"}, "size", contains="at least 1")
    rejects(CreateShm, {"key": "1", "size": "-5"}, "size")
    rejects(CreateShm, {"key": "1", "size": "12Q"}, "size")
    rejects(CreateShm, {"key": "1", "size": "1", "mode": "0x1ff"}, "mode", contains="octal")
    rejects(CreateShm, {"key": "1", "size": "1", "mode": "1777"}, "mode", contains="0777")
    rejects(CreateShm, {"key": "1", "size": "1", "mode": "999"}, "mode")
    rejects(CreateShm, {"key": "banana", "size": "1"}, "key")
    rejects(CreateShm, {"key": "ftok:/nonexistent/file:1", "size": "1"}, "key")
    rejects(CreateShm, {"size": "1"}, "key", contains="required")


def test_create_sem_values_must_match_nsems() -> None:
    request = CreateSem.parse({"key": "0x10", "nsems": "3", "values": "1, 0,0"}, limits=LIMITS)
    assert request.values == (1, 0, 0)
    assert request.c_call().startswith(c_calls.semget_call(0x10, 3, c.IPC_CREAT | 0o600))
    assert request.c_call().endswith("semctl(semid, 0, SETALL, {1, 0, 0})")
    rejects(CreateSem, {"key": "1", "nsems": "2", "values": "1,0,0"}, "values", contains="3 numbers for 2")
    rejects(CreateSem, {"key": "1", "nsems": "1", "values": "40000"}, "values")
    rejects(CreateSem, {"key": "1", "nsems": "1", "values": "1,,2"}, "values")
    rejects(CreateSem, {"key": "1", "nsems": "0"}, "nsems")
    rejects(CreateSem, {"key": "1", "nsems": "251"}, "nsems")


def test_create_posix() -> None:
    queue = CreatePosixQueue.parse({"name": "/jobs", "maxmsg": "4"}, limits=LIMITS)
    assert (queue.maxmsg, queue.msgsize) == (4, LIMITS.mq_msgsize_default)
    assert queue.c_call() == c_calls.mq_open_call("/jobs", c.O_RDWR | c.O_CREAT, 0o600, 4, 8192)
    assert CreatePosixQueue.parse({"name": "/jobs"}, limits=LIMITS).c_call() == \
        c_calls.mq_open_call("/jobs", c.O_RDWR | c.O_CREAT, 0o600)
    rejects(CreatePosixQueue, {"name": "jobs"}, "name")
    rejects(CreatePosixQueue, {"name": "/a/b"}, "name")
    rejects(CreatePosixQueue, {"name": "/q", "maxmsg": "0"}, "maxmsg")
    shm = CreatePosixShm.parse({"name": "/area", "size": "1M"}, limits=LIMITS)
    assert shm.exclusive and shm.size == 1 << 20
    assert CreatePosixShm.parse({"name": "/a", "size": "1", "exclusive": False}, limits=LIMITS).exclusive is False


# --------------------------------------------------------------------------- messages and memory


def test_msg_send_and_receive() -> None:
    send = MsgSend.parse({"id": "5", "type": "7", "data": "hello"}, limits=LIMITS)
    assert send.c_call() == c_calls.msgsnd_call(5, 7, b"hello", 0)
    assert send.may_block
    hexed = MsgSend.parse({"id": "5", "type": "1", "data": "hex:00ff 10", "nowait": "1"}, limits=LIMITS)
    assert hexed.data == b"\x00\xff\x10" and not hexed.may_block
    assert MsgSend.parse({"id": "5", "type": "1", "data": "00ff", "hex": True}, limits=LIMITS).data == b"\x00\xff"
    assert MsgSend.parse({"id": "5", "type": "1", "data": "  "}, limits=LIMITS).data == b"  "
    rejects(MsgSend, {"id": "5", "type": "0", "data": "x"}, "type")
    rejects(MsgSend, {"id": "5", "type": "1", "data": "x" * 8193}, "data", contains="8193 bytes")
    rejects(MsgSend, {"id": "5", "type": "1", "data": "hex:0g"}, "data", contains="hex")
    rejects(MsgSend, {"id": "-1", "type": "1", "data": "x"}, "id")
    receive = MsgReceive.parse({"id": "5", "type": "-3", "noerror": "yes", "nowait": "yes"}, limits=LIMITS)
    assert receive.c_call() == c_calls.msgrcv_call(5, 8192, -3, c.IPC_NOWAIT | c.MSG_NOERROR)
    rejects(MsgReceive, {"id": "5", "type": "0", "except": "yes"}, "except", contains="MSG_EXCEPT")
    assert MsgPeek.parse({"id": "5"}, limits=LIMITS).changes is False


def test_shm_offsets_within_the_segment() -> None:
    target = segment(100)
    read = ShmRead.parse({"offset": "10", "length": "90"}, limits=LIMITS, target=target)
    assert (read.id, read.offset, read.length) == (7, 10, 90)
    rejects(ShmRead, {"offset": "100"}, "offset", target=target)
    rejects(ShmRead, {"offset": "10", "length": "91"}, "length", target=target)
    write = ShmWrite.parse({"offset": "98", "data": "hi"}, limits=LIMITS, target=target)
    assert write.data == b"hi"
    rejects(ShmWrite, {"offset": "99", "data": "hi"}, "data", target=target, contains="only 1 fit")
    rejects(ShmWrite, {"id": "7", "data": ""}, "data", contains="required")


def test_setval_and_setall() -> None:
    target = sem_set(3)
    assert SetVal.parse({"num": "2", "value": "5"}, limits=LIMITS, target=target).c_call() == \
        c_calls.semctl_call(32769, 2, c.SETVAL, 5)
    rejects(SetVal, {"num": "3", "value": "5"}, "num", target=target)
    rejects(SetVal, {"id": "1", "num": "0", "value": "32768"}, "value")
    assert SetAll.parse({"values": "1,2,3"}, limits=LIMITS, target=target).c_call() == \
        c_calls.semctl_call(32769, 0, c.SETALL, [1, 2, 3])
    rejects(SetAll, {"values": "1,2"}, "values", target=target, contains="the set has 3")


def test_timeouts_decide_blocking_for_posix() -> None:
    assert PosixMqSend.parse({"name": "/q", "data": "x"}, limits=LIMITS).may_block
    assert not PosixMqSend.parse({"name": "/q", "data": "x", "timeout": "0"}, limits=LIMITS).may_block
    assert PosixMqReceive.parse({"name": "/q", "timeout": "2"}, limits=LIMITS).may_block
    assert PosixSemWait.parse({"name": "/s"}, limits=LIMITS).may_block
    for bad in ("-1", "nan", "inf", "1e9", "soon"):
        rejects(PosixSemWait, {"name": "/s", "timeout": bad}, "timeout")
    rejects(PosixMqSend, {"name": "/q", "data": "x", "priority": "32768"}, "priority")


def test_set_perms_and_remove() -> None:
    perms = SetPerms.parse({"kind": "shm", "id": "3", "mode": "0640", "owner": "0"}, limits=LIMITS)
    assert perms.c_call() == c_calls.shmctl_call(3, c.IPC_SET, {"uid": 0, "mode": 0o640})
    sem_perms = SetPerms.parse({"kind": "sem", "id": "3", "group": "root"}, limits=LIMITS)
    assert sem_perms.c_call() == c_calls.semctl_call(3, 0, c.IPC_SET, {"gid": 0})
    assert SetPerms.parse({"kind": "pshm", "id": "/x", "mode": "600"}, limits=LIMITS).ident == "/x"
    rejects(SetPerms, {"kind": "shm", "id": "3"}, "mode", contains="give a mode")
    rejects(SetPerms, {"kind": "box", "id": "3", "mode": "600"}, "kind")
    rejects(SetPerms, {"kind": "shm", "id": "3", "owner": "no-such-user-xyz"}, "owner")
    target = segment()
    removal = Remove.parse({}, limits=LIMITS, target=target)
    assert removal.c_call() == "shmctl(7, IPC_RMID, NULL)"
    rejects(Remove, {"kind": "shm", "id": "8"}, "id", target=target, contains="must be shown")
    rejects(Remove, {"kind": "shm", "id": "8"}, "id", contains="must be shown")


# --------------------------------------------------------------------------- preview and json


def test_preview_renders_what_is_known() -> None:
    partial = preview("create-shm", {"key": "0x1c000001", "size": "lots"}, limits=LIMITS)
    assert partial.c_call == "shmget(0x1c000001, size, IPC_CREAT|0600)"
    assert set(partial.errors) == {"size"} and not partial.valid
    empty = preview(SemOp, {}, limits=LIMITS)
    assert empty.c_call == "semop(id, ops, nsops)"
    assert set(empty.errors) == {"id", "ops"}
    done = preview("semop", {"id": "3", "ops": "0:-1"}, limits=LIMITS)
    assert done.valid and done.errors == {} and done.may_block
    assert done.c_call == "semop(3, {{0, -1, 0}}, 1)"
    unknown = preview("no-such-action", {}, limits=LIMITS)
    assert unknown.errors and not unknown.valid


def test_every_action_has_a_form_and_a_json_round_trip() -> None:
    assert {cls.action for cls in ACTIONS.values()} == set(ACTIONS)
    for cls in ACTIONS.values():
        assert cls.title and cls.form, cls
    request = SemOp.parse({"id": "3", "ops": "0:-1:undo"}, limits=LIMITS)
    assert request_from_json(request.to_json()) == request
    send = MsgSend.parse({"id": "3", "type": "2", "data": "hex:00"}, limits=LIMITS)
    assert request_from_json(send.to_json()) == send


def test_actions_for_a_kind() -> None:
    sem_actions = actions.actions_for("sem")
    assert SemOp in sem_actions and SetPerms in sem_actions and Remove in sem_actions
    assert CreateShm not in sem_actions
    assert actions.actions_for("msg", read_only=True) == (MsgPeek,)


def test_public_names() -> None:
    for name in actions.__all__:
        assert hasattr(actions, name), name
