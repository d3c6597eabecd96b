"""The incremental SysV path (probe.incremental.SysvCache) against the real kernel: a value that
another process changes shows at the next poll even when nothing in /proc/sysvipc moves."""

from __future__ import annotations

import os
import time

import pytest

from ipcscope.core import msg, sem
from ipcscope.probe import take_snapshot
from ipcscope.probe.incremental import SysvCache
from tests.helpers import unique_key


@pytest.fixture
def semset():
    semid = sem.create(unique_key(), 1, mode=0o600)
    yield semid
    sem.remove(semid)


def _values(cache: SysvCache, semid: int) -> tuple[int, int]:
    [found] = [s for s in take_snapshot(kinds=["sem"], sysv_cache=cache).sem if s.id == semid]
    assert found.semaphores is not None
    return found.semaphores[0].value, found.semaphores[0].pid


def _sem_line(semid: int) -> bytes:
    with open("/proc/sysvipc/sem", "rb") as handle:
        return next(line for line in handle.read().split(b"\n")[1:] if line.split()[1:2] == [str(semid).encode()])


def test_sem_undo_at_exit_shows_at_next_poll(semset: int) -> None:
    """A child raises the semaphore with SEM_UNDO and exits: the kernel undoes it (value back to
    0, sempid the child's) without moving sem_otime or anything else in the /proc line."""
    cache = SysvCache()
    read, write = os.pipe()
    pid = os.fork()
    if pid == 0:  # child: +1 with SEM_UNDO, wait for the parent's poll, then exit
        os.close(write)
        sem.semop(semset, [(0, 1, sem.SEM_UNDO)])
        os.read(read, 1)
        os._exit(0)
    os.close(read)
    deadline = time.monotonic() + 10
    while sem.getall(semset) != (1,):
        assert time.monotonic() < deadline
        time.sleep(0.01)
    assert _values(cache, semset) == (1, pid)
    line_before = _sem_line(semset)
    os.write(write, b"x")
    os.close(write)
    os.waitpid(pid, 0)
    assert sem.getall(semset) == (0,)
    assert _sem_line(semset) == line_before  # the case: /proc shows no change
    assert _values(cache, semset) == (0, pid)


def test_two_semops_in_one_second_show(semset: int) -> None:
    """sem_otime has one-second resolution: polls between two semops of the same second see the
    same /proc line, and must still show each value."""
    cache = SysvCache()
    for _ in range(5):  # retry until the three steps fall in one second
        sem.setall(semset, [0])
        take_snapshot(kinds=["sem"], sysv_cache=cache)
        second = int(time.time())
        sem.semop(semset, [(0, 1)])
        first_line, first = _sem_line(semset), _values(cache, semset)
        sem.semop(semset, [(0, 1)])
        second_line, then = _sem_line(semset), _values(cache, semset)
        if int(time.time()) == second:
            break
    assert first_line == second_line
    assert first[0] == 1 and then[0] == 2


def test_qbytes_set_twice_in_one_second_shows() -> None:
    """IPC_SET moves msg_ctime only to the current second: a second change in that second leaves
    the line as it was, so a qbytes read in that second is not trusted at the next poll."""
    msqid = msg.create(unique_key(), mode=0o600)
    try:
        cache = SysvCache()

        def qbytes() -> int | None:
            [queue] = [q for q in take_snapshot(kinds=["msg"], sysv_cache=cache).msg if q.id == msqid]
            return queue.qbytes

        start = msg.stat(msqid).qbytes
        for _ in range(5):
            second = int(time.time())
            msg.set_attrs(msqid, qbytes=start - 1)
            assert qbytes() == start - 1
            msg.set_attrs(msqid, qbytes=start - 2)
            assert qbytes() == start - 2
            if int(time.time()) == second:
                break
    finally:
        msg.remove(msqid)


def test_cached_polls_equal_full_snapshots(semset: int) -> None:
    """Reused objects are the objects a full snapshot builds (after the first poll too)."""
    msqid = msg.create(unique_key(), mode=0o600)
    try:
        cache = SysvCache()
        for _ in range(2):
            cached = take_snapshot(kinds=["sem", "msg"], sysv_cache=cache)
            full = take_snapshot(kinds=["sem", "msg"])
            mine = {semset, msqid}
            assert [s for s in cached.sem if s.id in mine] == [s for s in full.sem if s.id in mine]
            assert [q for q in cached.msg if q.id in mine] == [q for q in full.msg if q.id in mine]
    finally:
        msg.remove(msqid)
