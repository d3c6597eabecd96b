"""What the kernel counts that the process scan could not name, and how to say so.

The scan names waiters and attachers by reading /proc/PID of every process it may inspect; the
kernel's own counts cover everyone:
- semncnt + semzcnt of a set, summed over its semaphores, count each task blocked in semop once
  (since Linux 3.16 a task is counted only on the operation that blocks it), and do not count
  stopped tasks (SIGSTOP takes them off the queue);
- nattch counts attachments: one per mapping (VMA) of the segment, in every process.
The difference is what this user cannot see, and `BlindSpot`s from the probe say why. Pure
functions of the model: the doctor, `list --json` and the UI use the same rule and words.
"""

from __future__ import annotations

from ipcscope.model import ProcessScan, SemSet, ShmSegment


def kernel_waiters(semset: SemSet) -> int | None:
    """Tasks the kernel counts as blocked on the set (sum of ncnt and zcnt); None if unreadable."""
    if semset.semaphores is None:
        return None
    return sum(s.ncnt + s.zcnt for s in semset.semaphores)


def named_waiters(semset: SemSet, scan: ProcessScan, key: str | None = None) -> int:
    """Waiters the scan named that the kernel counts: tasks in semop, not stopped. (`key`, the
    set's row key, saves building it for callers that have it, such as tables of 10,000 rows.)"""
    return sum(1 for w in scan.waiters_of(key or semset.ref.row_key)
               if w.op == "semop" and w.state != "stopped")


def hidden_waiters(semset: SemSet, scan: ProcessScan | None, key: str | None = None) -> int | None:
    """Tasks blocked on the set that the scan could not name: 0 when all are named, None when the
    set is not readable (no count to compare with) or there was no scan."""
    counted = kernel_waiters(semset)
    if counted is None or scan is None:
        return None
    return max(0, counted - named_waiters(semset, scan, key)) if counted else 0


def hidden_attachments(segment: ShmSegment, scan: ProcessScan | None, key: str | None = None) -> int | None:
    """Attachments (nattch) not found in the maps of the processes scanned; None without a scan."""
    if scan is None:
        return None
    if not segment.nattch:
        return 0
    key = key or segment.ref.row_key
    found = scan.attachments.get(key, len(scan.holders_of(key)))
    return max(0, segment.nattch - found)


def scan_incomplete(scan: ProcessScan | None) -> bool:
    """Some processes could not be inspected (or /proc does not list them all)."""
    return scan is not None and (scan.denied > 0 or scan.listing_incomplete or bool(scan.blind_spots))


def hidden_waiter_semaphores(semset: SemSet, scan: ProcessScan) -> tuple[int, ...]:
    """The semaphores whose count exceeds the named waiters blocked on them (best effort: a named
    waiter whose blocking semaphore is unknown is taken off the first counted one)."""
    if semset.semaphores is None:
        return ()
    left = {s.num: s.ncnt + s.zcnt for s in semset.semaphores}
    unplaced = 0
    for waiter in scan.waiters_of(semset.ref):
        if waiter.op != "semop" or waiter.state == "stopped":
            continue
        if waiter.blocked_on is not None and left.get(waiter.blocked_on, 0) > 0:
            left[waiter.blocked_on] -= 1
        else:
            unplaced += 1
    for num in sorted(left):
        taken = min(unplaced, left[num])
        left[num] -= taken
        unplaced -= taken
    return tuple(num for num in sorted(left) if left[num] > 0)


# --------------------------------------------------------------------------- words


def _plural(count: int, one: str, many: str) -> str:
    return f"{count} {one if count == 1 else many}"


def unseen_why(scan: ProcessScan | None, count: int) -> str:
    """Why `count` things are not visible: "a process of another user", or the causes joined."""
    spots = scan.blind_spots if scan is not None else ()
    if spots:
        return " or ".join(spot.why(count) for spot in spots)
    if scan is not None and scan.listing_incomplete:
        return "a process /proc does not list (hidepid)" if count == 1 else "processes /proc does not list (hidepid)"
    if scan is not None and scan.denied:
        return f"among the {_plural(scan.denied, 'process', 'processes')} that could not be inspected"
    return "it may be newer than the scan, or in another PID namespace"


def unseen_remedy(scan: ProcessScan | None, count: int) -> str | None:
    """What would name them ("run `sudo ipcscope` to name it"), None when nothing known would."""
    spots = scan.blind_spots if scan is not None else ()
    them = "it" if count == 1 else "them"
    with_command = [s for s in spots if s.command]
    if with_command:
        return with_command[0].remedy.format(them=them)
    remedies = list(dict.fromkeys(s.remedy.format(them=them) for s in spots))
    return "; ".join(remedies) or None


def unseen_command(scan: ProcessScan | None) -> str | None:
    """The command that would name what is hidden ("sudo ipcscope"), None when none would."""
    spots = scan.blind_spots if scan is not None else ()
    return next((s.command for s in spots if s.command), None)


def _nothing_refused(scan: ProcessScan | None) -> bool:
    return scan is None or not (scan.blind_spots or scan.listing_incomplete or scan.denied)


def unseen_by(scan: ProcessScan | None, is_root: bool) -> str:
    """"you cannot see", "root cannot see here", or "the process scan did not find" (nothing
    refused it, so it is newer than the scan)."""
    if _nothing_refused(scan):
        return "the process scan did not find"
    return "root cannot see here" if is_root else "you cannot see"


def unseen_to(scan: ProcessScan | None, is_root: bool) -> str:
    """"not visible to you", "not visible even to root", or "not found by the process scan"."""
    if _nothing_refused(scan):
        return "not found by the process scan"
    return "not visible even to root" if is_root else "not visible to you"


def unseen_sentence(count: int, one: str, many: str, scan: ProcessScan | None, *,
                    is_root: bool) -> str:
    """"1 task waits that you cannot see (a process of another user): run `sudo ipcscope` to name
    it" — `one`/`many` are the subject ("task waits", "tasks wait")."""
    text = f"{_plural(count, one, many)} that {unseen_by(scan, is_root)} ({unseen_why(scan, count)})"
    remedy = unseen_remedy(scan, count)
    return f"{text}: {remedy}" if remedy else text
