"""Process scan against real processes holding or blocked on POSIX queues, shm and semaphores."""

from __future__ import annotations

import contextlib
import mmap
import os
import time

import pytest

from ipcscope.probe.processes import ProcessScanner
from tests.helpers import unique_name
from tests.probe import ipc_calls as ipc
from tests.probe.scan_helpers import (
    children,
    poll,
    posix_queue,
    posix_semaphore,
    posix_shm,
    sleep_forever,
    snapshot,
)

pytestmark = pytest.mark.usefixtures("root_only")


def wait_for_file(path: str, timeout: float = 10.0) -> None:
    deadline = time.monotonic() + timeout
    while not os.path.exists(path):
        assert time.monotonic() < deadline, f"{path} never appeared"
        time.sleep(0.005)


@pytest.fixture
def mq():
    """A queue of 2 messages of 64 bytes: (name, descriptor held by the test process)."""
    name = unique_name("ipcscope_scan")
    mqd = ipc.mq_open(name, create=True, maxmsg=2)
    try:
        yield name, mqd
    finally:
        os.close(mqd)
        ipc.mq_unlink(name)


def test_queue_receiver_and_sender_are_resolved_from_their_descriptors(mq) -> None:
    name, mqd = mq
    row = f"pmq:{name}"
    other = unique_name("ipcscope_scan")
    other_mqd = ipc.mq_open(other, create=True, maxmsg=1)
    try:
        ipc.mq_send(other_mqd, b"fills it")

        def receive() -> None:
            fd = ipc.mq_open(name)
            os.dup2(fd, 40)  # an unusual descriptor number: the name comes from the link, not a guess
            ipc.mq_receive(40)

        def send() -> None:
            ipc.mq_send(ipc.mq_open(other), b"blocked!", 3)

        snap = lambda: snapshot(pmq=(posix_queue(name, mqd), posix_queue(other, other_mqd)))  # noqa: E731
        with children() as kids:
            receiver = kids.spawn(receive)
            sender = kids.spawn(send)
            scan = poll(ProcessScanner(), snap,
                        lambda s: len(s.waiters_of(row)) == 1 and len(s.waiters_of(f"pmq:{other}")) == 1)
        [waiter] = scan.waiters_of(row)
        assert (waiter.pid, waiter.op, waiter.state) == (receiver, "mq_receive", "waiting")
        [waiter] = scan.waiters_of(f"pmq:{other}")
        assert (waiter.pid, waiter.op, waiter.size) == (sender, "mq_send", 8)
        assert {receiver, os.getpid()} <= {p.pid for p in scan.holders_of(row)}
        assert sender in {p.pid for p in scan.holders_of(f"pmq:{other}")}
    finally:
        os.close(other_mqd)
        ipc.mq_unlink(other)


def test_queue_holders_by_name_when_the_queues_could_not_be_listed(mq) -> None:
    name, mqd = mq
    with children() as kids:
        holder = kids.spawn(lambda: (ipc.mq_open(name), sleep_forever()))
        scan = poll(ProcessScanner(), lambda: snapshot(mqueue_source="none"),
                    lambda s: holder in {p.pid for p in s.holders_of(f"pmq:{name}")})
    assert os.getpid() in {p.pid for p in scan.holders_of(f"pmq:{name}")}


def test_without_posix_kinds_no_descriptor_is_read(mq) -> None:
    """`list --type shm,msg,sem` asks for SysV kinds only: queue holders (from fd links) are not
    looked for, so the same scan that finds them for all kinds finds none."""
    name, _ = mq
    row = f"pmq:{name}"
    scanner = ProcessScanner()
    everything = scanner.scan(snapshot(mqueue_source="none"))
    sysv_only = scanner.scan(snapshot(mqueue_source="none"), kinds=("shm", "msg", "sem"))
    assert os.getpid() in {p.pid for p in everything.holders_of(row)}
    assert sysv_only.holders_of(row) == () and os.getpid() in sysv_only.processes


def test_a_file_at_the_root_is_not_taken_for_a_queue(mq) -> None:
    """A queue descriptor's link reads "/name", exactly like a file at "/": statfs tells them apart."""
    name, mqd = mq
    path = f"/{name[1:]}"  # the live queue's name, so matching by name alone would be wrong
    try:
        fd = os.open(path, os.O_CREAT | os.O_EXCL | os.O_RDWR, 0o600)
    except OSError:
        pytest.skip("cannot create a file at /")
    ready_read, ready_write = os.pipe()
    try:
        def hold_only_the_file() -> None:
            os.close(mqd)  # the inherited queue descriptor; `fd` (the file) stays open
            os.write(ready_write, b"1")
            sleep_forever()

        with children() as kids:
            holder = kids.spawn(hold_only_the_file)
            os.read(ready_read, 1)
            assert os.readlink(f"/proc/{holder}/fd/{fd}") == path
            scan = ProcessScanner().scan(snapshot(mqueue_source="none"))
        assert holder in scan.processes
        assert holder not in {p.pid for p in scan.holders_of(f"pmq:{name}")}
        assert os.getpid() in {p.pid for p in scan.holders_of(f"pmq:{name}")}  # the real queue fd
    finally:
        os.close(fd)
        os.unlink(path)
        os.close(ready_read)
        os.close(ready_write)


def test_named_semaphore_waiters_creator_and_opener_matched_by_inode() -> None:
    name = unique_name("ipcscope_scan")
    row = f"psem:{name}"

    def creator() -> None:
        ipc.sem_wait(ipc.sem_open(name, create=True, value=0))  # maps glibc's sem.XXXXXX temp file

    def opener() -> None:
        ipc.sem_wait(ipc.sem_open(name))  # maps sem.NAME

    try:
        with children() as kids:
            first = kids.spawn(creator)
            wait_for_file(f"/dev/shm/sem.{name[1:]}")  # the opener needs the name linked
            second = kids.spawn(opener)
            snap = lambda: snapshot(psem=(posix_semaphore(name),))  # noqa: E731
            scan = poll(ProcessScanner(), snap, lambda s: len(s.waiters_of(row)) == 2)
        assert {(w.pid, w.op, w.state) for w in scan.waiters_of(row)} == {
            (first, "futex", "waiting"), (second, "futex", "waiting")}
        assert [p.pid for p in scan.holders_of(row)] == sorted([first, second])
    finally:
        with contextlib.suppress(FileNotFoundError):
            ipc.sem_unlink(name)


def test_posix_shm_held_by_a_mapping_after_close_and_by_an_open_descriptor() -> None:
    name = unique_name("ipcscope_scan")
    path = f"/dev/shm{name}"
    fd = os.open(path, os.O_CREAT | os.O_EXCL | os.O_RDWR, 0o600)
    try:
        os.ftruncate(fd, 4096)

        def map_then_close() -> None:
            own = os.open(path, os.O_RDWR)
            mapped = mmap.mmap(own, 4096)
            os.close(own)
            mapped[:5] = b"hello"
            sleep_forever()

        with children() as kids:
            mapper = kids.spawn(map_then_close)
            opener = kids.spawn(sleep_forever)  # inherits the open descriptor, maps nothing
            row = f"pshm:{name}"
            scan = poll(ProcessScanner(), lambda: snapshot(pshm=(posix_shm(name),)),
                        lambda s: {mapper, opener} <= {p.pid for p in s.holders_of(row)})
        # a file of the same name elsewhere does not count: matching is by (dev, inode)
        assert {p.pid for p in scan.holders_of(row)} >= {mapper, opener, os.getpid()}
    finally:
        os.close(fd)
        os.unlink(path)
