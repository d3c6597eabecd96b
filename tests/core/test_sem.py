import errno
import os
import time

import pytest

from ipcscope.core import bulk, sem
from ipcscope.core.errors import IpcError, ValidationError
from ipcscope.model import Semaphore, SemOpSpec
from tests.core.conftest import reap, sysvipc_row
from tests.helpers import run_as_user, unique_key


def errno_of(call, *args, **kwargs) -> int:
    with pytest.raises(IpcError) as caught:
        call(*args, **kwargs)
    return caught.value.errno


def wait_until(condition, timeout: float = 5.0) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.005)


def test_create_stat_values(new_sem):
    key, semid = new_sem(nsems=3, mode=0o640, values=[1, 0, 2])
    st = sem.stat(semid)
    assert (st.id, st.key, st.nsems, st.perms, st.otime) == (semid, key, 3, 0o640, None)
    assert sem.getall(semid) == (1, 0, 2)
    sem.setall(semid, [5, 6, 7])
    sem.setval(semid, 1, 32767)
    assert (sem.getval(semid, 0), sem.getval(semid, 1)) == (5, 32767)
    assert sem.open_existing(key) == sem.open_existing(key, 3) == semid
    assert errno_of(sem.open_existing, key, 4) == errno.EINVAL
    assert errno_of(sem.create, key, 3, exclusive=True) == errno.EEXIST
    assert errno_of(sem.open_existing, unique_key()) == errno.ENOENT
    error = pytest.raises(IpcError, sem.setval, semid, 0, 32768).value
    assert error.errno == errno.ERANGE and error.call == f"semctl({semid}, 0, SETVAL, 32768)"
    assert errno_of(sem.setall, semid, [0, 40000, 0]) == errno.ERANGE
    with pytest.raises(ValidationError):
        sem.setall(semid, [1, 2])
    with pytest.raises(ValidationError):
        sem.create(unique_key(), 2, values=[1])


def test_semop(new_sem):
    _, semid = new_sem(nsems=3, values=[1, 0, 0])
    sem.semop(semid, [SemOpSpec(0, -1), SemOpSpec(2, +2)])
    assert sem.getall(semid) == (0, 0, 2)
    assert sem.getpid(semid, 2) == os.getpid() and sem.stat(semid).otime
    # all or nothing: the second op would block, so the first is not applied either
    error = pytest.raises(IpcError, sem.semop, semid, [(2, -1), (0, -1, sem.IPC_NOWAIT | sem.SEM_UNDO)]).value
    assert error.errno == errno.EAGAIN
    assert error.call == f"semop({semid}, {{{{2, -1, 0}}, {{0, -1, IPC_NOWAIT|SEM_UNDO}}}}, 2)"
    assert sem.getall(semid) == (0, 0, 2)
    assert errno_of(sem.semop, semid, [(2, 0, sem.IPC_NOWAIT)]) == errno.EAGAIN  # wait-for-zero
    sem.semop(semid, [(1, 0, sem.IPC_NOWAIT)])
    assert errno_of(sem.semop, semid, [(3, 1)]) == errno.EFBIG
    assert errno_of(sem.semop, semid, [(2, 32767)]) == errno.ERANGE
    with pytest.raises(ValidationError):
        sem.semop(semid, [])
    with pytest.raises(ValidationError):
        sem.semop(semid, [(0, 40000)])


def test_semtimedop_times_out_with_eagain(new_sem):
    _, semid = new_sem()
    started = time.monotonic()
    error = pytest.raises(IpcError, sem.semop, semid, [(0, -1)], timeout=0.1).value
    assert 0.09 < time.monotonic() - started < 1
    assert error.errno == errno.EAGAIN and error.call.startswith(f"semtimedop({semid}, {{{{0, -1, 0}}}}, 1, {{0, 1")
    sem.setval(semid, 0, 1)
    sem.semop(semid, [(0, -1)], timeout=0.1)
    assert sem.getval(semid, 0) == 0


def test_waiter_in_child_counts_then_gets_eidrm(new_sem):
    _, semid = new_sem(nsems=2)
    pid = os.fork()
    if pid == 0:
        code = 0
        try:
            sem.semop(semid, [(1, -1, sem.SEM_UNDO)])
        except IpcError as error:
            code = error.errno
        finally:
            os._exit(code)
    try:
        wait_until(lambda: sem.getncnt(semid, 1) == 1)
        assert sem.semaphores(semid) == (Semaphore(0, 0, 0, 0, 0), Semaphore(1, 0, 1, 0, 0))
        sem.remove(semid)
    finally:
        status = reap(pid)
    assert os.waitstatus_to_exitcode(status) == errno.EIDRM
    assert errno_of(sem.semop, semid, [(0, 1)]) == errno.EINVAL
    assert errno_of(sem.stat, semid) == errno.EINVAL


def test_sem_undo_is_reverted_at_exit(new_sem):
    _, semid = new_sem()
    pid = os.fork()
    if pid == 0:
        try:
            sem.semop(semid, [(0, +1, sem.SEM_UNDO)])
        finally:
            os._exit(0)
    reap(pid)
    assert sem.getval(semid, 0) == 0 and sem.getpid(semid, 0) == pid


def test_set_perms_info_limits(new_sem):
    _, semid = new_sem(nsems=4)
    sem.set_perms(semid, mode=0o664)
    assert sysvipc_row("sem", semid)["perms"] == "664"
    usage = sem.info()
    assert usage.sets >= 1 and usage.semaphores >= 4 and usage.max_index >= semid % 32768
    semmsl, semmns, semopm, semmni = map(int, open("/proc/sys/kernel/sem").read().split())
    limits = sem.limits()
    assert (limits.semmsl, limits.semmns, limits.semopm, limits.semmni, limits.semvmx) == (
        semmsl, semmns, semopm, semmni, 32767)
    assert sem.stat_any(semid % 32768).nsems == 4


def test_nobody_refused_on_0600(new_sem):
    _, semid = new_sem(mode=0o600)

    def as_nobody():
        return [errno_of(call) for call in (
            lambda: sem.semop(semid, [(0, 1)]), lambda: sem.getall(semid),
            lambda: sem.getval(semid, 0), lambda: sem.setval(semid, 0, 1), lambda: sem.remove(semid),
        )]

    assert run_as_user(as_nobody) == [errno.EACCES] * 4 + [errno.EPERM]


def test_nobody_can_use_0666(new_sem):
    _, semid = new_sem(mode=0o666)

    def as_nobody():
        sem.semop(semid, [(0, 3)])
        sem.semop(semid, [(0, -1, sem.SEM_UNDO)])
        return sem.getall(semid), errno_of(sem.set_perms, semid, mode=0o600)

    assert run_as_user(as_nobody) == ((2,), errno.EPERM)
    assert sem.getval(semid, 0) == 3  # the child's SEM_UNDO was reverted when it exited


def test_semaphore_table_many_sets_one_buffer(new_sem):
    """Sets of growing and shrinking sizes share the GETALL array; a removed set is an IpcError."""
    ids = [new_sem(nsems=n, values=list(range(1, n + 1)))[1] for n in (1, 4, 2)]
    _, gone = new_sem(nsems=1)
    sem.remove(gone)
    table = bulk.semaphore_table([*ids, gone, ids[0]])
    assert [[row[:2] for row in rows] for rows in table[:3]] == [
        [(0, 1)], [(0, 1), (1, 2), (2, 3), (3, 4)], [(0, 1), (1, 2)]]
    assert table[0] == table[4] and [Semaphore(*row) for row in table[1]] == list(sem.semaphores(ids[1]))
    assert isinstance(table[3], IpcError) and table[3].errno == errno.EINVAL
    assert table[3].call == f"semctl({gone}, 0, IPC_STAT, &ds)"


def test_semaphore_table_refused_to_nobody(new_sem):
    _, semid = new_sem(mode=0o600)

    def as_nobody():
        (result,) = bulk.semaphore_table([semid])
        return result.errno

    assert run_as_user(as_nobody) == errno.EACCES
