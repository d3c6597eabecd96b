import errno
import os
import threading
import time

import pytest

from ipcscope.core import bulk, msg
from ipcscope.core.errors import IpcError, ValidationError
from ipcscope.core.msg import Message
from tests.core.conftest import reap, sysvipc_row
from tests.helpers import run_as_user, unique_key


def errno_of(call, *args, **kwargs) -> int:
    with pytest.raises(IpcError) as caught:
        call(*args, **kwargs)
    return caught.value.errno


def test_create_stat_open(new_msg):
    key, msqid = new_msg(mode=0o640)
    st = msg.stat(msqid)
    assert (st.id, st.key, st.perms, st.qnum, st.cbytes, st.uid) == (msqid, key, 0o640, 0, 0, os.geteuid())
    assert st.qbytes == int(open("/proc/sys/kernel/msgmnb").read())
    assert st.stime is None and st.rtime is None and st.ctime
    assert msg.open_existing(key) == msqid == msg.create(key)
    assert errno_of(msg.create, key, exclusive=True) == errno.EEXIST
    assert errno_of(msg.open_existing, unique_key()) == errno.ENOENT


def test_receive_by_type(new_msg):
    _, msqid = new_msg()
    for mtype, data in [(3, b"three"), (1, b"one"), (7, b"seven"), (2, b"two")]:
        msg.send(msqid, mtype, data)
    st = msg.stat(msqid)
    assert (st.qnum, st.cbytes, st.lspid) == (4, 16, os.getpid())
    assert msg.receive(msqid, 3, except_type=True) == Message(1, b"one")  # first of any other type
    assert msg.receive(msqid, -5) == Message(2, b"two")  # lowest type <= 5
    assert msg.receive(msqid, 7) == Message(7, b"seven")
    assert errno_of(msg.receive, msqid, 9, nowait=True) == errno.ENOMSG
    error = pytest.raises(IpcError, msg.receive, msqid, 0, maxsize=2).value
    assert error.errno == errno.E2BIG and error.call == f"msgrcv({msqid}, buf, 2, 0, 0)"
    assert msg.receive(msqid, 0, maxsize=2, noerror=True) == Message(3, b"th")  # truncated, consumed
    assert msg.stat(msqid).qnum == 0


def test_peek_does_not_consume(new_msg):
    _, msqid = new_msg()
    for mtype, data in [(3, b"three"), (1, b"one"), (7, b"seven")]:
        msg.send(msqid, mtype, data)
    before = msg.stat(msqid)
    assert msg.peek(msqid, 1) == Message(1, b"one")
    assert msg.peek(msqid, 3) is None
    assert msg.peek_all(msqid) == [Message(3, b"three"), Message(1, b"one"), Message(7, b"seven")]
    assert msg.peek_all(msqid, limit=2) == [Message(3, b"three"), Message(1, b"one")]
    after = msg.stat(msqid)
    assert (after.qnum, after.lrpid, after.rtime) == (before.qnum, before.lrpid, before.rtime) == (3, 0, None)


def test_full_queue_and_timeouts(new_msg):
    _, msqid = new_msg()
    msg.set_attrs(msqid, qbytes=10)
    assert msg.stat(msqid).qbytes == 10
    msg.send(msqid, 1, b"12345678")
    error = pytest.raises(IpcError, msg.send, msqid, 1, b"abc", nowait=True).value
    assert error.errno == errno.EAGAIN and error.call == f'msgsnd({msqid}, {{1, "abc"}}, 3, IPC_NOWAIT)'
    started = time.monotonic()
    assert errno_of(msg.send, msqid, 1, b"abc", timeout=0.1) == errno.ETIMEDOUT
    assert 0.09 < time.monotonic() - started < 1
    msg.receive(msqid)
    started = time.monotonic()
    assert errno_of(msg.receive, msqid, timeout=0.1) == errno.ETIMEDOUT
    assert 0.09 < time.monotonic() - started < 1
    assert errno_of(msg.receive, msqid, timeout=0) == errno.ETIMEDOUT
    msg.send(msqid, 4, b"x", timeout=1)
    assert msg.receive(msqid, timeout=1) == Message(4, b"x")


def test_timeout_needs_main_thread(new_msg):
    _, msqid = new_msg()
    caught = []
    thread = threading.Thread(
        target=lambda: caught.append(pytest.raises(ValidationError, msg.receive, msqid, timeout=0.1)))
    thread.start()
    thread.join(5)
    assert caught and caught[0].value.field == "timeout"


def test_bad_input_is_refused_before_the_call(new_msg):
    _, msqid = new_msg()
    for call in (lambda: msg.send(msqid, 0, b"x"), lambda: msg.send(msqid, 1, "text"),
                 lambda: msg.receive(msqid, maxsize=-1), lambda: msg.create(0x1234, mode=0o1000),
                 lambda: msg.open_existing(0), lambda: msg.receive(msqid, timeout=-1)):
        with pytest.raises(ValidationError):
            call()


def test_receiver_in_child_gets_eidrm(new_msg):
    _, msqid = new_msg()
    pid = os.fork()
    if pid == 0:
        code = 0
        try:
            msg.receive(msqid, 5)
        except IpcError as error:
            code = error.errno
        finally:
            os._exit(code)
    try:
        deadline = time.monotonic() + 5
        while not open(f"/proc/{pid}/wchan").read().startswith("do_msgrcv") and time.monotonic() < deadline:
            time.sleep(0.005)
        msg.remove(msqid)
    finally:
        status = reap(pid)
    assert os.waitstatus_to_exitcode(status) == errno.EIDRM
    assert errno_of(msg.stat, msqid) == errno.EINVAL
    assert errno_of(msg.send, msqid, 1, b"x") == errno.EINVAL


def test_set_attrs_and_info(new_msg):
    _, msqid = new_msg()
    msg.set_attrs(msqid, mode=0o604, gid=100)
    row = sysvipc_row("msg", msqid)
    assert (row["perms"], row["gid"]) == ("604", "100")
    msg.send(msqid, 1, b"abc")
    usage = msg.info()
    assert usage.queues >= 1 and usage.messages >= 1 and usage.bytes >= 3 and usage.max_index >= msqid % 32768
    limits = msg.limits()
    assert (limits.msgmax, limits.msgmnb, limits.msgmni) == tuple(
        int(open(f"/proc/sys/kernel/{name}").read()) for name in ("msgmax", "msgmnb", "msgmni"))
    assert msg.stat_any(msqid % 32768).id == msqid


def test_nobody_refused_on_0600(new_msg):
    _, msqid = new_msg(mode=0o600)
    msg.send(msqid, 1, b"secret")

    def as_nobody():
        out = {}
        for name, call in [("send", lambda: msg.send(msqid, 1, b"x", nowait=True)),
                           ("receive", lambda: msg.receive(msqid, nowait=True)),
                           ("peek", lambda: msg.peek(msqid, 0)), ("stat", lambda: msg.stat(msqid)),
                           ("remove", lambda: msg.remove(msqid)),
                           ("set_attrs", lambda: msg.set_attrs(msqid, mode=0o666))]:
            out[name] = errno_of(call)
        return out

    assert run_as_user(as_nobody) == {
        "send": errno.EACCES, "receive": errno.EACCES, "peek": errno.EACCES, "stat": errno.EACCES,
        "remove": errno.EPERM, "set_attrs": errno.EACCES,
    }
    assert msg.stat(msqid).qnum == 1


def test_nobody_can_use_0666(new_msg):
    _, msqid = new_msg(mode=0o666)

    def as_nobody():
        msg.send(msqid, 2, b"hi")
        return msg.peek(msqid, 0), msg.receive(msqid), errno_of(msg.set_attrs, msqid, qbytes=1)

    assert run_as_user(as_nobody) == (Message(2, b"hi"), Message(2, b"hi"), errno.EPERM)


def test_qbytes_table(new_msg):
    """One buffer for many queues; a removed queue is an IpcError; nobody is refused on 0600."""
    _, small = new_msg()
    _, default = new_msg(mode=0o600)
    _, gone = new_msg()
    msg.remove(gone)
    msg.set_attrs(small, qbytes=10)
    table = bulk.qbytes_table([small, default, gone])
    assert table[:2] == [10, msg.stat(default).qbytes] == [msg.qbytes(small), msg.qbytes(default)]
    assert isinstance(table[2], IpcError) and table[2].errno == errno.EINVAL
    assert table[2].call == f"msgctl({gone}, IPC_STAT, &ds)"
    assert run_as_user(lambda: bulk.qbytes_table([default])[0].errno) == errno.EACCES
