"""The scan as uid 65534: it sees its own uid's processes fully and counts the others as denied."""

from __future__ import annotations

import pytest

from ipcscope.model import SemOpSpec
from ipcscope.probe.processes import ProcessScanner
from tests.helpers import NOBODY, unique_key
from tests.probe import ipc_calls as ipc
from tests.probe.scan_helpers import (
    children,
    poll,
    poll_as_nobody,
    sem_set,
    shm_segment,
    sleep_forever,
    snapshot,
)

pytestmark = pytest.mark.usefixtures("root_only")  # root sets the scene, then drops to nobody


@pytest.fixture
def sysv_objects():
    semid = ipc.sem_create(unique_key(), (0, 0), mode=0o666)
    shmid = ipc.shm_create(unique_key(), 4096, mode=0o666)
    try:
        yield semid, shmid
    finally:
        ipc.sem_remove(semid)
        ipc.shm_remove(shmid)


def wait_then_block(shmid: int, semid: int, ops):
    def run() -> None:
        ipc.shm_attach(shmid)
        ipc.semop(semid, ops)
    return run


def test_nobody_sees_its_own_processes_and_counts_others_as_denied(sysv_objects) -> None:
    semid, shmid = sysv_objects
    sem_row, shm_row = f"sem:{semid}", f"shm:{shmid}"
    with children() as kids:
        mine = kids.spawn(wait_then_block(shmid, semid, [(1, 0, 0), (0, -1, ipc.SEM_UNDO)]), uid=NOBODY)
        roots = kids.spawn(wait_then_block(shmid, semid, [(0, -1, 0)]))
        # root's view first: both are there (and the set's values are what the snapshot carries)
        poll(ProcessScanner(), lambda: snapshot(sem=(sem_set(semid, 2),)),
             lambda s: len(s.waiters_of(sem_row)) == 2)
        snap = snapshot(sem=(sem_set(semid, 2),), shm=(shm_segment(shmid),))
        first, second = poll_as_nobody(snap, lambda s: len(s.waiters_of(sem_row)) == 1, scans=2)

    for scan in (first, second):
        [waiter] = scan.waiters_of(sem_row)
        assert (waiter.pid, waiter.uid, waiter.user) == (mine, NOBODY, "nobody")
        assert waiter.ops == (SemOpSpec(1, 0, 0), SemOpSpec(0, -1, ipc.SEM_UNDO))
        assert waiter.blocked_on == 0
        assert [p.pid for p in scan.holders_of(shm_row)] == [mine]
        # the root child is known to exist (status is world-readable) but was not inspected
        assert scan.processes[roots].uid == 0
        assert scan.denied >= 1
        assert any("of other users were not inspected: run as root (`sudo ipcscope`)" in note
                   for note in scan.notes)
        assert [spot.cause for spot in scan.blind_spots][:1] == ["other-users"]
    assert second.waiters_of(sem_row)[0].since == first.waiters_of(sem_row)[0].since


def test_non_dumpable_process_of_the_same_user_is_denied_and_said_so(sysv_objects) -> None:
    semid, shmid = sysv_objects

    def secretive() -> None:
        ipc.set_dumpable(False)  # like ssh-agent: its /proc files become root's
        ipc.shm_attach(shmid)
        sleep_forever()

    with children() as kids:
        pid = kids.spawn(secretive, uid=NOBODY)
        snap = lambda: snapshot(shm=(shm_segment(shmid),))  # noqa: E731
        poll(ProcessScanner(), snap, lambda s: len(s.holders_of(f"shm:{shmid}")) == 1)
        [scan] = poll_as_nobody(snap(), lambda s: pid in s.processes)
    assert scan.processes[pid].uid == NOBODY
    assert scan.holders_of(f"shm:{shmid}") == ()
    # its /proc files became root's: that tells "non-dumpable" from a security module
    assert [spot.cause for spot in scan.blind_spots if spot.cause != "other-users"] == ["non-dumpable"]
    assert any("of yours could not be inspected: non-dumpable" in note and "sudo ipcscope" in note
               for note in scan.notes), scan.notes


def test_root_sees_everything_and_reports_no_denial_for_dumpable_processes(sysv_objects) -> None:
    semid, shmid = sysv_objects
    with children() as kids:
        pid = kids.spawn(wait_then_block(shmid, semid, [(0, -1, 0)]), uid=NOBODY)
        scan = poll(ProcessScanner(), lambda: snapshot(sem=(sem_set(semid, 2),)),
                    lambda s: len(s.waiters_of(f"sem:{semid}")) == 1)
    assert scan.waiters_of(f"sem:{semid}")[0].pid == pid
    assert not any("of other users" in note for note in scan.notes)
