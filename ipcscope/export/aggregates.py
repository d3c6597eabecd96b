"""The default metrics: totals per kind, waiters, limits, findings and blind spots of one reading.

Their number does not grow with the number of objects: a few dozen series per namespace, safe to
scrape from every host of a fleet. Counts a scan is sure of are reported as 0 when nothing is
there, so a graph or an alert sees "none" rather than a gap.
"""

from __future__ import annotations

from collections.abc import Callable

from ipcscope.doctor import FINDING_KINDS, SEVERITIES
from ipcscope.export import catalog, waits
from ipcscope.export.reading import Reading
from ipcscope.export.samples import Samples
from ipcscope.model import CHANNEL_KINDS, KINDS, MsgQueue, PosixQueue, PosixSemaphore, SemSet, Snapshot

_SPEC = {spec.name: spec for spec in catalog.AGGREGATES}
#: the kinds whose waiters are counted
Waitable = SemSet | MsgQueue | PosixQueue | PosixSemaphore


def reading_time(snapshot: Snapshot) -> float:
    """The moment waits are measured at: the later of the object tables and the process scan."""
    scan = snapshot.processes
    return max(snapshot.taken_at, scan.taken_at if scan is not None else 0.0)


Add = Callable[..., None]


def add_aggregates(samples: Samples, reading: Reading) -> None:
    snapshot, ns = reading.snapshot, reading.namespace

    def add(name: str, value: float, *labels: str) -> None:
        samples.add(_SPEC[name], (ns, *labels), value)

    environment = snapshot.environment
    add("ipcscope_namespace_info", 1, environment.user or str(environment.uid), snapshot.mqueue_source)
    add("ipcscope_scan_duration_seconds", reading.seconds)
    _add_objects(add, snapshot)
    _add_waits(add, snapshot)
    for row in snapshot.limits.rows:
        if row.limit is not None:
            add("ipcscope_limit", row.limit, row.resource)
        if row.used is not None:
            add("ipcscope_limit_used", row.used, row.resource)
    found = {(kind, severity): 0 for kind in FINDING_KINDS for severity in SEVERITIES}
    for finding in reading.findings:
        key = (finding.kind, finding.severity)
        found[key] = found.get(key, 0) + 1
    for (finding_kind, severity), count in found.items():
        add("ipcscope_findings", count, finding_kind, severity)
    _add_blind_spots(add, snapshot)
    _add_channels(add, snapshot)


def _add_objects(add: Add, snapshot: Snapshot) -> None:
    for kind in KINDS:
        add("ipcscope_objects", len(snapshot.objects(kind)), kind)
    add("ipcscope_memory_bytes", sum(s.size for s in snapshot.shm), "shm")
    add("ipcscope_memory_bytes", sum(p.size for p in snapshot.pshm), "pshm")
    add("ipcscope_queued_bytes", sum(q.cbytes for q in snapshot.msg), "msg")
    add("ipcscope_queued_bytes", sum(q.qsize for q in snapshot.pmq), "pmq")
    add("ipcscope_queued_messages", sum(q.qnum for q in snapshot.msg), "msg")
    add("ipcscope_queued_messages", sum(q.curmsgs or 0 for q in snapshot.pmq), "pmq")
    msg_fill = [q.cbytes / q.qbytes for q in snapshot.msg if q.qbytes]
    pmq_fill = [q.curmsgs / q.maxmsg for q in snapshot.pmq if q.curmsgs is not None and q.maxmsg]
    for queue_kind, fills in (("msg", msg_fill), ("pmq", pmq_fill)):
        if fills:
            add("ipcscope_fullest_queue_ratio", max(fills), queue_kind)


def _add_waits(add: Add, snapshot: Snapshot) -> None:
    counts, longest = _waits(snapshot)
    for (kind, op), count in counts.items():
        add("ipcscope_waiters", count, kind, op)
    # A waiter whose operations were unreadable is "unknown" here while the kernel's counters
    # still place it: so the longest waits have their own keys.
    for kind, op in {**dict.fromkeys(counts), **dict.fromkeys(longest)}:
        add("ipcscope_longest_wait_seconds", longest.get((kind, op), 0.0), kind, op)


def _add_blind_spots(add: Add, snapshot: Snapshot) -> None:
    for what, count in _uninspected(snapshot):
        add("ipcscope_uninspected", count, what)
    scan = snapshot.processes
    if scan is not None:
        add("ipcscope_listing_complete", 0 if scan.listing_incomplete else 1, "processes")
        add("ipcscope_processes_scanned", scan.scanned)
    source = snapshot.mqueue_source
    add("ipcscope_listing_complete", 1 if source.startswith("mount:") or source == "detached" else 0, "pmq")
    add("ipcscope_scan_warnings", len(snapshot.warnings))


def _add_channels(add: Add, snapshot: Snapshot) -> None:
    """Counts per channel kind; nothing when the scan did not look for channels."""
    channels = snapshot.processes.channels if snapshot.processes is not None else None
    if channels is None:
        return
    for kind in CHANNEL_KINDS:
        found = channels.of_kind(kind)
        add("ipcscope_channels", len(found), kind)
        add("ipcscope_channel_blocked_tasks", sum(len(c.blocked) for c in found), kind)


def _waits(snapshot: Snapshot) -> tuple[dict[tuple[str, str], int], dict[tuple[str, str], float]]:
    """(kind, op) -> tasks waiting, and (kind, op) -> the longest of their waits in seconds.

    Walks the scan's waiters, not every object: a host with 10,000 objects has a handful of them.
    """
    counts = {(kind, op): 0 for kind, ops in waits.KIND_OPS.items() for op in ops}
    longest: dict[tuple[str, str], float] = {}
    for readable in snapshot.sem:
        if readable.semaphores is not None:  # the kernel's counters, as waits.semaphore_waiters
            counts[("sem", waits.DECREMENT)] += sum(s.ncnt for s in readable.semaphores)
            counts[("sem", waits.WAIT_FOR_ZERO)] += sum(s.zcnt for s in readable.semaphores)
    scan = snapshot.processes
    if scan is None or not scan.waiters:
        return counts, longest
    now = reading_time(snapshot)
    objects: dict[str, Waitable] = {}
    for group in (snapshot.sem, snapshot.msg, snapshot.pmq, snapshot.psem):
        objects.update((obj.ref.row_key, obj) for obj in group)
    for key in scan.waiters:
        obj = objects.get(key)
        if obj is None:
            continue  # removed between the snapshot and the scan, or a kind without waiter metrics
        semset = obj if isinstance(obj, SemSet) else None
        for waiter in waits.queued(scan, obj.ref):
            op = waits.operation(waiter, semset)
            if semset is None or semset.semaphores is None:
                counts[(obj.kind, op)] = counts.get((obj.kind, op), 0) + 1
            seconds = waits.waited(waiter, now)
            if seconds is not None and seconds > longest.get((obj.kind, op), 0.0):
                longest[(obj.kind, op)] = seconds
    return counts, longest


def _uninspected(snapshot: Snapshot) -> list[tuple[str, int]]:
    scan = snapshot.processes
    found = [
        ("sem_values", sum(1 for s in snapshot.sem if s.semaphores is None)),
        ("msg_qbytes", sum(1 for q in snapshot.msg if q.qbytes is None)),
        ("pmq_attributes", sum(1 for q in snapshot.pmq if q.curmsgs is None)),
        ("psem_values", sum(1 for s in snapshot.psem if s.value is None)),
    ]
    if scan is not None:
        semop_hidden = sum(1 for ws in scan.waiters.values() for w in ws
                           if w.op == "semop" and w.ops is None)
        found = [("processes", scan.denied), *found, ("sem_waiter_operations", semop_hidden)]
        if scan.channels is not None:
            found.append(("channel_ends", scan.channels.hidden_ends))
    return found
