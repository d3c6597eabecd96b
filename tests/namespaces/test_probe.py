"""The probe across real IPC namespaces: objects of every kind with their namespace, waiters and
holders attributed through each process's own namespace, ids that repeat kept apart."""

from __future__ import annotations

import os
import time

from ipcscope.probe.processes import scan_processes
from tests.namespaces.members import Member


def _mine(snapshot, member: Member) -> dict[str, list]:
    return {kind: [obj for obj in snapshot.objects(kind) if obj.ns == member.inode]
            for kind in ("shm", "msg", "sem", "pmq", "pshm", "psem")}


def test_objects_of_each_kind_are_listed_with_their_namespace(two_namespaces, probe) -> None:
    first, second = two_namespaces
    snapshot = probe.snapshot([first.inode, second.inode])
    assert [ns.inode for ns in snapshot.namespaces] == [first.inode, second.inode]
    for member in (first, second):
        found = _mine(snapshot, member)
        assert [seg.id for seg in found["shm"]] == [member.ids["shm"]]
        assert [q.id for q in found["msg"]] == [member.ids["msg"]]
        assert [s.id for s in found["sem"]] == [member.ids["sem"]]
        assert [q.name for q in found["pmq"]] == ["/nsq"]
        assert [o.name for o in found["pshm"]] == ["/nsshm"]
        assert [(s.name, s.value) for s in found["psem"]] == [("/nssem", 3)]
        assert found["sem"][0].ref.row_key == f"sem:{member.ids['sem']}@{member.inode}"
    assert not any(obj.ns is None for obj in snapshot.all_objects())
    limits = {ns.inode: ns.limits for ns in snapshot.namespaces}
    assert limits[first.inode].get("SEMMNI").used == 1  # type: ignore[union-attr]


def test_the_same_id_in_two_namespaces_does_not_mix(two_namespaces, probe) -> None:
    first, second = two_namespaces
    assert first.ids["sem"] == second.ids["sem"]  # both fresh namespaces: the same id
    snapshot = scan_processes(probe.snapshot([first.inode, second.inode]))
    by_ns = {s.ns: s for s in snapshot.sem}
    assert by_ns[first.inode].semaphores[0].ncnt == 1  # the waiter is in the first only
    assert by_ns[second.inode].semaphores[0].ncnt == 0
    scan = snapshot.processes
    assert [w.pid for w in scan.waiters_of(by_ns[first.inode].ref)] == [first.waiter]
    assert scan.waiters_of(by_ns[second.inode].ref) == ()
    holders = {ref.pid for ref in scan.holders_of(f"psem:/nssem@{second.inode}")}
    assert second.pid in holders and first.pid not in holders


def test_one_other_namespace_alone_and_own_stays_unstamped(two_namespaces, probe) -> None:
    first, _ = two_namespaces
    snapshot = probe.snapshot([first.inode])
    assert {obj.ns for obj in snapshot.all_objects()} == {first.inode}
    assert snapshot.limits.get("SHMMNI").used == 1  # type: ignore[union-attr]


def test_readers_end_with_their_namespace(probe) -> None:
    from tests.helpers import unique_key
    from tests.namespaces.conftest import _need_root
    from tests.namespaces.members import start_member

    _need_root()
    member = start_member(unique_key())
    try:
        snapshot = probe.snapshot([member.inode])
        assert {obj.ns for obj in snapshot.all_objects()} == {member.inode}
        assert member.inode in probe._readers
    finally:
        member.end()
    probe.discover()
    assert member.inode not in probe._readers  # the thread left: the namespace can go
    deadline = time.monotonic() + 5
    while time.monotonic() < deadline and _namespace_alive(member.inode):
        time.sleep(0.05)
    assert not _namespace_alive(member.inode)


def _namespace_alive(inode: int) -> bool:
    """Whether a thread of this process is still in namespace `inode` (lsns cannot see threads)."""
    for tid in os.listdir("/proc/self/task"):
        try:
            if os.readlink(f"/proc/self/task/{tid}/ns/ipc") == f"ipc:[{inode}]":
                return True
        except OSError:
            continue
    return False
