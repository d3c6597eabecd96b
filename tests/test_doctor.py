"""The diagnosis on the demo snapshot and on small hand-built snapshots, one kind at a time."""

from __future__ import annotations

import dataclasses
import json

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from ipcscope.core.constants import MSG_EXCEPT
from ipcscope.demo import DEMO_NOW, demo_snapshot
from ipcscope.doctor import (
    Finding,
    coverage_notes,
    diagnose,
    doctor_to_json,
    object_label,
)
from ipcscope.model import (
    SHM_DEST,
    MsgQueue,
    ObjectRef,
    PosixQueue,
    PosixSemaphore,
    PosixShm,
    ProcessRef,
    ProcessScan,
    Semaphore,
    SemOpSpec,
    SemSet,
    ShmSegment,
    Snapshot,
    Waiter,
)

NOW = 1_800_000_000.0
SEM_UNDO = 0x1000
IDS = dict(mode=0o600, uid=0, gid=0, cuid=0, cgid=0)


# --------------------------------------------------------------------------- builders


def sem_set(semid: int, *sems: tuple[int, int], readable: bool = True) -> SemSet:
    """A set whose semaphores are given as (value, sempid)."""
    semaphores = tuple(Semaphore(i, value, 0, 0, pid) for i, (value, pid) in enumerate(sems))
    return SemSet(key=0x1000 + semid, id=semid, nsems=len(sems),
                  semaphores=semaphores if readable else None, **IDS)


def sem_waiter(pid: int, *ops: tuple[int, int], since: float | None = NOW - 5, state: str = "waiting",
               tid: int | None = None, blocked_on: int | None = None, known_ops: bool = True) -> Waiter:
    specs = tuple(SemOpSpec(num, op, SEM_UNDO) for num, op in ops)
    return Waiter(pid, tid or pid, f"p{pid}", "semop", state=state, ops=specs if known_ops else None,
                  blocked_on=blocked_on, since=since)


def scan(alive=(), waiters=None, holders=None, denied: int = 0, original_keys=None) -> ProcessScan:
    return ProcessScan(
        taken_at=NOW,
        holders=holders or {},
        waiters=waiters or {},
        original_keys=original_keys or {},
        denied=denied,
        processes={pid: ProcessRef(pid, f"p{pid}") for pid in alive},
    )


def snap(processes: ProcessScan | None = None, **objects) -> Snapshot:
    return Snapshot(taken_at=NOW, processes=processes, **objects)


def kinds(findings: list[Finding]) -> list[tuple[str, str]]:
    return [(f.kind, f.object.row_key) for f in findings]


def run(snapshot: Snapshot, **kw) -> list[Finding]:
    return diagnose(snapshot, now=NOW, **kw)


# --------------------------------------------------------------------------- the demo


def test_demo_has_one_of_each_planted_problem():
    findings = diagnose(demo_snapshot(), now=DEMO_NOW)
    got = {(f.kind, f.object.row_key): set(f.pids) for f in findings}
    assert got == {
        ("dead-holder", "sem:2"): {4417, 4418, 4410},
        ("deadlock", "sem:6"): {4521, 4522},
        ("unmatched-receiver", "msg:7"): {4350},
        ("queue-full", "msg:3"): {4238, 4101},
        ("queue-full", "pmq:/jobs"): set(),
        ("orphan-shm", "shm:5"): {2960, 2966},
        ("removed-attached", "shm:1"): {3412},
        ("orphan-posix", "pshm:/PostgreSQL.1804289383"): set(),
        ("orphan-posix", "psem:/build-slots"): set(),
        ("pipe-eof-never", "pipe:31337"): {4801},
        ("pipe-full", "pipe:31340"): {4860, 4821},
        ("socket-backlog-full", "unix:7001"): {4860},
        ("fifo-open-wait", "fifo:40010"): {4840},
    }


def test_demo_messages_read_like_a_linter():
    findings = {(f.kind, f.object.row_key): f for f in diagnose(demo_snapshot(), now=DEMO_NOW)}
    dead = findings["dead-holder", "sem:2"]
    assert dead.severity == "error"
    assert f"{object_label(dead.object)}: {dead.message}" == (
        "sem 2: 2 processes wait on semaphore 0 (worker 4417, worker 4418) but its last holder, "
        "pid 4410, has exited — the lock was probably never released (no SEM_UNDO).")
    assert dead.hint == "ipcscope semop 2 0:+1"
    removed = findings["removed-attached", "shm:1"]
    assert "0x30bf698a" in removed.message and "ora_pmon 3412" in removed.message
    assert findings["orphan-shm", "shm:5"].hint == "ipcscope rm shm 5"
    unmatched = findings["unmatched-receiver", "msg:7"]
    assert "type 5" in unmatched.message and "types 1, 2" in unmatched.message
    assert findings["orphan-posix", "psem:/build-slots"].severity == "info"


def test_demo_findings_are_sorted_by_severity_then_object():
    findings = diagnose(demo_snapshot(), now=DEMO_NOW)
    order = [("error", "warning", "info").index(f.severity) for f in findings]
    assert order == sorted(order)
    warnings = [f.object.row_key for f in findings if f.severity == "warning"]
    assert warnings == ["shm:1", "shm:5", "msg:3", "msg:7", "pmq:/jobs", "pipe:31340", "unix:7001"]


def test_demo_stopped_waiter_is_not_reported_even_when_long_stuck():
    findings = diagnose(demo_snapshot(), now=DEMO_NOW + 3600)
    assert all(4419 not in f.pids for f in findings)


def test_demo_without_processes_claims_only_what_the_kernel_shows():
    findings = diagnose(demo_snapshot(processes=False), now=DEMO_NOW)
    assert kinds(findings) == [("removed-attached", "shm:1"), ("queue-full", "pmq:/jobs")]
    assert "without a process scan" in findings[0].message
    assert any("no process scan" in note for note in coverage_notes(demo_snapshot(processes=False)))


def test_demo_not_root_hedges_only_claims_that_denied_processes_could_change():
    findings = {(f.kind, f.object.row_key): f for f in diagnose(demo_snapshot(root=False), now=DEMO_NOW)}
    # root's workers on sem 2 are hidden from alice, but the kernel's counts are not: stuck, not
    # a dead holder (that needs their operations)
    stuck = findings["stuck-semaphore", "sem:2"]
    assert stuck.pids == () and stuck.hint == "sudo ipcscope doctor"
    assert "2 tasks wait on semaphore 0 (value 0) that you cannot see (processes of other users)" in stuck.message
    assert ("dead-holder", "sem:2") not in findings
    # liveness comes from the process table, which lists denied processes too
    assert findings["orphan-shm", "shm:5"].severity == "warning"
    # "nobody has it open" could be wrong: a process we could not inspect may hold it
    orphan = findings["orphan-posix", "psem:/build-slots"]
    assert "14 processes could not be inspected" in orphan.message
    assert any("14 processes of other users were not inspected" in n
               for n in coverage_notes(demo_snapshot(root=False)))


def test_a_proc_that_hides_other_users_hedges_like_a_denial():
    from dataclasses import replace

    shown = demo_snapshot()
    hidden = replace(shown, processes=replace(shown.processes, listing_incomplete=True))
    findings = {(f.kind, f.object.row_key): f for f in diagnose(hidden, now=DEMO_NOW)}
    assert "hides other users' processes (hidepid)" in findings["orphan-posix", "psem:/build-slots"].message


def test_demo_empty_is_clean():
    assert diagnose(demo_snapshot(empty=True), now=DEMO_NOW) == []


# --------------------------------------------------------------------------- dead-holder


def test_dead_holder_names_waiters_and_dead_pid():
    s = snap(sem=(sem_set(4, (0, 900)),),
             processes=scan(alive=[10, 11], waiters={"sem:4": (sem_waiter(10, (0, -1)),
                                                               sem_waiter(11, (0, -1), tid=12))}))
    [finding] = run(s)
    assert (finding.kind, finding.severity, finding.pids) == ("dead-holder", "error", (10, 11, 900))
    assert "p10 10, p11 11" in finding.message and "pid 900" in finding.message


def test_waiter_whose_holder_is_alive_is_not_dead_holder():
    s = snap(sem=(sem_set(4, (0, 900)),),
             processes=scan(alive=[10, 900], waiters={"sem:4": (sem_waiter(10, (0, -1)),)}))
    assert run(s) == []


def test_holder_pid_zero_is_not_a_dead_holder():
    s = snap(sem=(sem_set(4, (0, 0)),),
             processes=scan(alive=[10], waiters={"sem:4": (sem_waiter(10, (0, -1)),)}))
    assert run(s) == []


def test_dead_holder_uses_the_operation_that_blocks_not_the_first():
    # {sem0 -1, sem1 -1}: sem0 is free, sem1 (taken by dead 900) blocks; blocked_on not given
    s = snap(sem=(sem_set(4, (1, 500), (0, 900)),),
             processes=scan(alive=[10, 500], waiters={"sem:4": (sem_waiter(10, (0, -1), (1, -1)),)}))
    [finding] = run(s)
    assert finding.kind == "dead-holder" and finding.pids == (10, 900)
    assert "semaphore 1" in finding.message and finding.hint == "ipcscope semop 4 1:+1"


def test_dead_holder_of_wait_for_zero_suggests_setval():
    s = snap(sem=(sem_set(4, (2, 900)),),
             processes=scan(alive=[10], waiters={"sem:4": (sem_waiter(10, (0, 0)),)}))
    [finding] = run(s)
    assert finding.kind == "dead-holder" and "to reach 0" in finding.message
    assert finding.hint == "ipcscope setval 4 0 0"


def test_stale_waiter_that_would_now_proceed_is_ignored():
    s = snap(sem=(sem_set(4, (1, 900)),),
             processes=scan(alive=[10], waiters={"sem:4": (sem_waiter(10, (0, -1), since=NOW - 999),)}))
    assert run(s) == []


def test_blocked_on_is_used_when_the_ops_are_unreadable():
    waiter = sem_waiter(10, known_ops=False, blocked_on=1)
    s = snap(sem=(sem_set(4, (0, 10), (0, 900)),), processes=scan(alive=[10], waiters={"sem:4": (waiter,)}))
    [finding] = run(s)
    assert finding.kind == "dead-holder" and finding.pids == (10, 900)
    assert finding.hint == "ipcscope semop 4 1:+1"


def test_stopped_waiters_are_not_waiting():
    s = snap(sem=(sem_set(4, (0, 900)),),
             processes=scan(alive=[10], waiters={"sem:4": (sem_waiter(10, (0, -1), state="stopped",
                                                                      since=NOW - 999),)}))
    assert run(s) == []


def test_unreadable_set_gives_no_dead_holder_but_a_stuck_warning():
    s = snap(sem=(sem_set(4, (0, 900), readable=False),),
             processes=scan(alive=[10], waiters={"sem:4": (sem_waiter(10, (0, -1), since=NOW - 120),)}))
    [finding] = run(s)
    assert finding.kind == "stuck-semaphore" and "hidden" in finding.message
    assert any("set 4" in note for note in coverage_notes(s))


def test_without_a_scan_no_semaphore_findings():
    assert run(snap(sem=(sem_set(4, (0, 900)),))) == []


# --------------------------------------------------------------------------- deadlock


def test_two_process_deadlock_is_one_finding():
    s = snap(sem=(sem_set(6, (0, 21), (0, 20)),),
             processes=scan(alive=[20, 21], waiters={"sem:6": (sem_waiter(20, (0, -1), since=NOW - 999),
                                                               sem_waiter(21, (1, -1), since=NOW - 999))}))
    [finding] = run(s)  # not also reported as stuck
    assert (finding.kind, finding.severity, finding.pids) == ("deadlock", "error", (20, 21))
    assert "neither can continue" in finding.message


def test_three_process_cycle_across_sets():
    # 30 waits on set 1 #0 (last taken by 31); 31 on set 2 #0 (by 32); 32 on set 3 #0 (by 30)
    s = snap(sem=(sem_set(1, (0, 31)), sem_set(2, (0, 32)), sem_set(3, (0, 30))),
             processes=scan(alive=[30, 31, 32, 99], waiters={
                 "sem:1": (sem_waiter(30, (0, -1)),),
                 "sem:2": (sem_waiter(31, (0, -1)),),
                 "sem:3": (sem_waiter(32, (0, -1)), sem_waiter(99, (0, -1))),
             }))
    findings = run(s)
    assert kinds(findings) == [("deadlock", "sem:1")]
    [cycle] = findings
    assert cycle.pids == (30, 31, 32)
    assert "of sem 2" in cycle.message and "none of the 3 can continue" in cycle.message


def test_a_chain_is_not_a_deadlock_and_self_loops_are_ignored():
    # 40 waits on a semaphore last taken by 41, which runs; 42 waits on one it took itself
    s = snap(sem=(sem_set(1, (0, 41), (0, 42)),),
             processes=scan(alive=[40, 41, 42], waiters={
                 "sem:1": (sem_waiter(40, (0, -1)), sem_waiter(42, (1, -1)))}))
    assert run(s) == []


def test_two_cycles_sharing_a_process_are_two_findings():
    # 50 <-> 51 and 50 <-> 52: 50 has two threads, each blocked on a semaphore of the other
    s = snap(sem=(sem_set(1, (0, 51), (0, 52), (0, 50), (0, 50)),),
             processes=scan(alive=[50, 51, 52], waiters={"sem:1": (
                 sem_waiter(50, (0, -1)), sem_waiter(50, (1, -1), tid=53),
                 sem_waiter(51, (2, -1)), sem_waiter(52, (3, -1)))}))
    assert sorted(f.pids for f in run(s)) == [(50, 51), (50, 52)]


# --------------------------------------------------------------------------- stuck-semaphore


def stuck_snapshot(since: float, holder: int = 70, alive=(60, 70)) -> Snapshot:
    return snap(sem=(sem_set(5, (0, holder)),),
                processes=scan(alive=alive, waiters={"sem:5": (sem_waiter(60, (0, -1), since=since),)}))


def test_stuck_threshold():
    assert run(stuck_snapshot(NOW - 59)) == []
    [finding] = run(stuck_snapshot(NOW - 61))
    assert finding.kind == "stuck-semaphore" and finding.severity == "warning"
    assert finding.pids == (60, 70)
    assert "1m 1s" in finding.message and "p70 70, still running" in finding.message
    assert finding.hint == "ps -o pid,stat,wchan:32,cmd -p 70"
    assert run(stuck_snapshot(NOW - 10), stuck_after=5)[0].kind == "stuck-semaphore"


def test_stuck_without_since_is_not_claimed():
    assert run(stuck_snapshot(since=None)) == []  # type: ignore[arg-type]


def test_stuck_semaphore_nobody_ever_posted():
    [finding] = run(stuck_snapshot(NOW - 300, holder=0, alive=(60,)))
    assert "no process has operated on it" in finding.message
    assert finding.hint == "ipcscope semop 5 0:+1"


def test_stuck_posix_semaphore():
    psem = PosixSemaphore(name="/slots", mode=0o600, uid=0, gid=0, value=0)
    futex = Waiter(80, 80, "reader", "futex", since=NOW - 600)
    s = snap(psem=(psem,), processes=scan(alive=[80, 81], waiters={"psem:/slots": (futex,)},
                                          holders={"psem:/slots": (ProcessRef(80, "reader"),
                                                                   ProcessRef(81, "writer"))}))
    [finding] = run(s)
    assert (finding.kind, finding.object) == ("stuck-semaphore", ObjectRef("psem", "/slots"))
    assert finding.pids == (80, 81) and "writer 81" in finding.message


# --------------------------------------------------------------------------- unmatched-receiver


def queue(msqid: int = 7, types=(1, 2), qnum=None, **kw) -> MsgQueue:
    fields = dict(cbytes=10, qbytes=16384, lspid=0, lrpid=0)
    fields.update(kw)
    return MsgQueue(key=0x2000 + msqid, id=msqid, qnum=len(types or ()) if qnum is None else qnum,
                    queued_types=types, **fields, **IDS)


def receiver(msgtyp: int, msgflg: int = 0, state: str = "waiting") -> Waiter:
    return Waiter(90, 90, "rx", "msgrcv", state=state, msgtyp=msgtyp, msgflg=msgflg, since=NOW - 30)


def receivers_findings(q: MsgQueue, *waiters: Waiter) -> list[Finding]:
    return run(snap(msg=(q,), processes=scan(alive=[90], waiters={q.ref.row_key: waiters})))


def test_unmatched_receiver():
    [finding] = receivers_findings(queue(types=(1, 2)), receiver(5))
    assert (finding.kind, finding.severity, finding.pids) == ("unmatched-receiver", "warning", (90,))
    assert finding.hint == "ipcscope peek 7"


@pytest.mark.parametrize(("types", "msgtyp", "flags", "reported"), [
    (None, 5, 0, False),             # not peeked: say nothing
    ((), 5, 0, False),               # empty queue: an idle receiver is normal
    ((1, 5), 5, 0, False),           # would match (a stale scan)
    ((5, 5), 5, MSG_EXCEPT, True),   # wants anything but 5: only 5s queued
    ((5, 6), 5, MSG_EXCEPT, False),
    ((5, 7), -3, 0, True),           # wants <= 3
    ((5, 2), -3, 0, False),
])
def test_unmatched_receiver_matching(types, msgtyp, flags, reported):
    findings = receivers_findings(queue(types=types), receiver(msgtyp, flags))
    assert bool(findings) == reported
    if reported:
        assert ("except" in findings[0].message) == bool(flags & MSG_EXCEPT)


def test_unmatched_receiver_stopped_is_skipped_and_partial_peek_is_info():
    assert receivers_findings(queue(types=(1,)), receiver(5, state="stopped")) == []
    [finding] = receivers_findings(queue(types=(1, 1), qnum=5), receiver(5))
    assert finding.severity == "info" and "first 2 of 5" in finding.message


# --------------------------------------------------------------------------- queue-full


def sender(pid: int = 91, op: str = "msgsnd", state: str = "waiting") -> Waiter:
    return Waiter(pid, pid, "tx", op, state=state, msgtyp=1, size=4000, since=NOW - 3)


def test_blocked_sender_with_dead_receiver_is_an_error():
    q = queue(msqid=3, types=None, cbytes=14000, qnum=7, lrpid=555, rtime=int(NOW) - 600)
    [finding] = run(snap(msg=(q,), processes=scan(alive=[91], waiters={"msg:3": (sender(),)})))
    assert (finding.kind, finding.severity, finding.pids) == ("queue-full", "error", (91, 555))
    assert "14000 of 16384 bytes" in finding.message and "4000-byte" in finding.message
    assert "has exited" in finding.message


def test_blocked_sender_with_live_receiver_is_a_warning_and_stopped_senders_do_not_count():
    q = queue(msqid=3, types=None, cbytes=14000, qnum=7, lrpid=555)
    [finding] = run(snap(msg=(q,), processes=scan(alive=[91, 555], waiters={"msg:3": (sender(),)})))
    assert finding.severity == "warning"
    stopped = scan(alive=[91], waiters={"msg:3": (sender(state="stopped"),)})
    assert run(snap(msg=(q,), processes=stopped)) == []


def test_full_queue_without_a_scan_and_hidden_qbytes():
    full = queue(msqid=3, types=None, cbytes=16384, qnum=4)
    [finding] = run(snap(msg=(full,)))
    assert finding.kind == "queue-full" and finding.severity == "warning"
    hidden = queue(msqid=3, types=None, cbytes=16384, qnum=4, qbytes=None)
    assert run(snap(msg=(hidden,))) == []
    [blocked] = run(snap(msg=(hidden,), processes=scan(alive=[91], waiters={"msg:3": (sender(),)})))
    assert "hidden" in blocked.message


def test_posix_queue_full():
    pq = PosixQueue(name="/q", mode=0o600, uid=0, gid=0, curmsgs=3, maxmsg=10)
    s = snap(pmq=(pq,), processes=scan(alive=[91], waiters={"pmq:/q": (sender(op="mq_send"),)},
                                       holders={"pmq:/q": (ProcessRef(91, "tx"),)}))
    [finding] = run(s)
    assert (finding.kind, finding.pids, finding.hint) == ("queue-full", (91,), "ipcscope recv /q")
    full = dataclasses.replace(pq, curmsgs=10)
    assert kinds(run(snap(pmq=(full,), processes=scan(holders={"pmq:/q": (ProcessRef(91, "tx"),)})))) == [
        ("queue-full", "pmq:/q")]


# --------------------------------------------------------------------------- shared memory


def segment(shmid: int = 5, cpid: int = 100, lpid: int = 101, nattch: int = 0, dest: bool = False,
            **kw) -> ShmSegment:
    fields = dict(IDS, mode=0o600 | (SHM_DEST if dest else 0))
    return ShmSegment(key=0 if dest else 0x3000 + shmid, id=shmid, size=4096, cpid=cpid, lpid=lpid,
                      nattch=nattch, **fields, **kw)


@pytest.mark.parametrize(("seg", "alive", "holders", "reported"), [
    (segment(), [], {}, True),
    (segment(cpid=0, lpid=0), [], {}, True),       # pid 0 counts as gone
    (segment(lpid=0), [], {}, True),
    (segment(), [100], {}, False),                 # creator alive
    (segment(), [101], {}, False),                 # last user alive
    (segment(nattch=1), [], {}, False),            # the kernel says attached
    (segment(), [], {"shm:5": (ProcessRef(7),)}, False),
    (segment(dest=True), [], {}, False),
])
def test_orphan_shm(seg, alive, holders, reported):
    findings = run(snap(shm=(seg,), processes=scan(alive=alive, holders=holders)))
    assert kinds(findings) == ([("orphan-shm", "shm:5")] if reported else [])


def test_orphan_shm_needs_a_scan():
    assert run(snap(shm=(segment(),))) == []
    [finding] = run(snap(shm=(segment(),), processes=scan(denied=3)))  # nattch 0 is the kernel's word
    assert finding.severity == "warning"


def test_removed_attached_names_holders_and_recovers_the_key():
    s = snap(shm=(segment(shmid=8, nattch=2, dest=True),),
             processes=scan(alive=[7, 8], holders={"shm:8": (ProcessRef(7, "a"), ProcessRef(8, "b"))},
                            original_keys={8: 0x1234ABCD}))
    [finding] = run(s)
    assert (finding.kind, finding.pids) == ("removed-attached", (7, 8))
    assert "a 7, b 8 still have it attached" in finding.message and "0x1234abcd" in finding.message
    assert finding.hint == "ps -o pid,user,lstart,cmd -p 7,8"


def test_removed_attached_without_holders_found():
    s = snap(shm=(segment(shmid=8, nattch=1, dest=True),), processes=scan())
    [finding] = run(s)
    assert finding.pids == () and "no process ipcscope could inspect maps it" in finding.message
    assert "1 attachment not found by the process scan" in finding.message and finding.hint is None
    assert run(snap(shm=(segment(shmid=8, nattch=0, dest=True),), processes=scan())) == []


# --------------------------------------------------------------------------- POSIX leftovers


def test_orphan_posix():
    pshm = PosixShm(name="/a", mode=0o600, uid=0, gid=0, size=8192)
    psem = PosixSemaphore(name="/b", mode=0o600, uid=0, gid=0, value=1)
    pq = PosixQueue(name="/c", mode=0o600, uid=0, gid=0, curmsgs=0, maxmsg=10)
    notified = PosixQueue(name="/d", mode=0o600, uid=0, gid=0, curmsgs=0, maxmsg=10, notify_pid=44)
    held = PosixShm(name="/e", mode=0o600, uid=0, gid=0, size=8192)
    s = snap(pshm=(pshm, held), psem=(psem,), pmq=(pq, notified),
             processes=scan(alive=[44, 45], holders={"pshm:/e": (ProcessRef(45),)}))
    findings = run(s)
    assert kinds(findings) == [("orphan-posix", "pmq:/c"), ("orphan-posix", "pshm:/a"),
                               ("orphan-posix", "psem:/b")]
    assert {f.severity for f in findings} == {"info"}
    assert findings[1].hint == "ipcscope rm pshm /a"
    assert run(dataclasses.replace(s, processes=None)) == []


# --------------------------------------------------------------------------- JSON


def test_json_shape():
    data = doctor_to_json(diagnose(demo_snapshot(), now=DEMO_NOW))
    assert list(data) == ["findings"]
    json.dumps(data)  # serialisable as is
    for item in data["findings"]:
        assert list(item) == ["kind", "severity", "object", "pids", "message", "hint"]
        assert isinstance(item["pids"], list) and all(isinstance(p, int) for p in item["pids"])
    by_object = {json.dumps(i["object"], sort_keys=True): i for i in data["findings"]}
    assert json.dumps({"type": "sem", "id": 2}, sort_keys=True) in by_object
    assert json.dumps({"type": "pshm", "name": "/PostgreSQL.1804289383"}, sort_keys=True) in by_object
    dead = by_object[json.dumps({"type": "sem", "id": 2}, sort_keys=True)]
    assert dead["kind"] == "dead-holder" and dead["pids"] == [4417, 4418, 4410]
    assert dead["hint"] == "ipcscope semop 2 0:+1"


def test_finding_is_frozen():
    finding = Finding("orphan-shm", "warning", ObjectRef("shm", 1), (), "m")
    with pytest.raises(dataclasses.FrozenInstanceError):
        finding.kind = "x"  # type: ignore[misc]
    assert doctor_to_json([finding])["findings"][0]["hint"] is None


def test_a_wait_first_seen_by_this_scan_has_no_length():
    q = queue(types=(1,))
    fresh = Waiter(90, 90, "rx", "msgrcv", msgtyp=5, msgflg=0, since=NOW)  # scan.taken_at == NOW
    [finding] = run(snap(msg=(q,), processes=scan(alive=[90], waiters={"msg:7": (fresh,)})))
    assert "rx 90 has waited in msgrcv for type 5" in finding.message


def test_values_that_do_not_cover_the_ops_are_unknown_not_free():
    short = dataclasses.replace(sem_set(4, (0, 900)), semaphores=())
    s = snap(sem=(short,), processes=scan(alive=[10], waiters={"sem:4": (sem_waiter(10, (0, -1), since=NOW - 90),)}))
    assert kinds(run(s)) == [("stuck-semaphore", "sem:4")]
    told = sem_waiter(10, known_ops=False, blocked_on=3, since=NOW - 90)
    assert kinds(run(dataclasses.replace(s, processes=scan(alive=[10], waiters={"sem:4": (told,)})))) == [
        ("stuck-semaphore", "sem:4")]


# --------------------------------------------------------------------------- any snapshot

_pids = st.integers(0, 8)
_ops = st.lists(st.builds(SemOpSpec, st.integers(0, 3), st.integers(-2, 2), st.sampled_from([0, SEM_UNDO])),
                max_size=3)


@st.composite
def _any_snapshot(draw) -> Snapshot:
    sets = tuple(
        SemSet(key=i, id=i, nsems=n, semaphores=draw(st.none() | st.just(tuple(
            Semaphore(j, draw(st.integers(0, 2)), 0, 0, draw(_pids)) for j in range(n)))), **IDS)
        for i, n in enumerate(draw(st.lists(st.integers(0, 3), max_size=3))))
    types = st.none() | st.tuples() | st.lists(st.integers(1, 4), max_size=4).map(tuple)
    queues = tuple(queue(msqid=i, types=draw(types),
                         cbytes=draw(st.integers(0, 100)), qbytes=draw(st.none() | st.integers(1, 100)),
                         lrpid=draw(_pids))
                   for i in range(draw(st.integers(0, 2))))
    segments = tuple(segment(shmid=i, cpid=draw(_pids), lpid=draw(_pids), nattch=draw(st.integers(0, 2)),
                             dest=draw(st.booleans())) for i in range(draw(st.integers(0, 2))))
    waiters: dict[str, tuple[Waiter, ...]] = {}
    for ref in [s.ref for s in sets] + [q.ref for q in queues]:
        waiters[ref.row_key] = tuple(
            Waiter(pid, pid, "", draw(st.sampled_from(["semop", "msgrcv", "msgsnd"])),
                   state=draw(st.sampled_from(["waiting", "stopped"])), ops=draw(st.none() | _ops),
                   blocked_on=draw(st.none() | st.integers(0, 4)), msgtyp=draw(st.none() | st.integers(-3, 3)),
                   msgflg=draw(st.sampled_from([0, MSG_EXCEPT])), since=draw(st.none() | st.floats(NOW - 500, NOW)))
            for pid in draw(st.lists(st.integers(1, 8), max_size=3)))
    processes = draw(st.none() | st.builds(
        lambda alive, denied: scan(alive=alive, waiters=waiters, denied=denied),
        st.lists(st.integers(1, 8), max_size=8), st.integers(0, 2)))
    return snap(sem=sets, msg=queues, shm=segments, processes=processes)


@settings(max_examples=300, deadline=None)
@given(_any_snapshot())
def test_any_snapshot_gives_sorted_serialisable_findings(snapshot):
    findings = run(snapshot)
    json.dumps(doctor_to_json(findings))
    order = [("error", "warning", "info").index(f.severity) for f in findings]
    assert order == sorted(order)
    for finding in findings:
        assert snapshot.find(finding.object) is not None
        assert finding.message and not finding.message.endswith(" ")
