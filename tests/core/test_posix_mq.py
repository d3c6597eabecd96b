import errno
import os
import time

import pytest

from ipcscope.core import mount, posix_mq
from ipcscope.core.errors import IpcError, ValidationError
from tests.helpers import run_as_user, unique_name


def errno_of(call, *args, **kwargs) -> int:
    with pytest.raises(IpcError) as caught:
        call(*args, **kwargs)
    return caught.value.errno


@pytest.fixture
def queue(cleanup):
    """A new queue (maxmsg 2, msgsize 16) and its descriptor, unlinked and closed afterwards."""
    name = unique_name()
    mqd = posix_mq.open(name, create=True, exclusive=True, mode=0o600, maxmsg=2, msgsize=16)
    cleanup(lambda: posix_mq.unlink(name))
    cleanup(lambda: posix_mq.close(mqd))
    return name, mqd


def test_priorities_and_attrs(queue):
    _, mqd = queue
    posix_mq.send(mqd, b"low", 1)
    posix_mq.send(mqd, b"high", 30000)
    assert posix_mq.getattr(mqd) == posix_mq.MqAttr(0, 2, 16, 2)
    assert posix_mq.receive(mqd) == (b"high", 30000)
    assert posix_mq.receive(mqd, timeout=1) == (b"low", 1)
    with pytest.raises(ValidationError):
        posix_mq.send(mqd, b"x", priority=32768)


def test_timeouts(queue):
    _, mqd = queue
    started = time.monotonic()
    error = pytest.raises(IpcError, posix_mq.receive, mqd, timeout=0.1).value
    assert error.errno == errno.ETIMEDOUT and error.call_name == "mq_timedreceive"
    assert 0.09 < time.monotonic() - started < 1
    posix_mq.send(mqd, b"1")
    posix_mq.send(mqd, b"2", timeout=0.1)
    assert errno_of(posix_mq.send, mqd, b"3", timeout=0.05) == errno.ETIMEDOUT


def test_nonblock_and_sizes(queue):
    name, mqd = queue
    nonblocking = posix_mq.open(name, readonly=True, nonblock=True)
    try:
        assert posix_mq.getattr(nonblocking).nonblock
        error = pytest.raises(IpcError, posix_mq.receive, nonblocking).value
        assert error.errno == errno.EAGAIN and error.call == f"mq_receive({nonblocking}, buf, 16, &prio)"
        assert errno_of(posix_mq.send, nonblocking, b"x") == errno.EBADF  # opened read-only
    finally:
        posix_mq.close(nonblocking)
    posix_mq.setattr(mqd, nonblock=True)
    posix_mq.send(mqd, b"a")
    posix_mq.send(mqd, b"b")
    assert errno_of(posix_mq.send, mqd, b"c") == errno.EAGAIN
    posix_mq.setattr(mqd, nonblock=False)
    assert not posix_mq.getattr(mqd).nonblock
    assert errno_of(posix_mq.send, mqd, b"x" * 17, timeout=0) == errno.EMSGSIZE


def test_open_failures(queue, cleanup):
    name, _ = queue
    assert errno_of(posix_mq.open, name, create=True, exclusive=True) == errno.EEXIST
    assert errno_of(posix_mq.open, unique_name()) == errno.ENOENT
    error = pytest.raises(IpcError, posix_mq.open, unique_name(), create=True, maxmsg=100000, msgsize=16).value
    assert error.errno == errno.EINVAL and ".mq_maxmsg=100000" in error.call
    other = unique_name()
    mqd = posix_mq.open(other, create=True, msgsize=32)  # maxmsg from msg_default
    cleanup(lambda: posix_mq.unlink(other))
    try:
        assert posix_mq.getattr(mqd).maxmsg == int(open("/proc/sys/fs/mqueue/msg_default").read())
    finally:
        posix_mq.close(mqd)
    posix_mq.unlink(other)
    assert errno_of(posix_mq.unlink, other) == errno.ENOENT
    with pytest.raises(ValidationError):
        posix_mq.open(name, readonly=True, writeonly=True)


def test_nobody(queue, cleanup):
    name, _ = queue
    shared = unique_name()
    old_umask = os.umask(0)
    try:
        mqd = posix_mq.open(shared, create=True, mode=0o666, maxmsg=2, msgsize=16)
    finally:
        os.umask(old_umask)
    cleanup(lambda: posix_mq.unlink(shared))
    posix_mq.close(mqd)

    def as_nobody():
        refused = errno_of(posix_mq.open, name), errno_of(posix_mq.unlink, name)
        mine = posix_mq.open(shared)
        try:
            posix_mq.send(mine, b"hello", 3)
            return refused, posix_mq.receive(mine)
        finally:
            posix_mq.close(mine)

    assert run_as_user(as_nobody) == ((errno.EACCES, errno.EACCES), (b"hello", 3))


def test_detached_mount_lists_queue(queue, root_only):
    name, mqd = queue
    posix_mq.send(mqd, b"12345")
    mountinfo = open("/proc/self/mountinfo").read()
    with mount.detached_mqueue() as fd:
        assert name[1:] in os.listdir(fd)
        handle = os.open(name[1:], os.O_RDONLY, dir_fd=fd)
        try:
            assert os.read(handle, 200).startswith(b"QSIZE:5 ")
        finally:
            os.close(handle)
    assert open("/proc/self/mountinfo").read() == mountinfo


def test_detached_mount_fails_cleanly_as_nobody():
    def as_nobody():
        return pytest.raises(IpcError, mount.open_detached_mqueue).value

    error = run_as_user(as_nobody)
    assert error.errno == errno.EPERM
    assert str(error) == (
        'fsopen("mqueue", FSOPEN_CLOEXEC) failed: EPERM: creating a mount needs CAP_SYS_ADMIN (run as root)'
    )
