"""Diagnosis: what is stuck, leaked or deadlocked, computed from one Snapshot.

`diagnose()` is a pure function of a `model.Snapshot` (whose `.processes` is a `ProcessScan`) and
"now": no Textual, no I/O, no clock. The app's Findings view and `ipcscope doctor` show the same
list. A finding only claims what the data shows: without a process scan the checks that need
holders, waiters or liveness are skipped; a set whose values are hidden gets no dead-holder or
deadlock verdict, only "stuck"; "nobody holds it" says how many processes could not be inspected.
What the kernel counts but the scan could not name (ncnt/zcnt against the waiters found, nattch
against the mappings found; see `visibility`) is reasoned from too: a set whose waiters are hidden
is still stuck, and a segment that nattch says is attached is never an orphan.
Liveness comes from the scan's process table, which lists every process, inspected or not.

Finding kinds (exact names, used in JSON): dead-holder, deadlock, stuck-semaphore,
unmatched-receiver, queue-full, orphan-shm, removed-attached, orphan-posix.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, replace
from typing import Literal

from ipcscope.format import duration, human_size, percent
from ipcscope.model import (
    KINDS,
    MsgQueue,
    ObjectRef,
    PosixQueue,
    PosixSemaphore,
    PosixShm,
    ProcessScan,
    SemOpSpec,
    SemSet,
    ShmSegment,
    Snapshot,
    Waiter,
)
from ipcscope.visibility import (
    hidden_attachments,
    hidden_waiter_semaphores,
    hidden_waiters,
    named_waiters,
    unseen_by,
    unseen_command,
    unseen_remedy,
    unseen_to,
    unseen_why,
)

Severity = Literal["error", "warning", "info"]
SEVERITIES: tuple[Severity, ...] = ("error", "warning", "info")

DEAD_HOLDER = "dead-holder"
DEADLOCK = "deadlock"
STUCK_SEMAPHORE = "stuck-semaphore"
UNMATCHED_RECEIVER = "unmatched-receiver"
QUEUE_FULL = "queue-full"
ORPHAN_SHM = "orphan-shm"
REMOVED_ATTACHED = "removed-attached"
ORPHAN_POSIX = "orphan-posix"
FINDING_KINDS = (DEAD_HOLDER, DEADLOCK, STUCK_SEMAPHORE, UNMATCHED_RECEIVER, QUEUE_FULL,
                 ORPHAN_SHM, REMOVED_ATTACHED, ORPHAN_POSIX)

#: msgrcv flag: with msgtyp > 0, take the first message whose type is *not* msgtyp.
MSG_EXCEPT = 0o20000
_LONG_MIN = -(2**63)
_LONG_MAX = 2**63 - 1
#: enumerating wait-for cycles is exponential in the worst case; real graphs are tiny
MAX_CYCLES = 50


@dataclass(frozen=True)
class Finding:
    """One problem: what kind, how bad, on which object, which processes, and what to run next."""

    kind: str
    severity: Severity
    object: ObjectRef
    pids: tuple[int, ...]
    #: a sentence about the object (it does not repeat the object's name: see `object_label`)
    message: str
    #: the next command to run, or None when there is no safe one
    hint: str | None = None


def object_label(ref: ObjectRef) -> str:
    """How findings name an object in prose: "sem 2", "pmq /jobs"; "sem 2 in ipc:[4026532179]"
    for an object of another namespace."""
    if ref.ns is not None:
        return f"{ref.kind} {ref.ident} in ipc:[{ref.ns}]"
    return f"{ref.kind} {ref.ident}"


def diagnose(snapshot: Snapshot, *, now: float, stuck_after: float = 60.0,
             hidden_since: Mapping[str, float] | None = None) -> list[Finding]:
    """Every finding in `snapshot`, most severe first, then by object (kind order, then id/name).

    `hidden_since` (sem row key -> epoch seconds) is when a caller that keeps polling first saw the
    set's current count of waiters it cannot name (see `hidden_wait_state`): it dates a wait that
    the set's times cannot, e.g. while other semaphores of the set are in use.
    """
    check = _Checker(snapshot, now=now, stuck_after=stuck_after, hidden_since=hidden_since or {})
    findings = [
        *check.semaphores(),
        *check.hidden_semaphore_waiters(),
        *check.posix_semaphores(),
        *check.unmatched_receivers(),
        *check.full_queues(),
        *check.orphan_segments(),
        *check.removed_attached(),
        *check.orphan_posix(),
    ]
    if snapshot.namespaces:
        findings = [_in_namespace(finding) for finding in findings]
    return sorted(findings, key=_sort_key)


def _in_namespace(finding: Finding) -> Finding:
    """A hint runs where its object is: `ipcscope semop --ns 4026532179 0 0:+1`."""
    hint, ns = finding.hint, finding.object.ns
    if ns is None or hint is None or not hint.startswith("ipcscope "):
        return finding
    words = hint.split(" ")
    return replace(finding, hint=" ".join([*words[:2], f"--ns {ns}", *words[2:]]))


def summary(findings: Sequence[Finding]) -> str:
    """"3 findings: 1 error, 2 warnings" or "no problems found"."""
    if not findings:
        return "no problems found"
    counts = []
    for severity, plural in (("error", "errors"), ("warning", "warnings"), ("info", "info")):
        n = sum(1 for f in findings if f.severity == severity)
        if n:
            counts.append(f"{n} {severity if n == 1 else plural}")
    total = len(findings)
    return f"{total} finding{'s' if total != 1 else ''}: {', '.join(counts)}"


def coverage_notes(snapshot: Snapshot) -> list[str]:
    """What the diagnosis could not look at, in words, so "no findings" is never over-read."""
    notes: list[str] = []
    scan = snapshot.processes
    if scan is None:
        notes.append("no process scan: dead holders, deadlocks, stuck waiters, unmatched receivers, "
                     "orphans and blocked senders were not checked")
    elif scan.notes:
        notes.extend(scan.notes)  # the scan knows why it was denied (other users, Yama, namespaces)
    elif scan.denied:
        who = "1 process" if scan.denied == 1 else f"{scan.denied} processes"
        notes.append(f"{who} could not be inspected: their attachments and waits are unknown")
    hidden = [s.id if s.ns is None else f"{s.id} (ipc:[{s.ns}])" for s in snapshot.sem if s.semaphores is None]
    if hidden:
        sets = ("set " if len(hidden) == 1 else "sets ") + ", ".join(map(str, hidden))
        notes.append(f"the semaphore values of {sets} are not readable: dead holders and deadlocks "
                     "there were not checked")
    notes += [f"{ns.label} could not be read ({ns.unreachable}): its objects were not checked"
              for ns in snapshot.namespaces if ns.unreachable]
    return notes


#: a set's unnamed waiters: their count, and (num, value, ncnt, zcnt, sempid) of each counted semaphore
HiddenWaitState = tuple[int, tuple[tuple[int, int, int, int, int], ...]]


def hidden_wait_state(semset: SemSet, snapshot: Snapshot) -> HiddenWaitState | None:
    """What a set's unnamed waiters look like now, or None when there are none: while it stays
    the same (count, and value, ncnt, zcnt and sempid of each semaphore with a count), no semop
    has let them through, so a poller can date the wait from the first poll that saw it."""
    hidden = hidden_waiters(semset, snapshot.processes)
    if not hidden or semset.semaphores is None:
        return None
    return (hidden, tuple((s.num, s.value, s.ncnt, s.zcnt, s.pid)
                          for s in semset.semaphores if s.ncnt or s.zcnt))


def doctor_to_json(findings: Iterable[Finding]) -> dict:
    """`{"findings": [{"kind", "severity", "object": {"type", "id"|"name"}, "pids", "message", "hint"}]}`."""
    return {"findings": [_finding_to_json(f) for f in findings]}


def _finding_to_json(finding: Finding) -> dict:
    ref = finding.object
    where = "name" if isinstance(ref.ident, str) else "id"
    where_json: dict = {"type": ref.kind, where: ref.ident}
    if ref.ns is not None:
        where_json["ns"] = ref.ns
    return {
        "kind": finding.kind,
        "severity": finding.severity,
        "object": where_json,
        "pids": list(finding.pids),
        "message": finding.message,
        "hint": finding.hint,
    }


def _sort_key(finding: Finding) -> tuple:
    ref = finding.object
    ident = (0, ref.ident, "") if isinstance(ref.ident, int) else (1, 0, ref.ident)
    return (SEVERITIES.index(finding.severity), KINDS.index(ref.kind), ref.ns or 0, ident,
            FINDING_KINDS.index(finding.kind) if finding.kind in FINDING_KINDS else 99, finding.pids)


# --------------------------------------------------------------------------- kernel rules


def msgrcv_pick(queued_types: Sequence[int], msgtyp: int, msgflg: int = 0) -> int | None:
    """Index of the message msgrcv(msgtyp, msgflg) would take from a queue, or None (it blocks).

    Exactly the kernel's convert_mode()/find_msg(): 0 takes the first message; > 0 the first of that
    type, or with MSG_EXCEPT the first of any other type; < 0 the first message of the lowest type
    <= |msgtyp| (MSG_EXCEPT is ignored for 0 and < 0).
    """
    if msgtyp == 0:
        return 0 if queued_types else None
    if msgtyp < 0:
        bound = _LONG_MAX if msgtyp == _LONG_MIN else -msgtyp
        best: int | None = None
        for index, mtype in enumerate(queued_types):
            if mtype <= bound and (best is None or mtype < queued_types[best]):
                best = index
        return best
    except_type = bool(msgflg & MSG_EXCEPT)
    for index, mtype in enumerate(queued_types):
        if (mtype != msgtyp) if except_type else (mtype == msgtyp):
            return index
    return None


def first_blocking(ops: Sequence[SemOpSpec], values: Sequence[int]) -> int | None:
    """The semaphore number of the first operation that cannot proceed, or None if all would."""
    op = blocking_op(ops, values)
    return None if op is None else op.num


def blocking_op(ops: Sequence[SemOpSpec], values: Sequence[int]) -> SemOpSpec | None:
    """The first operation of a semop that cannot proceed with `values`, or None if all would.

    As the kernel tries a semop: apply the operations in order to a scratch copy of the values and
    stop at the first decrement below zero or wait-for-zero on a non-zero value. An operation on a
    semaphore the set does not have is treated as not blocking (the kernel would say EFBIG).
    """
    scratch = list(values)
    for op in ops:
        if not 0 <= op.num < len(scratch):
            return None
        value = scratch[op.num]
        if (op.op < 0 and value + op.op < 0) or (op.op == 0 and value != 0):
            return op
        scratch[op.num] = value + op.op
    return None


# --------------------------------------------------------------------------- the checks


@dataclass(frozen=True)
class _SemWait:
    """A task blocked in semop on a readable set, resolved to the semaphore that blocks it."""

    waiter: Waiter
    semset: SemSet
    num: int
    #: sempid of that semaphore: the last process that operated on it
    holder: int
    #: the blocking operation's delta (0: waits for zero), None when the ops were not readable
    op: int | None


class _Checker:
    """Holds the snapshot and the scan while the individual checks run."""

    def __init__(self, snapshot: Snapshot, *, now: float, stuck_after: float,
                 hidden_since: Mapping[str, float]) -> None:
        self.snapshot = snapshot
        self.scan: ProcessScan | None = snapshot.processes
        self.now = now
        self.stuck_after = stuck_after
        self.hidden_since = hidden_since

    # ---- naming and liveness

    def who(self, pid: int, comm: str | None = None) -> str:
        """"worker 4417" (command and pid), or "pid 4410" when the command is unknown."""
        if comm is None and self.scan is not None and pid in self.scan.processes:
            comm = self.scan.processes[pid].comm
        return f"{comm} {pid}" if comm else f"pid {pid}"

    def gone(self, pid: int) -> bool:
        """pid 0 ("none", or outside our pid namespace) or absent from the scan's process table.

        The table lists every process in /proc, also those whose maps and tasks were denied to us,
        so a denial does not make a live process look dead.
        """
        return pid == 0 or self.scan is None or not self.scan.is_alive(pid)

    @property
    def partial(self) -> bool:
        """Some processes could not be inspected: "nobody holds/waits" is not certain."""
        return self.scan is not None and (self.scan.denied > 0 or self.scan.listing_incomplete)

    def partial_note(self) -> str:
        """Why "nobody" may be wrong, and what would make sure: root is never told to run as root."""
        assert self.scan is not None
        command = unseen_command(self.scan)
        if self.scan.blind_spots:
            advice = f"; run `{command}` to be sure" if command else f": {unseen_why(self.scan, self.scan.denied)}"
        else:
            advice = "" if self.snapshot.environment.is_root else "; run as root to be sure"
        if self.scan.listing_incomplete:
            return f" (/proc hides other users' processes (hidepid): one may hold it{advice})"
        who = "1 process" if self.scan.denied == 1 else f"{self.scan.denied} processes"
        return f" ({who} could not be inspected and may hold it{advice})"

    def waiting(self, ref: ObjectRef, *ops: str) -> list[Waiter]:
        """Tasks queued in one of `ops` on `ref`; stopped tasks are not queued (kernel.md §2)."""
        if self.scan is None:
            return []
        return [w for w in self.scan.waiters_of(ref) if w.op in ops and w.state != "stopped"]

    def waited(self, waiter: Waiter) -> float | None:
        return None if waiter.since is None else max(0.0, self.now - waiter.since)

    def waited_for(self, waiter: Waiter) -> str:
        """" for 4m 12s", or "" when the wait was first seen by this very scan (length unknown)."""
        elapsed = self.waited(waiter)
        if elapsed is None or (self.scan is not None and waiter.since is not None
                               and waiter.since >= self.scan.taken_at):
            return ""
        return f" for {duration(elapsed)}"

    def names(self, waiters: Iterable[Waiter]) -> str:
        """"worker 4417, worker 4418": one entry per process, threads folded into their process."""
        seen: dict[int, str] = {}
        for w in waiters:
            seen.setdefault(w.pid, self.who(w.pid, w.comm or None))
        return ", ".join(seen.values())

    # ---- semaphores: dead-holder, deadlock, stuck-semaphore

    def semaphores(self) -> list[Finding]:
        findings: list[Finding] = []
        resolved: list[_SemWait] = []
        unresolved: list[tuple[SemSet, Waiter]] = []
        for semset in self.snapshot.sem:
            for waiter in self.waiting(semset.ref, "semop"):
                wait = self._resolve(semset, waiter)
                if wait is not None:
                    resolved.append(wait)
                elif not _would_proceed(semset, waiter):
                    unresolved.append((semset, waiter))
                # else: the current values let it through: the scan is older than the values
        reported: set[tuple[ObjectRef, int]] = set()  # (set, tid)
        for finding, waits in [*self._dead_holders(resolved), *self._deadlocks(resolved)]:
            findings.append(finding)
            reported.update((w.semset.ref, w.waiter.tid) for w in waits)
        stuck = [(w.semset, w.waiter, w) for w in resolved if (w.semset.ref, w.waiter.tid) not in reported]
        stuck += [(s, w, None) for s, w in unresolved]
        findings.extend(self._stuck_sysv(stuck))
        return findings

    def _resolve(self, semset: SemSet, waiter: Waiter) -> _SemWait | None:
        """Which semaphore blocks `waiter` now; None when unknown or when it would no longer block."""
        if semset.semaphores is None:
            return None
        values = [s.value for s in semset.semaphores]
        if waiter.ops is not None:
            blocking = blocking_op(waiter.ops, values)
            if blocking is None:
                return None
            num, op = blocking.num, blocking.op
        elif waiter.blocked_on is not None and 0 <= waiter.blocked_on < len(values):
            num, op = waiter.blocked_on, None
        else:
            return None
        return _SemWait(waiter, semset, num, semset.semaphores[num].pid, op)

    def _dead_holders(self, waits: list[_SemWait]) -> list[tuple[Finding, list[_SemWait]]]:
        groups: dict[tuple[int, int, int | None], list[_SemWait]] = {}
        for wait in waits:
            if wait.holder != 0 and self.gone(wait.holder):
                groups.setdefault((wait.semset.id, wait.num, wait.semset.ns), []).append(wait)
        out = []
        for (semid, num, _), group in groups.items():
            holder = group[0].holder
            count = len({w.waiter.pid for w in group})
            subject = "1 process waits" if count == 1 else f"{count} processes wait"
            zero = all(w.op == 0 for w in group)
            target = f"for semaphore {num} to reach 0" if zero else f"on semaphore {num}"
            message = (f"{subject} {target} ({self.names(w.waiter for w in group)}) but its last "
                       f"holder, pid {holder}, has exited — the lock was probably never released "
                       "(no SEM_UNDO).")
            hint = f"ipcscope setval {semid} {num} 0" if zero else f"ipcscope semop {semid} {num}:+1"
            pids = _unique([w.waiter.pid for w in group] + [holder])
            out.append((Finding(DEAD_HOLDER, "error", group[0].semset.ref, pids, message, hint), group))
        return out

    def _deadlocks(self, waits: list[_SemWait]) -> list[tuple[Finding, list[_SemWait]]]:
        """Cycles in the wait-for graph: A waits on a semaphore last taken by B, B on one taken by A."""
        edges: dict[int, dict[int, _SemWait]] = {}
        for wait in sorted(waits, key=lambda w: (w.waiter.pid, w.semset.id, w.num)):
            if wait.holder in (0, wait.waiter.pid) or self.gone(wait.holder):
                continue
            edges.setdefault(wait.waiter.pid, {}).setdefault(wait.holder, wait)
        out = []
        for cycle in _simple_cycles(edges):
            steps = [edges[a][cycle[(i + 1) % len(cycle)]] for i, a in enumerate(cycle)]
            several_sets = len({s.semset.ref for s in steps}) > 1
            parts = []
            for step in steps:
                where = f"semaphore {step.num}" + (f" of sem {step.semset.id}" if several_sets else "")
                parts.append(f"{self.who(step.waiter.pid, step.waiter.comm or None)} waits on {where}, "
                             f"last taken by {self.who(step.holder)}")
            stuck = "neither can continue" if len(cycle) == 2 else f"none of the {len(cycle)} can continue"
            message = (f"{'; '.join(parts)} — {stuck}. Take the semaphores in one fixed order "
                       "everywhere.")
            first = steps[0]
            hint = f"ipcscope semop {first.semset.id} {first.num}:+1"
            out.append((Finding(DEADLOCK, "error", first.semset.ref, cycle, message, hint), steps))
        return out

    def _stuck_sysv(self, waits: list[tuple[SemSet, Waiter, _SemWait | None]]) -> list[Finding]:
        groups: dict[tuple[int, int | None, int | None], list[tuple[SemSet, Waiter, _SemWait | None]]] = {}
        for semset, waiter, wait in waits:
            elapsed = self.waited(waiter)
            if elapsed is None or elapsed < self.stuck_after:
                continue
            num = wait.num if wait is not None else waiter.blocked_on
            groups.setdefault((semset.id, num, semset.ns), []).append((semset, waiter, wait))
        out = []
        for (_, num, _), group in groups.items():
            semset = group[0][0]
            waiters = [w for _, w, _ in group]
            what = "a semaphore" if num is None else f"semaphore {num}"
            detail, hint, extra_pids = self._sem_state(semset, num, group)
            message = f"{self._stuck_subject(waiters)} on {what}{detail}"
            pids = _unique([w.pid for w in waiters] + extra_pids)
            out.append(Finding(STUCK_SEMAPHORE, "warning", semset.ref, pids, message, hint))
        return out

    def _stuck_subject(self, waiters: list[Waiter]) -> str:
        longest = max(self.waited(w) or 0.0 for w in waiters)
        count = len({w.pid for w in waiters})
        if count == 1:
            return f"{self.names(waiters)} has been blocked for {duration(longest)}"
        each = ", ".join(f"{self.who(w.pid, w.comm or None)} {duration(self.waited(w) or 0)}"
                         for w in sorted(waiters, key=lambda w: w.since or 0))
        return f"{count} processes have been blocked for up to {duration(longest)} ({each})"

    def _sem_state(self, semset: SemSet, num: int | None,
                   group: list[tuple[SemSet, Waiter, _SemWait | None]]) -> tuple[str, str | None, list[int]]:
        """The rest of a stuck-semaphore sentence, its hint, and the holder pid when it is known."""
        if semset.semaphores is None:
            return ("; its values are hidden (the set is not readable by this user), so who should "
                    "release it is unknown.", None, [])
        if num is None or not 0 <= num < len(semset.semaphores):
            return (".", None, [])
        sem = semset.semaphores[num]
        waiter_pids = {w.pid for _, w, _ in group}
        zero = all(wait is not None and wait.op == 0 for _, _, wait in group)
        release = f"ipcscope setval {semset.id} {num} 0" if zero else f"ipcscope semop {semset.id} {num}:+1"
        state = f" (value {sem.value})"
        if sem.pid == 0:
            return (f"{state}; no process has operated on it (sempid 0) — is the process "
                    "that should post it running?", release, [])
        if sem.pid in waiter_pids:
            return (f"{state}; it was last changed by one of the waiters — whoever should post it "
                    "next has not.", release, [])
        if self.gone(sem.pid):
            return (f"{state}; it was last changed by pid {sem.pid}, which has exited.", release, [sem.pid])
        return (f"{state}; it was last changed by {self.who(sem.pid)}, still running — "
                "check what it is doing.", f"ps -o pid,stat,wchan:32,cmd -p {sem.pid}", [sem.pid])

    def hidden_semaphore_waiters(self) -> list[Finding]:
        """stuck-semaphore for tasks the kernel counts (ncnt/zcnt) that the scan could not name:
        when no semop has completed on the set for `stuck_after` (its otime, or its ctime when
        none ever did), or a poller has seen the same unnamed waiters that long."""
        if self.scan is None:
            return []
        out = []
        for semset in self.snapshot.sem:
            hidden = hidden_waiters(semset, self.scan)
            if not hidden or semset.semaphores is None:
                continue
            waited = self._unnamed_wait(semset)
            if waited is None or waited[0] < self.stuck_after:
                continue
            nums = hidden_waiter_semaphores(semset, self.scan)
            if len(nums) == 1:
                where = f"semaphore {nums[0]} (value {semset.semaphores[nums[0]].value})"
            elif nums:
                where = "semaphores " + ", ".join(map(str, nums))
            else:
                where = "the set"
            is_root = self.snapshot.environment.is_root
            more = "more " if named_waiters(semset, self.scan) else ""
            subject = f"1 {more}task waits" if hidden == 1 else f"{hidden} {more}tasks wait"
            remedy = unseen_remedy(self.scan, hidden)
            message = (f"{subject} on {where} that {unseen_by(self.scan, is_root)} "
                       f"({unseen_why(self.scan, hidden)}), and {waited[1]}"
                       + (f"; {remedy}." if remedy else "."))
            command = unseen_command(self.scan)
            out.append(Finding(STUCK_SEMAPHORE, "warning", semset.ref, (), message,
                               f"{command} doctor" if command else None))
        return out

    def _unnamed_wait(self, semset: SemSet) -> tuple[float, str] | None:
        """How long unnamed waiters have waited at least, and how that is known. The set's times
        are whole seconds, so they may be up to 1 s late: that second is not counted."""
        found: list[tuple[float, str]] = []
        if semset.otime is not None:
            idle = max(0.0, self.now - semset.otime - 1)
            found.append((idle, f"no semop has completed on the set for {duration(idle)}"))
        elif semset.ctime is not None:
            idle = max(0.0, self.now - semset.ctime - 1)
            found.append((idle, f"no semop has completed on it since it was created or last set, "
                                f"{duration(idle)} ago"))
        seen = self.hidden_since.get(semset.ref.row_key)
        if seen is not None:
            waited = max(0.0, self.now - seen)
            found.append((waited, f"the kernel has shown this count for {duration(waited)}, since "
                                  "ipcscope first saw it"))
        return max(found, key=lambda f: f[0]) if found else None

    def posix_semaphores(self) -> list[Finding]:
        """stuck-semaphore for named semaphores: tasks in a futex wait on /dev/shm/sem.NAME."""
        out = []
        for psem in self.snapshot.psem:
            waiters = [w for w in self.waiting(psem.ref, "futex")
                       if (self.waited(w) or 0.0) >= self.stuck_after and w.since is not None]
            if not waiters:
                continue
            value = "" if psem.value is None else f" (value {psem.value})"
            waiting = {w.pid for w in waiters}
            others_open = [p for p in self.scan.holders_of(psem.ref)  # type: ignore[union-attr]
                           if p.pid not in waiting]
            holders = [p.pid for p in others_open]
            if holders:
                others = ", ".join(self.who(p.pid, p.comm or None) for p in others_open)
                tail = f"; it is also open in {others} — check whether they post it."
                hint: str | None = f"ps -o pid,stat,wchan:32,cmd -p {','.join(map(str, holders))}"
            else:
                tail = "; no other process has it open, so nothing can post it until one does."
                hint = f"ipcscope post {psem.name}"
            message = f"{self._stuck_subject(waiters)} in sem_wait{value}{tail}"
            out.append(Finding(STUCK_SEMAPHORE, "warning", psem.ref,
                               _unique([w.pid for w in waiters] + holders), message, hint))
        return out

    # ---- message queues

    def unmatched_receivers(self) -> list[Finding]:
        out = []
        for queue in self.snapshot.msg:
            types = queue.queued_types
            if not types:  # None: not peeked, say nothing; (): an idle receiver is normal
                continue
            for waiter in self.waiting(queue.ref, "msgrcv"):
                if waiter.msgtyp is None or msgrcv_pick(types, waiter.msgtyp, waiter.msgflg or 0) is not None:
                    continue
                partial = len(types) < queue.qnum
                wants = _wanted_type(waiter.msgtyp, waiter.msgflg or 0)
                have = f"the {len(types)} queued messages" if len(types) > 1 else "the queued message"
                if partial:
                    have = f"the first {len(types)} of {queue.qnum} queued messages"
                kinds = _types_text(types)
                since = self.waited_for(waiter)
                message = (f"{self.who(waiter.pid, waiter.comm or None)} has waited{since} in msgrcv "
                           f"for {wants}, but {have} {'is' if len(types) == 1 else 'are'} of {kinds}: "
                           "it sleeps until a matching message is sent.")
                out.append(Finding(UNMATCHED_RECEIVER, "info" if partial else "warning", queue.ref,
                                   (waiter.pid,), message, f"ipcscope peek {queue.id}"))
        return out

    def full_queues(self) -> list[Finding]:
        out = []
        for queue in self.snapshot.msg:
            finding = self._full_sysv(queue)
            if finding is not None:
                out.append(finding)
        for pqueue in self.snapshot.pmq:
            finding = self._full_posix(pqueue)
            if finding is not None:
                out.append(finding)
        return out

    def _full_sysv(self, queue: MsgQueue) -> Finding | None:
        senders = self.waiting(queue.ref, "msgsnd")
        limit = queue.qbytes
        full = limit is not None and (queue.cbytes >= limit or queue.qnum >= limit)
        if not senders and not full:
            return None
        if limit is None:
            fill = f"holds {queue.cbytes} bytes in {queue.qnum} messages (its limit, qbytes, is hidden)"
        else:
            fill = (f"holds {queue.cbytes} of {limit} bytes ({percent(queue.cbytes / limit) if limit else '-'}) in "
                    f"{queue.qnum} messages")
        receiver = self._last_receiver(queue)
        if senders:
            sizes = {w.size for w in senders if w.size is not None}
            fit = (f", so a {sizes.pop()}-byte message does not fit" if len(sizes) == 1 else "")
            verb = "is" if len({w.pid for w in senders}) == 1 else "are"
            message = f"{self.names(senders)} {verb} blocked in msgsnd: the queue {fill}{fit}; {receiver}"
        else:
            message = f"the queue is full: it {fill}; the next msgsnd blocks or fails with EAGAIN; {receiver}"
        nobody = self.scan is not None and not self.partial and self.gone(queue.lrpid) \
            and not self.waiting(queue.ref, "msgrcv")
        severity: Severity = "error" if senders and nobody else "warning"
        pids = _unique([w.pid for w in senders] + ([queue.lrpid] if queue.lrpid else []))
        return Finding(QUEUE_FULL, severity, queue.ref, pids, message, f"ipcscope peek {queue.id}")

    def _last_receiver(self, queue: MsgQueue) -> str:
        if queue.lrpid == 0:
            return "nothing has been received from it yet."
        ago = "" if queue.rtime is None else f" {duration(max(0.0, self.now - queue.rtime))} ago"
        if self.scan is None:
            return f"last received by pid {queue.lrpid}{ago}."
        if self.gone(queue.lrpid):
            return f"its last receiver, pid {queue.lrpid}{ago}, has exited — is anyone still receiving?"
        return f"last received by {self.who(queue.lrpid)}{ago}, still running."

    def _full_posix(self, queue: PosixQueue) -> Finding | None:
        senders = self.waiting(queue.ref, "mq_send")
        full = queue.curmsgs is not None and queue.maxmsg is not None and queue.curmsgs >= queue.maxmsg
        if not senders and not full:
            return None
        fill = ("" if queue.curmsgs is None or queue.maxmsg is None
                else f"{queue.curmsgs} of {queue.maxmsg} messages queued")
        if senders:
            verb = "is" if len({w.pid for w in senders}) == 1 else "are"
            message = f"{self.names(senders)} {verb} blocked in mq_send" + (f": {fill}" if fill else "")
        else:
            message = f"the queue is full ({fill}): the next mq_send blocks or fails with EAGAIN"
        receivers = self.waiting(queue.ref, "mq_receive")
        message += "; " + (f"{self.names(receivers)} waits in mq_receive." if receivers
                           else "no process you can inspect is receiving from it." if self.partial
                           else "nobody is receiving from it right now." if self.scan is not None
                           else "who receives from it is unknown without a process scan.")
        return Finding(QUEUE_FULL, "warning", queue.ref, _unique([w.pid for w in senders]), message,
                       f"ipcscope recv {queue.name}")

    # ---- leftovers

    def orphan_segments(self) -> list[Finding]:
        if self.scan is None:
            return []
        out = []
        for seg in self.snapshot.shm:
            if seg.dest or seg.nattch or self.scan.holders_of(seg.ref):
                continue
            if not (self.gone(seg.cpid) and self.gone(seg.lpid)):
                continue
            idle = "" if seg.dtime is None else f" (last detach {duration(max(0.0, self.now - seg.dtime))} ago)"
            message = (f"nothing is attached{idle}, and {_creator_and_user(seg)}; its "
                       f"{human_size(seg.size)} stay allocated until it is removed.")
            pids = _unique([p for p in (seg.cpid, seg.lpid) if p])
            out.append(Finding(ORPHAN_SHM, "warning", seg.ref, pids, message, f"ipcscope rm shm {seg.id}"))
        return out

    def removed_attached(self) -> list[Finding]:
        out = []
        for seg in self.snapshot.shm:
            if not seg.dest:
                continue
            holders = self.scan.holders_of(seg.ref) if self.scan is not None else ()
            if not holders and not seg.nattch:
                continue
            size = human_size(seg.size)
            original = self.scan.original_key(seg) if self.scan is not None else None
            hidden = hidden_attachments(seg, self.scan) or 0
            to = unseen_to(self.scan, self.snapshot.environment.is_root)
            if holders:
                who = ", ".join(self.who(p.pid, p.comm or None) for p in holders)
                verb = "has" if len(holders) == 1 else "have"
                more = f"; {hidden} {to}" if hidden else ""
                held = f"{who} still {verb} it attached (nattch {seg.nattch}{more})"
                hint: str | None = f"ps -o pid,user,lstart,cmd -p {','.join(str(p.pid) for p in holders)}"
            elif self.scan is None:
                remain = "1 attachment remains" if seg.nattch == 1 else f"{seg.nattch} attachments remain"
                held = f"{remain} (nattch); who holds it is unknown without a process scan"
                hint = None
            else:
                held = (f"nattch is {seg.nattch} and no process ipcscope could inspect maps it: "
                        f"{hidden} {'attachment' if hidden == 1 else 'attachments'} {to} "
                        f"({unseen_why(self.scan, hidden)})")
                command = unseen_command(self.scan)
                hint = f"{command} doctor" if command else None
            key = (f" It was key {original:#010x}, which a new segment may now be using." if original
                   else "")
            message = (f"removed (IPC_RMID), but {held}; its {size} are freed only at the last "
                       f"detach.{key}")
            out.append(Finding(REMOVED_ATTACHED, "warning", seg.ref, tuple(p.pid for p in holders),
                               message, hint))
        return out

    def orphan_posix(self) -> list[Finding]:
        if self.scan is None:
            return []
        out = []
        objects: list[PosixQueue | PosixShm | PosixSemaphore] = [
            *self.snapshot.pmq, *self.snapshot.pshm, *self.snapshot.psem]
        for obj in objects:
            if self.scan.holders_of(obj.ref) or self.scan.waiters_of(obj.ref):
                continue
            if isinstance(obj, PosixQueue) and obj.notify_pid and not self.gone(obj.notify_pid):
                continue  # a registered notification implies an open descriptor (mq_notify(3))
            if isinstance(obj, PosixShm):
                what = f"no process has it open or mapped; its {human_size(obj.size)} stay in /dev/shm"
            elif isinstance(obj, PosixSemaphore):
                value = "" if obj.value is None else f" ({obj.value})"
                what = f"no process has it open; it keeps its value{value}"
            else:
                count = "" if obj.curmsgs is None else f" and its {obj.curmsgs} queued message(s)"
                what = f"no process has it open; it stays{count}"
            message = f"{what} until it is unlinked — harmless unless nobody will use it again."
            if self.partial:
                message = message[:-1] + self.partial_note() + "."
            out.append(Finding(ORPHAN_POSIX, "info", obj.ref, (), message,
                               f"ipcscope rm {obj.kind} {obj.name}"))
        return out


# --------------------------------------------------------------------------- small helpers


def _simple_cycles(edges: dict[int, dict[int, object]]) -> list[tuple[int, ...]]:
    """Every elementary cycle once, starting at its smallest pid (at most MAX_CYCLES)."""
    cycles: list[tuple[int, ...]] = []
    for start in sorted(edges):
        path = [start]
        stack = [iter(sorted(edges[start]))]
        while stack:
            nxt = next(stack[-1], None)
            if nxt is None:
                stack.pop()
                path.pop()
            elif nxt == start:
                cycles.append(tuple(path))
                if len(cycles) >= MAX_CYCLES:
                    return cycles
            elif nxt > start and nxt in edges and nxt not in path:
                path.append(nxt)
                stack.append(iter(sorted(edges[nxt])))
    return cycles


def _would_proceed(semset: SemSet, waiter: Waiter) -> bool:
    """Whether the values now let every operation of `waiter` through (known values and ops only)."""
    if semset.semaphores is None or waiter.ops is None:
        return False
    if any(not 0 <= op.num < len(semset.semaphores) for op in waiter.ops):
        return False
    return blocking_op(waiter.ops, [s.value for s in semset.semaphores]) is None


def _unique(pids: Iterable[int]) -> tuple[int, ...]:
    return tuple(dict.fromkeys(pids))


def _wanted_type(msgtyp: int, msgflg: int) -> str:
    if msgtyp == 0:
        return "any message"
    if msgtyp < 0:
        return f"the lowest type <= {-msgtyp}"
    if msgflg & MSG_EXCEPT:
        return f"any type except {msgtyp} (MSG_EXCEPT)"
    return f"type {msgtyp}"


def _types_text(types: Sequence[int]) -> str:
    distinct = sorted(set(types))
    if len(distinct) == 1:
        return f"type {distinct[0]}"
    return "types " + ", ".join(map(str, distinct))


def _creator_and_user(seg: ShmSegment) -> str:
    """Why nobody will come back for a segment: its creator and last user are gone."""
    cpid, lpid = seg.cpid, seg.lpid
    if cpid == 0 and lpid == 0:
        return "its creator and last user are unknown (pid 0: another pid namespace, or never attached)"
    if lpid in (0, cpid):
        return f"its creator (pid {cpid}) has exited" + ("" if lpid else " and nobody else ever attached it")
    if cpid == 0:
        return f"its last user (pid {lpid}) has exited and its creator is unknown"
    return f"its creator (pid {cpid}) and last user (pid {lpid}) have exited"
