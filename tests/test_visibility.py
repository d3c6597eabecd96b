"""What the kernel counts but the scan could not name: the rule, the doctor's use of it, the feed.

Hand-built snapshots (the kernel side is tested in tests/test_not_visible.py): counts as the kernel
gives them, waiters as the scan would name them, blind spots as the probe words them.
"""

from __future__ import annotations

from dataclasses import replace

from ipcscope.doctor import diagnose, hidden_wait_state
from ipcscope.model import (
    Environment,
    ProcessRef,
    ProcessScan,
    Semaphore,
    SemOpSpec,
    SemSet,
    ShmSegment,
    Snapshot,
    Waiter,
)
from ipcscope.probe.access import AccessFacts, Refusal, blind_spots
from ipcscope.ui.data.findings_feed import FindingsFeed
from ipcscope.visibility import (
    hidden_attachments,
    hidden_waiter_semaphores,
    hidden_waiters,
    kernel_waiters,
    unseen_sentence,
)

NOW = 1_800_000_000.0
IDS = dict(mode=0o666, uid=0, gid=0, cuid=0, cgid=0)
OTHERS = blind_spots([Refusal(10, 0, 0, "read")] * 3, AccessFacts(euid=1000))
LSM = blind_spots([Refusal(1, 0, 0, "read")], AccessFacts(euid=0, cap_sys_ptrace=True, initial_user_ns=True,
                                                          lsms=("landlock", "selinux")))


def semset(*counts: tuple[int, int, int], otime: float | None = None, ctime: float = NOW - 3600,
           readable: bool = True) -> SemSet:
    """A set 7 whose semaphores are (value, ncnt, zcnt)."""
    sems = tuple(Semaphore(i, value, n, z, 0) for i, (value, n, z) in enumerate(counts))
    return SemSet(key=7, id=7, nsems=len(sems), otime=None if otime is None else int(otime),
                  ctime=int(ctime), semaphores=sems if readable else None, **IDS)


def waiter(pid: int, *ops: tuple[int, int], state: str = "waiting", blocked_on: int | None = None) -> Waiter:
    return Waiter(pid, pid, f"p{pid}", "semop", state=state, uid=1000,
                  ops=tuple(SemOpSpec(n, op) for n, op in ops), blocked_on=blocked_on, since=NOW - 5)


def scan(*waiters: Waiter, spots=OTHERS, holders=None, attachments=None) -> ProcessScan:
    return ProcessScan(taken_at=NOW, waiters={"sem:7": waiters} if waiters else {}, holders=holders or {},
                       attachments=attachments or {}, denied=sum(s.processes for s in spots),
                       notes=tuple(s.note for s in spots), blind_spots=spots,
                       processes={w.pid: ProcessRef(w.pid) for w in waiters})


def snapshot(sem: SemSet, processes: ProcessScan | None, uid: int = 1000, **objects) -> Snapshot:
    return Snapshot(taken_at=NOW, sem=(sem,), processes=processes,
                    environment=Environment(user="alice" if uid else "root", uid=uid), **objects)


# --------------------------------------------------------------------------- the rule


def test_each_blocked_task_counts_once_and_stopped_ones_not_at_all() -> None:
    # a multi-op waiter {1 -1, 0 -1} is counted on semaphore 1 only (the one that blocks it)
    sems = semset((0, 0, 0), (0, 1, 0), (3, 0, 1))
    assert kernel_waiters(sems) == 2
    named = waiter(20, (1, -1), (0, -1), blocked_on=1)
    assert hidden_waiters(sems, scan(named)) == 1
    assert hidden_waiter_semaphores(sems, scan(named)) == (2,)
    # a stopped task is named but not counted: it does not make the count look complete
    stopped = waiter(21, (2, 0), state="stopped", blocked_on=2)
    assert hidden_waiters(sems, scan(named, stopped)) == 1
    assert hidden_waiters(sems, scan(named, waiter(22, (2, 0), blocked_on=2))) == 0


def test_no_count_to_compare_without_values_or_scan() -> None:
    assert hidden_waiters(semset((0, 1, 0), readable=False), scan()) is None
    assert hidden_waiters(semset((0, 1, 0)), None) is None
    # a scan older than the values may name more than the kernel counts now: never negative
    assert hidden_waiters(semset((1, 0, 0)), scan(waiter(20, (0, -1)))) == 0


def test_nattch_counts_mappings_so_found_mappings_are_compared() -> None:
    seg = ShmSegment(key=1, id=3, nattch=3, **IDS)
    one = (ProcessRef(20, "a"),)
    assert hidden_attachments(seg, scan(holders={"shm:3": one}, attachments={"shm:3": 3})) == 0  # attached 3 times
    assert hidden_attachments(seg, scan(holders={"shm:3": one}, attachments={"shm:3": 2})) == 1
    assert hidden_attachments(seg, scan(holders={"shm:3": one})) == 2  # no mapping counts: holders
    assert hidden_attachments(seg, None) is None


def test_the_words_fit_who_looks() -> None:
    assert unseen_sentence(1, "task waits", "tasks wait", scan(), is_root=False) == (
        "1 task waits that you cannot see (a process of another user): run `sudo ipcscope` to name it")
    assert unseen_sentence(2, "task waits", "tasks wait", scan(), is_root=False).startswith(
        "2 tasks wait that you cannot see (processes of other users): run `sudo ipcscope` to name them")
    as_root = unseen_sentence(1, "task waits", "tasks wait", scan(spots=LSM), is_root=True)
    assert as_root.startswith("1 task waits that root cannot see here (a process a security module hides from root)")
    assert "sudo" not in as_root and "run as root" not in as_root
    # nothing was refused: the task is newer than the scan
    assert "the process scan did not find" in unseen_sentence(1, "task waits", "tasks wait", scan(spots=()),
                                                               is_root=True)


# --------------------------------------------------------------------------- the doctor


def stuck(finding_list):
    return [f for f in finding_list if f.kind == "stuck-semaphore"]


def test_unnamed_waiter_on_an_idle_set_is_stuck() -> None:
    s = snapshot(semset((0, 0, 0), (0, 1, 0), otime=NOW - 120), scan())
    [finding] = stuck(diagnose(s, now=NOW, stuck_after=60))
    assert finding.pids == () and finding.hint == "sudo ipcscope doctor"
    assert finding.message == ("1 task waits on semaphore 1 (value 0) that you cannot see (a process of "
                               "another user), and no semop has completed on the set for 1m 59s; run "
                               "`sudo ipcscope` to name it.")


def test_whole_second_times_are_not_trusted_for_the_last_second() -> None:
    """ctime is truncated to whole seconds: "1 s ago" may be 0.1 s, so it proves no idleness."""
    assert stuck(diagnose(snapshot(semset((0, 1, 0), ctime=NOW - 1), scan()), now=NOW, stuck_after=1)) == []
    [finding] = stuck(diagnose(snapshot(semset((0, 1, 0), ctime=NOW - 2), scan()), now=NOW, stuck_after=1))
    assert "since it was created or last set, 1s ago" in finding.message


def test_a_busy_set_needs_the_first_seen_time() -> None:
    busy = semset((0, 1, 0), (1, 0, 0), otime=NOW - 3)  # another semaphore is in use
    assert stuck(diagnose(snapshot(busy, scan()), now=NOW, stuck_after=60)) == []
    [finding] = stuck(diagnose(snapshot(busy, scan()), now=NOW, stuck_after=60,
                               hidden_since={"sem:7": NOW - 90}))
    assert "the kernel has shown this count for 1m 30s, since ipcscope first saw it" in finding.message


def test_named_and_unnamed_waiters_are_told_apart() -> None:
    sems = semset((0, 2, 0), otime=NOW - 600)
    [finding] = stuck(diagnose(snapshot(sems, scan(waiter(20, (0, -1), blocked_on=0))), now=NOW))
    assert finding.message.startswith("1 more task waits on semaphore 0")


def test_root_hears_the_mechanism_not_sudo() -> None:
    s = snapshot(semset((0, 1, 0), otime=NOW - 600), scan(spots=LSM), uid=0)
    [finding] = stuck(diagnose(s, now=NOW))
    assert "that root cannot see here (a process a security module hides from root)" in finding.message
    assert "sudo" not in finding.message and finding.hint is None


def test_attached_segments_are_never_orphans_and_hidden_holders_are_said() -> None:
    live = ShmSegment(key=5, id=5, nattch=1, cpid=900, lpid=900, **IDS)  # creator gone, someone attached
    s = replace(snapshot(semset((0, 0, 0)), scan()), shm=(live, replace(live, id=6, mode=0o1666)))
    findings = diagnose(s, now=NOW)
    assert not any(f.kind == "orphan-shm" for f in findings)
    [removed] = [f for f in findings if f.kind == "removed-attached"]
    assert "1 attachment not visible to you (a process of another user)" in removed.message
    assert removed.hint == "sudo ipcscope doctor"


# --------------------------------------------------------------------------- the app's feed


def test_the_feed_dates_unnamed_waiters_from_the_first_poll_that_saw_them() -> None:
    def busy(at: float, sems=((0, 1, 0), (1, 0, 0))) -> Snapshot:  # semaphore 1 stays in use
        return replace(snapshot(semset(*sems, otime=at - 3), scan()), taken_at=at)

    feed = FindingsFeed()
    first = feed.update(busy(NOW), NOW)
    assert first is not None and stuck(first[0]) == []
    later = feed.update(busy(NOW + 61), NOW + 61)
    assert later is not None
    assert "the kernel has shown this count for 1m 1s, since ipcscope first saw it" in stuck(later[0])[0].message
    # a semop on another semaphore does not touch the waiter's: still stuck since first seen
    moved = busy(NOW + 63, ((0, 1, 0), (2, 0, 0)))
    assert hidden_wait_state(moved.sem[0], moved) == hidden_wait_state(busy(NOW).sem[0], busy(NOW))
    still = feed.update(moved, NOW + 63)
    assert still is not None and "1m 3s, since ipcscope first saw it" in stuck(still[0])[0].message
    # one on the waiter's semaphore (its sempid changed) may have let it through: the clock restarts
    changed = replace(moved, sem=(replace(moved.sem[0], semaphores=(Semaphore(0, 0, 1, 0, 77),
                                                                  Semaphore(1, 2, 0, 0, 0))),))
    again = feed.update(changed, NOW + 70)
    assert again is not None and stuck(again[0]) == []
