"""Per-object series (`export --per-object`), capped so a host with 100,000 segments cannot flood
Prometheus.

An object's series are kept or dropped together (an `_info` without its values, or values
without their `_info`, would mislead). Within the cap, objects the doctor has a finding about come
first, then objects someone is waiting on, then the rest in kind and id order: the objects an
operator needs stay visible however many others there are. What the cap left out is counted.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from ipcscope.export import catalog, waits
from ipcscope.export.aggregates import reading_time
from ipcscope.export.reading import Reading
from ipcscope.export.samples import Sample, Samples
from ipcscope.model import (
    KINDS,
    IpcObject,
    MsgQueue,
    PosixQueue,
    PosixSemaphore,
    PosixShm,
    SemSet,
    ShmSegment,
    Snapshot,
    Waiter,
    format_perms,
)

_SPEC = {spec.name: spec for spec in catalog.PER_OBJECT}


@dataclass(frozen=True)
class _Group:
    """One object, where it stands in the queue for the cap, and the reading it belongs to."""

    rank: tuple[int, int, int | str]
    obj: IpcObject
    reading: Reading


def add_per_object(samples: Samples, readings: Sequence[Reading],
                   max_series: int = catalog.DEFAULT_MAX_SERIES) -> None:
    """Every object's series of every reading, within `max_series` in all; the count kept and the
    count dropped per namespace. The series of a dropped object are only counted, not built:
    with the default cap, 10,000 objects would otherwise cost most of the scrape."""
    groups = sorted((group for reading in readings for group in _groups(reading)),
                    key=lambda g: g.rank)
    kept = {reading.namespace: 0 for reading in readings}
    dropped = dict(kept)
    budget = max_series
    full = False  # once an object did not fit, the rest is dropped: no smaller one jumps the queue
    for group in groups:
        ns, snapshot = group.reading.namespace, group.reading.snapshot
        if full:
            dropped[ns] += series_count(group.obj, snapshot)
            continue
        built = tuple(series(group.obj, snapshot, ns))
        if len(built) <= budget:
            samples.extend(built)
            budget -= len(built)
            kept[ns] += len(built)
        else:
            full = True
            dropped[ns] += len(built)
    for ns in kept:
        samples.add(catalog.PER_OBJECT_SERIES, (ns,), kept[ns])
        samples.add(catalog.PER_OBJECT_DROPPED, (ns,), dropped[ns])


def _groups(reading: Reading) -> Iterable[_Group]:
    snapshot = reading.snapshot
    in_findings = {finding.object.row_key for finding in reading.findings}
    waited_on = set(snapshot.processes.waiters) if snapshot.processes is not None else set()
    for kind_index, kind in enumerate(KINDS):
        for obj in snapshot.objects(kind):
            ref = obj.ref
            key = ref.row_key
            priority = 0 if key in in_findings else 1 if key in waited_on else 2
            yield _Group((priority, kind_index, ref.ident), obj, reading)


def _owner(obj: IpcObject) -> str:
    return obj.owner or str(obj.uid)


def series(obj: IpcObject, snapshot: Snapshot, ns: str) -> Iterable[Sample]:
    """The series of one object (their number is `series_count`)."""
    def sample(name: str, value: float, *labels: str) -> Sample:
        return (_SPEC[name], (ns, *labels), float(value))

    scan = snapshot.processes
    if isinstance(obj, ShmSegment):
        shmid = str(obj.id)
        yield sample("ipcscope_sysv_shm_info", 1, shmid, obj.key_text, _owner(obj),
                     format_perms(obj.mode), ",".join(obj.status))
        yield sample("ipcscope_sysv_shm_size_bytes", obj.size, shmid)
        yield sample("ipcscope_sysv_shm_attached_processes", obj.nattch, shmid)
    elif isinstance(obj, MsgQueue):
        msqid = str(obj.id)
        yield sample("ipcscope_sysv_msg_info", 1, msqid, obj.key_text, _owner(obj), format_perms(obj.mode))
        yield sample("ipcscope_sysv_msg_queue_bytes", obj.cbytes, msqid)
        yield sample("ipcscope_sysv_msg_queue_messages", obj.qnum, msqid)
        if obj.qbytes is not None:
            yield sample("ipcscope_sysv_msg_queue_limit_bytes", obj.qbytes, msqid)
        for op, count in _op_counts("msg", waits.queued(scan, obj.ref)).items():
            yield sample("ipcscope_sysv_msg_waiters", count, msqid, op)
    elif isinstance(obj, SemSet):
        semid = str(obj.id)
        yield sample("ipcscope_sysv_sem_info", 1, semid, obj.key_text, _owner(obj), format_perms(obj.mode))
        yield sample("ipcscope_sysv_sem_semaphores", obj.nsems, semid)
        for op, count in waits.semaphore_waiters(obj, scan).items():
            yield sample("ipcscope_sysv_sem_waiters", count, semid, op)
        now = reading_time(snapshot)
        seconds = [s for w in waits.queued(scan, obj.ref) if (s := waits.waited(w, now)) is not None]
        if seconds:
            yield sample("ipcscope_sysv_sem_longest_wait_seconds", max(seconds), semid)
    elif isinstance(obj, PosixQueue):
        name = obj.name
        yield sample("ipcscope_posix_mq_info", 1, name, _owner(obj), format_perms(obj.mode))
        if obj.curmsgs is not None:
            yield sample("ipcscope_posix_mq_messages", obj.curmsgs, name)
        yield sample("ipcscope_posix_mq_bytes", obj.qsize, name)
        if obj.maxmsg is not None:
            yield sample("ipcscope_posix_mq_capacity_messages", obj.maxmsg, name)
        for op, count in _op_counts("pmq", waits.queued(scan, obj.ref)).items():
            yield sample("ipcscope_posix_mq_waiters", count, name, op)
    elif isinstance(obj, PosixShm):
        yield sample("ipcscope_posix_shm_info", 1, obj.name, _owner(obj), format_perms(obj.mode))
        yield sample("ipcscope_posix_shm_size_bytes", obj.size, obj.name)
    elif isinstance(obj, PosixSemaphore):
        yield sample("ipcscope_posix_sem_info", 1, obj.name, _owner(obj), format_perms(obj.mode))
        if obj.value is not None:
            yield sample("ipcscope_posix_sem_value", obj.value, obj.name)
        yield sample("ipcscope_posix_sem_waiters", len(waits.queued(scan, obj.ref)), obj.name)


def _op_counts(kind: str, waiters: Iterable[Waiter]) -> dict[str, int]:
    counts = dict.fromkeys(waits.KIND_OPS[kind], 0)
    for waiter in waiters:
        op = waits.operation(waiter)
        counts[op] = counts.get(op, 0) + 1
    return counts


def series_count(obj: IpcObject, snapshot: Snapshot) -> int:
    """How many series `series` yields for `obj`, without building them."""
    scan = snapshot.processes
    if isinstance(obj, ShmSegment):
        return 3
    if isinstance(obj, PosixShm):
        return 2
    if isinstance(obj, PosixSemaphore):
        return 2 + (obj.value is not None)
    ref = obj.ref
    waiters = waits.queued(scan, ref) if scan is not None and ref.row_key in scan.waiters else []
    if isinstance(obj, MsgQueue):
        return 3 + (obj.qbytes is not None) + len(_op_counts("msg", waiters))
    if isinstance(obj, PosixQueue):
        return 2 + (obj.curmsgs is not None) + (obj.maxmsg is not None) + len(_op_counts("pmq", waiters))
    if not waiters:
        return 4  # info, semaphores, and the two operations
    now = reading_time(snapshot)
    longest = any(waits.waited(w, now) is not None for w in waiters)
    return 2 + len(waits.semaphore_waiters(obj, scan)) + longest
