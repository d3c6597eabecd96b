"""Process scan against real processes blocked on, or attached to, System V objects (as root)."""

from __future__ import annotations

import os
import signal
import threading
import time

import pytest

from ipcscope.core import sem as core_sem
from ipcscope.model import SemOpSpec
from ipcscope.probe.processes import ProcessScanner
from tests.helpers import unique_key
from tests.probe import ipc_calls as ipc
from tests.probe.scan_helpers import children, poll, sem_set, shm_segment, sleep_forever, snapshot

pytestmark = pytest.mark.usefixtures("root_only")

UNDO = ipc.SEM_UNDO


@pytest.fixture
def semaphore_set():
    """A 3-semaphore set with values (0, 1, 1); removed afterwards."""
    semid = ipc.sem_create(unique_key(), (0, 1, 1), mode=0o666)
    try:
        yield semid
    finally:
        ipc.sem_remove(semid)


def sem_snapshot(semid: int):
    return lambda: snapshot(sem=(sem_set(semid, 3),))


def wait_for_state(pid: int, state: str, timeout: float = 10.0) -> None:
    """Until /proc/PID/stat shows `state` (the letter after the command's closing parenthesis)."""
    deadline = time.monotonic() + timeout
    while True:
        with open(f"/proc/{pid}/stat", "rb") as handle:
            if handle.read().rsplit(b")", 1)[1].split()[0].decode() == state:
                return
        assert time.monotonic() < deadline, f"pid {pid} never reached state {state}"
        time.sleep(0.001)


def waiters_count(row_key: str, count: int, state: str = "waiting"):
    return lambda scan: sum(w.state == state for w in scan.waiters_of(row_key)) == count


def test_multi_operation_semop_waiters_decoded_with_blocking_operation(semaphore_set: int) -> None:
    semid, row = semaphore_set, f"sem:{semaphore_set}"
    with children() as kids:
        # glibc semop (enters as semtimedop 220): sem1 1->0 passes, then sem0 0-1 blocks
        a = kids.spawn(lambda: ipc.semop(semid, [(1, -1, UNDO), (0, -1, 0)]))
        # raw semop (65): wait-for-zero on sem2, which is 1
        b = kids.spawn(lambda: ipc.semop(semid, [(2, 0, 0)], raw=True))
        # semtimedop with a timeout: sem0 +1 would pass, sem2 -2 blocks
        c = kids.spawn(lambda: ipc.semop(semid, [(0, +1, UNDO), (2, -2, ipc.SEM_UNDO)], timeout=60))
        scan = poll(ProcessScanner(), sem_snapshot(semid), waiters_count(row, 3))

    by_pid = {w.pid: w for w in scan.waiters_of(row)}
    assert by_pid[a].ops == (SemOpSpec(1, -1, UNDO), SemOpSpec(0, -1, 0))
    assert by_pid[a].blocked_on == 0
    assert by_pid[b].ops == (SemOpSpec(2, 0, 0),)
    assert by_pid[b].blocked_on == 2
    assert by_pid[c].ops == (SemOpSpec(0, 1, UNDO), SemOpSpec(2, -2, UNDO))
    assert by_pid[c].blocked_on == 2
    for pid, waiter in by_pid.items():
        assert (waiter.tid, waiter.op, waiter.state, waiter.uid, waiter.user) == (pid, "semop", "waiting", 0, "root")
        assert waiter.comm == scan.processes[pid].comm
        assert waiter.since <= scan.taken_at  # first seen in this or an earlier poll


def test_waiter_in_a_second_thread_is_found_on_that_task_only(semaphore_set: int) -> None:
    semid, row = semaphore_set, f"sem:{semaphore_set}"
    read_end, write_end = os.pipe()

    def two_threads() -> None:
        def blocked() -> None:
            os.write(write_end, threading.get_native_id().to_bytes(4, "little"))
            ipc.semop(semid, [(0, -1, 0)])
        threading.Thread(target=blocked, daemon=True).start()
        sleep_forever()

    with children() as kids:
        pid = kids.spawn(two_threads)
        tid = int.from_bytes(os.read(read_end, 4), "little")
        scan = poll(ProcessScanner(), sem_snapshot(semid), waiters_count(row, 1))
    os.close(read_end)
    os.close(write_end)
    assert tid != pid
    [waiter] = scan.waiters_of(row)
    assert (waiter.pid, waiter.tid, waiter.ops, waiter.blocked_on) == (pid, tid, (SemOpSpec(0, -1, 0),), 0)


def test_waiter_in_a_process_whose_main_thread_exited(semaphore_set: int) -> None:
    """pthread_exit() in main: /proc/PID/{maps,mem,ns} go empty; the live thread's files do not."""
    semid, row = semaphore_set, f"sem:{semaphore_set}"

    def orphaned_thread() -> None:
        threading.Thread(target=lambda: ipc.semop(semid, [(2, -2, 0)]), daemon=True).start()
        time.sleep(0.05)
        ipc.libc.pthread_exit(None)

    with children() as kids:
        pid = kids.spawn(orphaned_thread)
        scan = poll(ProcessScanner(), sem_snapshot(semid), waiters_count(row, 1))
    [waiter] = scan.waiters_of(row)
    assert (waiter.pid, waiter.ops, waiter.blocked_on) == (pid, (SemOpSpec(2, -2, 0),), 2)
    assert waiter.tid != pid


def test_stopped_waiter_is_stopped_with_the_same_since_then_waiting_again(semaphore_set: int) -> None:
    semid, row = semaphore_set, f"sem:{semaphore_set}"
    clock_values = iter(range(1000, 100000, 10))
    scanner = ProcessScanner(clock=lambda: float(next(clock_values)))
    with children() as kids:
        pid = kids.spawn(lambda: ipc.semop(semid, [(0, -1, UNDO)], raw=True, retry_eintr=True))
        first = poll(scanner, sem_snapshot(semid), waiters_count(row, 1))
        os.kill(pid, signal.SIGSTOP)
        # Until the child has run its stop, it is woken (state R) and not waiting: a scan then
        # would rightly forget the wait, and the stopped one would start a new "since".
        wait_for_state(pid, "T")
        stopped = poll(scanner, sem_snapshot(semid), waiters_count(row, 1, "stopped"))
        os.kill(pid, signal.SIGCONT)  # the raw semop returns EINTR; the child calls it again
        resumed = poll(scanner, sem_snapshot(semid), waiters_count(row, 1))
    [w1], [w2], [w3] = first.waiters_of(row), stopped.waiters_of(row), resumed.waiters_of(row)
    assert w2.state == "stopped" and w2.ops == (SemOpSpec(0, -1, UNDO),)
    assert w1.since == w2.since  # stopped inside the same call: the same wait
    # first seen by that scan: dated from the scheduler, a moment before the scan
    assert first.taken_at - 1 <= w1.since <= first.taken_at
    # SIGCONT makes semop return EINTR and the child call it again: a new call, whose since is
    # kept only if no scan caught the task between the two calls
    assert w3.state == "waiting" and first.taken_at - 1 <= w3.since <= resumed.taken_at


def test_since_is_kept_across_scans_and_new_for_a_new_wait(semaphore_set: int) -> None:
    semid, row = semaphore_set, f"sem:{semaphore_set}"
    now = [5000.0]
    scanner = ProcessScanner(clock=lambda: now[0])
    with children() as kids:
        kids.spawn(lambda: ipc.semop(semid, [(0, -1, 0)]))
        first = poll(scanner, sem_snapshot(semid), waiters_count(row, 1))
        now[0] = 5060.0
        second = scanner.scan(sem_snapshot(semid)())
        # a fresh scanner has no memory: it dates the wait from the scheduler, just before "now"
        fresh = ProcessScanner(clock=lambda: 9999.0).scan(sem_snapshot(semid)())
    assert second.taken_at == 5060.0
    assert first.waiters_of(row)[0].since == second.waiters_of(row)[0].since
    assert 4990.0 <= first.waiters_of(row)[0].since <= 5000.0
    assert 9989.0 <= fresh.waiters_of(row)[0].since <= 9999.0


# --------------------------------------------------------------------------- message queues


@pytest.fixture
def queue():
    msqid = ipc.msg_create(unique_key(), mode=0o666)
    try:
        yield msqid
    finally:
        ipc.msg_remove(msqid)


def test_full_queue_blocked_sender(queue: int) -> None:
    row = f"msg:{queue}"
    while True:  # fill to msgmnb
        try:
            ipc.msg_send(queue, 1, b"x" * 4000, ipc.IPC_NOWAIT)
        except BlockingIOError:
            break
    with children() as kids:
        pid = kids.spawn(lambda: ipc.msg_send(queue, 7, b"y" * 3000))
        scan = poll(ProcessScanner(), lambda: snapshot(), waiters_count(row, 1))
    [waiter] = scan.waiters_of(row)
    assert (waiter.pid, waiter.op, waiter.msgtyp, waiter.size, waiter.msgflg) == (pid, "msgsnd", 7, 3000, 0)


def test_receivers_for_types_that_are_not_queued(queue: int) -> None:
    row = f"msg:{queue}"
    ipc.msg_send(queue, 7, b"only type 7 here")
    with children() as kids:
        plain = kids.spawn(lambda: ipc.msg_receive(queue, 5))
        lowest = kids.spawn(lambda: ipc.msg_receive(queue, -3, flags=ipc.MSG_NOERROR))
        other = kids.spawn(lambda: ipc.msg_receive(queue, 7, flags=ipc.MSG_EXCEPT))
        scan = poll(ProcessScanner(), lambda: snapshot(), waiters_count(row, 3))
    by_pid = {w.pid: w for w in scan.waiters_of(row)}
    assert {pid: (w.op, w.msgtyp, w.msgflg) for pid, w in by_pid.items()} == {
        plain: ("msgrcv", 5, 0),
        lowest: ("msgrcv", -3, ipc.MSG_NOERROR),
        other: ("msgrcv", 7, ipc.MSG_EXCEPT),
    }
    assert all(w.size is None for w in by_pid.values())


# --------------------------------------------------------------------------- shared memory


@pytest.fixture
def segment():
    key = unique_key()
    shmid = ipc.shm_create(key, 8192, mode=0o666)
    removed = [False]
    try:
        yield key, shmid, removed
    finally:
        if not removed[0]:
            ipc.shm_remove(shmid)


def attach_and_sleep(shmid: int, times: int = 1):
    def run() -> None:
        for _ in range(times):
            ipc.shm_attach(shmid)
        sleep_forever()
    return run


def test_attached_processes_are_holders_once_each(segment) -> None:
    key, shmid, _ = segment
    row = f"shm:{shmid}"
    with children() as kids:
        once = kids.spawn(attach_and_sleep(shmid))
        twice = kids.spawn(attach_and_sleep(shmid, times=2))
        snap = lambda: snapshot(shm=(shm_segment(shmid),))  # noqa: E731
        scan = poll(ProcessScanner(), snap, lambda s: len(s.holders_of(row)) == 2)
        assert shm_segment(shmid).nattch == 3  # the kernel counts attaches; we count processes
    assert [p.pid for p in scan.holders_of(row)] == sorted([once, twice])
    assert all(p.user == "root" and p.comm for p in scan.holders_of(row))
    assert shmid not in scan.original_keys  # not removed: its key is still in /proc/sysvipc


def test_removed_but_attached_segment_gets_its_original_key_back(segment) -> None:
    key, shmid, removed = segment
    row = f"shm:{shmid}"
    with children() as kids:
        holder = kids.spawn(attach_and_sleep(shmid))
        deadline = time.monotonic() + 10
        while shm_segment(shmid).nattch < 1:
            assert time.monotonic() < deadline
            time.sleep(0.01)
        ipc.shm_remove(shmid)
        removed[0] = True  # freed by the kernel when the holder dies
        dest = shm_segment(shmid)
        assert dest.key == 0 and dest.dest
        scan = ProcessScanner().scan(snapshot(shm=(dest,)))
    assert [p.pid for p in scan.holders_of(row)] == [holder]
    assert scan.original_keys == {shmid: key}


def test_procmap_query_and_the_maps_text_agree(segment) -> None:
    """The fast path (PROCMAP_QUERY ioctl, Linux 6.11+) must find exactly what the text shows."""
    from ipcscope.probe.procfs import read_maps

    _, shmid, _ = segment
    with children() as kids:
        pid = kids.spawn(attach_and_sleep(shmid, times=2))
        deadline = time.monotonic() + 10
        while shm_segment(shmid).nattch < 2:
            assert time.monotonic() < deadline
            time.sleep(0.01)
        by_text, bad, _ = read_maps(f"/proc/{pid}/maps", use_query=False)
        queried = read_maps(f"/proc/{pid}/maps", use_query=True)
    assert bad == 0 and len(by_text) == 2
    if not queried[2]:
        pytest.skip("this kernel has no PROCMAP_QUERY")
    assert queried[0] == by_text


def test_a_wait_seen_first_dates_from_when_it_began_and_doctor_calls_it_stuck(semaphore_set: int) -> None:
    """The scheduler says when a sleeping task last ran: one scan (and one `ipcscope doctor`
    run) already knows the wait is old, without a previous scan having seen it start."""
    import json
    import subprocess
    import sys

    semid, row = semaphore_set, f"sem:{semaphore_set}"
    with children() as kids:
        started = time.time()
        pid = kids.spawn(lambda: ipc.semop(semid, [(0, -1, 0)]))
        # the kernel's own count says when the semop sleeps (state S alone could be a startup read)
        deadline = time.monotonic() + 10
        while core_sem.getncnt(semid, 0) < 1:
            assert time.monotonic() < deadline, "the child never blocked in semop"
            time.sleep(0.001)
        blocked = time.time()
        time.sleep(1.5)
        scan = poll(ProcessScanner(), sem_snapshot(semid), waiters_count(row, 1))
        (waiter,) = scan.waiters_of(row)
        # each CPU's clock is read on that CPU; a busy machine (another test run on the other core)
        # delays the reads by a scheduling slice or two, so allow 0.25 s: far below the 1.5 s slept
        assert started - 0.25 <= waiter.since <= blocked + 0.25
        out = subprocess.run([sys.executable, "-m", "ipcscope", "doctor", "--json", "--stuck-after", "1"],
                             capture_output=True, text=True, timeout=60)
        assert out.returncode == 1, out.stderr
        stuck = [f for f in json.loads(out.stdout)["findings"]
                 if f["kind"] == "stuck-semaphore" and f["object"] == {"type": "sem", "id": semid}]
        assert stuck and pid in stuck[0]["pids"]
