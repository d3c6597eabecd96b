"""Samples from hand-made snapshots: the series cap and its order, several namespaces, channels,
and the kernel's semncnt/semzcnt as the waiter counts. No kernel needed: the model is the contract."""

from __future__ import annotations

from ipcscope.doctor import Finding
from ipcscope.export.catalog import METRICS
from ipcscope.export.collector import build_samples
from ipcscope.export.reading import Reading
from ipcscope.model import (
    BlockedTask,
    ChannelScan,
    Environment,
    MsgQueue,
    Pipe,
    ProcessScan,
    Semaphore,
    SemOpSpec,
    SemSet,
    ShmSegment,
    Snapshot,
    UnixSocket,
    Waiter,
)
from tests.export.scrape import Series, value

NOW = 1_700_000_000.0


def _series(readings: list[Reading], **options: object) -> Series:
    samples = build_samples(readings, **options)  # type: ignore[arg-type]
    out: Series = {}
    for family in samples.families():
        for sample in family.samples:
            out[(sample.name, frozenset(sample.labels.items()))] = sample.value
    return out


def _segment(shmid: int) -> ShmSegment:
    return ShmSegment(key=0x1000 + shmid, id=shmid, mode=0o600, uid=0, gid=0, cuid=0, cgid=0,
                      owner="root", size=4096)


def _reading(snapshot: Snapshot, findings: tuple[Finding, ...] = ()) -> Reading:
    return Reading(snapshot, findings, 0.01)


def _env(inode: int) -> Environment:
    return Environment(hostname="h", user="root", uid=0, ipc_namespace=f"ipc:[{inode}]")


def test_the_cap_keeps_objects_in_findings_and_with_waiters_first() -> None:
    queue = MsgQueue(key=0x2000, id=9, mode=0o600, uid=0, gid=0, cuid=0, cgid=0, owner="root",
                     cbytes=10, qnum=1, qbytes=16384)
    waiter = Waiter(pid=50, tid=50, comm="reader", op="msgrcv", since=NOW - 10)
    scan = ProcessScan(taken_at=NOW, waiters={"msg:9": (waiter,)})
    snapshot = Snapshot(taken_at=NOW, shm=tuple(_segment(i) for i in range(1, 6)), msg=(queue,),
                        environment=_env(1), processes=scan)
    finding = Finding("orphan-shm", "warning", _segment(5).ref, (), "nothing is attached")
    # the segment with a finding (3 series) and the waited-on queue (6 series) fit in 10
    series = _series([_reading(snapshot, (finding,))], per_object=True, max_series=10)
    assert value(series, "ipcscope_sysv_shm_size_bytes", shmid="5") == 4096
    assert value(series, "ipcscope_sysv_msg_waiters", msqid="9", op="msgrcv") == 1
    assert value(series, "ipcscope_sysv_shm_size_bytes", shmid="1") is None
    assert value(series, "ipcscope_per_object_series", ipc_ns="1") == 9
    assert value(series, "ipcscope_per_object_series_dropped", ipc_ns="1") == 4 * 3


def test_without_the_option_there_are_no_per_object_series() -> None:
    snapshot = Snapshot(taken_at=NOW, shm=(_segment(1),), environment=_env(1))
    series = _series([_reading(snapshot)])
    per_object = {spec.name for spec in METRICS if spec.per_object}
    assert not {name for name, _ in series} & (per_object | {"ipcscope_per_object_series_dropped"})
    assert value(series, "ipcscope_memory_bytes", kind="shm") == 4096


def test_several_namespaces_each_get_their_label() -> None:
    readings = [_reading(Snapshot(taken_at=NOW, shm=(_segment(1),), environment=_env(1))),
                _reading(Snapshot(taken_at=NOW, shm=(_segment(1), _segment(2)), environment=_env(2)))]
    series = _series(readings, per_object=True)
    assert value(series, "ipcscope_objects", ipc_ns="1", kind="shm") == 1
    assert value(series, "ipcscope_objects", ipc_ns="2", kind="shm") == 2
    # the same shmid in two namespaces: two series, never one overwriting the other
    assert value(series, "ipcscope_sysv_shm_size_bytes", ipc_ns="1", shmid="1") == 4096
    assert value(series, "ipcscope_sysv_shm_size_bytes", ipc_ns="2", shmid="1") == 4096


def test_semaphore_waiters_come_from_the_kernels_counters() -> None:
    # semncnt 2 and semzcnt 1: tasks the scan could not inspect are counted too
    semset = SemSet(key=0x3000, id=4, mode=0o600, uid=0, gid=0, cuid=0, cgid=0, nsems=2,
                    semaphores=(Semaphore(0, 0, 2, 0, 0), Semaphore(1, 1, 0, 1, 0)))
    seen = Waiter(pid=60, tid=60, comm="w", op="semop", ops=(SemOpSpec(0, -1),), since=NOW - 400)
    scan = ProcessScan(taken_at=NOW, waiters={"sem:4": (seen,)})
    snapshot = Snapshot(taken_at=NOW, sem=(semset,), environment=_env(1), processes=scan)
    series = _series([_reading(snapshot)], per_object=True)
    assert value(series, "ipcscope_waiters", kind="sem", op="decrement") == 2
    assert value(series, "ipcscope_waiters", kind="sem", op="wait-for-zero") == 1
    assert value(series, "ipcscope_longest_wait_seconds", kind="sem", op="decrement") == 400
    assert value(series, "ipcscope_longest_wait_seconds", kind="sem", op="wait-for-zero") == 0
    assert value(series, "ipcscope_sysv_sem_longest_wait_seconds", semid="4") == 400


def test_a_stopped_task_is_no_waiter() -> None:
    queue = MsgQueue(key=0x2000, id=9, mode=0o600, uid=0, gid=0, cuid=0, cgid=0)
    stopped = Waiter(pid=50, tid=50, comm="reader", op="msgrcv", state="stopped", since=NOW - 10)
    scan = ProcessScan(taken_at=NOW, waiters={"msg:9": (stopped,)})
    snapshot = Snapshot(taken_at=NOW, msg=(queue,), environment=_env(1), processes=scan)
    series = _series([_reading(snapshot)])
    assert value(series, "ipcscope_waiters", kind="msg", op="msgrcv") == 0


def test_channels_are_counted_once_the_scan_has_them() -> None:
    blocked = BlockedTask(pid=70, tid=70, comm="cat", op="read", fd=0)
    channels = ChannelScan(pipes=(Pipe(inode=11, dev=12, blocked=(blocked,)), Pipe(inode=13, dev=12)),
                           unix=(UnixSocket(inode=21, type="stream", state="listen"),), hidden_ends=3)
    with_channels = Snapshot(taken_at=NOW, environment=_env(1),
                             processes=ProcessScan(taken_at=NOW, channels=channels))
    series = _series([_reading(with_channels)])
    assert value(series, "ipcscope_channels", kind="pipe") == 2
    assert value(series, "ipcscope_channels", kind="unix") == 1
    assert value(series, "ipcscope_channels", kind="fifo") == 0
    assert value(series, "ipcscope_channel_blocked_tasks", kind="pipe") == 1
    assert value(series, "ipcscope_uninspected", what="channel_ends") == 3

    without = Snapshot(taken_at=NOW, environment=_env(1), processes=ProcessScan(taken_at=NOW))
    assert value(_series([_reading(without)]), "ipcscope_channels", kind="pipe") is None


def test_the_fullest_queue_ratio() -> None:
    queues = tuple(MsgQueue(key=0, id=i, mode=0o600, uid=0, gid=0, cuid=0, cgid=0, cbytes=used,
                            qbytes=1000) for i, used in ((1, 100), (2, 950)))
    series = _series([_reading(Snapshot(taken_at=NOW, msg=queues, environment=_env(1)))])
    assert value(series, "ipcscope_fullest_queue_ratio", kind="msg") == 0.95
    assert value(series, "ipcscope_fullest_queue_ratio", kind="pmq") is None  # no queue: no ratio


def test_a_dropped_objects_series_are_counted_exactly() -> None:
    from ipcscope.export.per_object import series, series_count
    from ipcscope.model import PosixQueue, PosixSemaphore, PosixShm

    semset = SemSet(key=0x3000, id=4, mode=0o600, uid=0, gid=0, cuid=0, cgid=0, nsems=1)  # unreadable
    queue = MsgQueue(key=0x2000, id=9, mode=0o600, uid=0, gid=0, cuid=0, cgid=0, qbytes=None)
    pmq = PosixQueue(name="/q", mode=0o600, uid=0, gid=0, curmsgs=1, maxmsg=None)
    objects = (_segment(1), semset, queue, pmq, PosixShm(name="/s", mode=0o600, uid=0, gid=0),
               PosixSemaphore(name="/p", mode=0o600, uid=0, gid=0, value=None))
    unknown = Waiter(pid=60, tid=60, comm="w", op="semop", ops=None, since=NOW - 5)
    scan = ProcessScan(taken_at=NOW, waiters={"sem:4": (unknown,), "pmq:/q": (
        Waiter(pid=61, tid=61, comm="r", op="mq_receive"),)})
    for processes in (None, scan):
        snapshot = Snapshot(taken_at=NOW, sem=(semset,), environment=_env(1), processes=processes)
        for obj in objects:
            assert series_count(obj, snapshot) == len(list(series(obj, snapshot, "1"))), obj
