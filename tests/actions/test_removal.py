"""Safe removal: the plan in plain words, and the re-check that removes nothing when the object
was removed or replaced since it was shown. Real objects in a private IPC namespace."""

from __future__ import annotations

import os
import subprocess

import pytest

from ipcscope.actions.lookup import find_object
from ipcscope.actions.removal import ObjectChanged, plan_removal, remove_checked
from ipcscope.demo import demo_snapshot
from ipcscope.model import ObjectRef, Snapshot
from tests.actions.support import SHM_DIR, proc_sysvipc
from tests.helpers import run_as_user, unique_key, unique_name


def set_next_id(kind: str, ident: int) -> None:
    with open(f"/proc/sys/kernel/{kind}_next_id", "w") as handle:
        handle.write(str(ident))


# --------------------------------------------------------------------------- plans


def test_plans_for_every_demo_object_state_consequences() -> None:
    snapshot = demo_snapshot()
    for obj in snapshot.all_objects():
        plan = plan_removal(snapshot, obj.ref)
        assert plan.possible and plan.expected == obj and plan.consequences
        assert plan.title.endswith("?") and plan.call.split("(")[0] in {
            "shmctl", "msgctl", "semctl", "mq_unlink", "shm_unlink", "sem_unlink"}
        assert all("\n" not in line for line in plan.consequences)


def test_plan_for_an_attached_segment_says_dest() -> None:
    snapshot = demo_snapshot()
    attached = next(s for s in snapshot.shm if s.nattch and not s.dest)
    text = plan_removal(snapshot, attached.ref).text
    assert "marked for destruction" in text and "last detach" in text
    holders = snapshot.processes.holders_of(attached.ref)
    if holders:
        assert f"pid {holders[0].pid}" in text


def test_plan_for_queues_and_sets_counts_losses_and_eidrm() -> None:
    snapshot = demo_snapshot()
    full = max(snapshot.msg, key=lambda q: q.qnum)
    text = plan_removal(snapshot, full.ref).text
    assert f"{full.qnum} messages" in text and "will be lost" in text
    waited = [s for s in snapshot.sem if snapshot.processes.waiters_of(s.ref)]
    assert waited
    assert "EIDRM" in plan_removal(snapshot, waited[0].ref).text
    for queue in snapshot.pmq[:1]:
        assert "mq_unlink removes the name" in plan_removal(snapshot, queue.ref).text


def test_plan_for_something_not_shown() -> None:
    plan = plan_removal(Snapshot(taken_at=0), ObjectRef("shm", 99))
    assert not plan.possible and "not there any more" in plan.title


def test_plan_without_a_process_scan_says_so() -> None:
    snapshot = demo_snapshot()
    bare = Snapshot(taken_at=snapshot.taken_at, shm=snapshot.shm)
    assert "not known" in plan_removal(bare, snapshot.shm[0].ref).text


# --------------------------------------------------------------------------- checked removal


def test_remove_checked_removes_the_object_shown() -> None:
    from ipcscope.core import msg

    msqid = msg.create(unique_key())
    expected = find_object(ObjectRef("msg", msqid))
    assert expected is not None
    assert "removed msg" in remove_checked(expected)
    assert proc_sysvipc("msg", msqid) is None


def test_id_reused_between_selection_and_removal_removes_nothing() -> None:
    from ipcscope.core import shm

    first_key, second_key = unique_key(), unique_key()
    shmid = shm.create(first_key, 4096)
    expected = find_object(ObjectRef("shm", shmid))
    shm.remove(shmid)
    set_next_id("shm", shmid)
    replacement = shm.create(second_key, 8192)
    try:
        assert replacement == shmid
        with pytest.raises(ObjectChanged) as caught:
            remove_checked(expected)
        message = str(caught.value)
        assert message.startswith(f"shm {shmid} changed since it was shown (key 0x{first_key:08x} -> "
                                  f"0x{second_key:08x}")
        assert message.endswith("nothing removed") and "\n" not in message
        row = proc_sysvipc("shm", shmid)
        assert row is not None and row["key"] == second_key
    finally:
        shm.remove(replacement)


def test_removed_meanwhile_says_so() -> None:
    from ipcscope.core import sem

    semid = sem.create(0, 1)
    expected = find_object(ObjectRef("sem", semid))
    sem.remove(semid)
    with pytest.raises(ObjectChanged, match="no longer exists.*nothing removed"):
        remove_checked(expected)


def test_same_key_recreated_is_caught_by_ctime() -> None:
    """Same id and key but a different creation second: still not the object shown."""
    import time

    from ipcscope.core import msg

    key = unique_key()
    msqid = msg.create(key)
    expected = find_object(ObjectRef("msg", msqid))
    msg.remove(msqid)
    time.sleep(max(0.0, expected.ctime + 1.05 - time.time()))
    set_next_id("msg", msqid)
    again = msg.create(key)
    try:
        assert again == msqid
        with pytest.raises(ObjectChanged, match="last changed"):
            remove_checked(expected)
        assert proc_sysvipc("msg", msqid) is not None
    finally:
        msg.remove(again)


def test_attached_segment_is_only_marked_dest() -> None:
    from ipcscope.core import shm

    shmid = shm.create(unique_key(), 4096)
    attachment = shm.attach(shmid)
    try:
        expected = find_object(ObjectRef("shm", shmid))
        assert "marked for destruction" in remove_checked(expected)
        row = proc_sysvipc("shm", shmid)
        assert row is not None and row["perms"] & 0o1000 and row["key"] == 0
        with pytest.raises(ObjectChanged, match="already removed"):
            remove_checked(expected)
    finally:
        attachment.detach()
    assert proc_sysvipc("shm", shmid) is None


def test_posix_replaced_under_the_same_name() -> None:
    from ipcscope.core import posix_shm

    name = unique_name()
    posix_shm.create(name, 64)
    try:
        expected = find_object(ObjectRef("pshm", name))
        os.unlink(f"{SHM_DIR}/{name[1:]}")
        posix_shm.create(name, 64)
        with pytest.raises(ObjectChanged, match="inode"):
            remove_checked(expected)
        assert os.path.exists(f"{SHM_DIR}/{name[1:]}")
        current = find_object(ObjectRef("pshm", name))
        assert "unlinked" in remove_checked(current)
        assert not os.path.exists(f"{SHM_DIR}/{name[1:]}")
    finally:
        if os.path.exists(f"{SHM_DIR}/{name[1:]}"):
            os.unlink(f"{SHM_DIR}/{name[1:]}")


def test_posix_queue_and_semaphore_removal() -> None:
    from ipcscope.core import posix_mq, posix_sem

    queue, semaphore = unique_name(), unique_name()
    posix_mq.close(posix_mq.open(queue, create=True))
    posix_sem.NamedSemaphore.open(semaphore, create=True).close()
    try:
        for ref in (ObjectRef("pmq", queue), ObjectRef("psem", semaphore)):
            expected = find_object(ref)
            assert expected is not None and expected.inode
            assert "unlinked" in remove_checked(expected)
            assert find_object(ref) is None
    finally:
        for unlink, name in ((posix_mq.unlink, queue), (posix_sem.unlink, semaphore)):
            try:
                unlink(name)
            except OSError:
                pass


def test_someone_elses_object_is_refused_with_errno() -> None:
    """The non-root path: nobody may not remove root's set; the kernel says EPERM, nothing changes."""
    from ipcscope.core import sem
    from ipcscope.core.errors import IpcError

    semid = sem.create(unique_key(), 1, mode=0o666)
    try:
        expected = find_object(ObjectRef("sem", semid))
        with pytest.raises(IpcError) as caught:
            run_as_user(lambda: remove_checked(expected))
        assert caught.value.errno_name == "EPERM" and caught.value.call == f"semctl({semid}, 0, IPC_RMID)"
        assert proc_sysvipc("sem", semid) is not None
    finally:
        sem.remove(semid)


def test_ipcrm_agrees_the_object_is_gone() -> None:
    from ipcscope.core import shm

    shmid = shm.create(unique_key(), 4096)
    remove_checked(find_object(ObjectRef("shm", shmid)))
    proc = subprocess.run(["ipcs", "-m", "-i", str(shmid)], capture_output=True, text=True)
    assert proc.returncode != 0 or "not found" in proc.stderr
