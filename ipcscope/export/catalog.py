"""Every metric ipcscope exports: name, labels and meaning, in the order of the exposition.

One table, read by the builder (a sample with other labels than its metric's is a bug, caught at
once) and by the test that keeps docs/metrics.md complete. All are gauges: each scrape reports the
state of the moment, nothing accumulates between scrapes.

Conventions: the `ipcscope_` prefix, base units in the name (`_bytes`, `_seconds`, `_ratio`),
`_info` gauges of value 1 carry metadata, pids are never labels (they churn), and object ids and
names appear only in the per-object metrics, which are opt-in and capped.
"""

from __future__ import annotations

from dataclasses import dataclass

#: per-object series at most, unless `export --max-series` says otherwise
DEFAULT_MAX_SERIES = 1000


@dataclass(frozen=True)
class MetricSpec:
    """One metric family: its name, its help line and the names of its labels, in order."""

    name: str
    help: str
    labels: tuple[str, ...]
    #: only with `export --per-object`, counted against --max-series
    per_object: bool = False


def _spec(name: str, help_text: str, *labels: str) -> MetricSpec:
    return MetricSpec(name, help_text, ("ipc_ns", *labels))


def _object(name: str, help_text: str, *labels: str) -> MetricSpec:
    return MetricSpec(name, help_text, ("ipc_ns", *labels), per_object=True)


BUILD_INFO = MetricSpec("ipcscope_build_info", "ipcscope's version; always 1.", ("version",))
SCRAPE_SECONDS = MetricSpec(
    "ipcscope_scrape_duration_seconds",
    "Seconds this collection took: every namespace's snapshot, process scan and diagnosis.", ())

AGGREGATES: tuple[MetricSpec, ...] = (
    _spec("ipcscope_namespace_info",
          "An IPC namespace that was read, as which user, and where its POSIX queues were listed "
          "from (mount:PATH, detached, fds or none); always 1.", "user", "mqueue_source"),
    _spec("ipcscope_scan_duration_seconds",
          "Seconds the snapshot, process scan and diagnosis of this namespace took."),
    _spec("ipcscope_objects", "IPC objects of each kind.", "kind"),
    _spec("ipcscope_memory_bytes",
          "Bytes of shared memory allocated: SysV segment sizes (shm) and /dev/shm objects (pshm).",
          "kind"),
    _spec("ipcscope_queued_bytes",
          "Bytes waiting in message queues: SysV cbytes (msg) and POSIX QSIZE (pmq).", "kind"),
    _spec("ipcscope_queued_messages",
          "Messages waiting in message queues: SysV qnum (msg) and POSIX mq_curmsgs (pmq).", "kind"),
    _spec("ipcscope_fullest_queue_ratio",
          "Fill of the fullest queue: SysV cbytes/qbytes (msg), POSIX curmsgs/maxmsg (pmq); absent "
          "when no queue's limit is readable.", "kind"),
    _spec("ipcscope_waiters",
          "Tasks asleep in an IPC call, by kind and operation (sem: decrement or wait-for-zero, "
          "from the kernel's semncnt/semzcnt where the set is readable; msg: msgrcv/msgsnd; pmq: "
          "mq_receive/mq_send; psem: sem_wait).", "kind", "op"),
    _spec("ipcscope_longest_wait_seconds",
          "How long the longest current waiter of this kind and operation has been blocked; 0 "
          "when none.", "kind", "op"),
    _spec("ipcscope_limit",
          "A system-wide IPC limit (sysctl, as lsipc -g names it), in its sysctl's unit: bytes, "
          "pages for SHMALL, else a count.", "name"),
    _spec("ipcscope_limit_used", "How much of a limit is in use, in the limit's unit.", "name"),
    _spec("ipcscope_findings", "Findings of the diagnosis (ipcscope doctor) by kind and severity.",
          "kind", "severity"),
    _spec("ipcscope_uninspected",
          "What the scan could not inspect, by what: processes, sem_values (sets), msg_qbytes "
          "(queues), pmq_attributes (queues), psem_values, sem_waiter_operations, channel_ends.",
          "what"),
    _spec("ipcscope_listing_complete",
          "1 when a listing is known to be complete, 0 when it may miss some: processes (/proc "
          "with hidepid=invisible), pmq (no mqueue mount: queues seen through descriptors only).",
          "what"),
    _spec("ipcscope_processes_scanned", "Processes the process scan looked at."),
    _spec("ipcscope_scan_warnings", "Warnings the probe gave for this snapshot (see stderr)."),
    _spec("ipcscope_channels",
          "Channels between processes by kind (pipe, fifo, unix, inet); absent when the scan "
          "did not look for them.", "kind"),
    _spec("ipcscope_channel_blocked_tasks",
          "Tasks asleep reading, writing, connecting or opening a channel, by kind.", "kind"),
)

PER_OBJECT: tuple[MetricSpec, ...] = (
    _object("ipcscope_sysv_shm_info", "A System V shared memory segment; always 1. status is "
            "dest (removed, still attached), locked, both or empty.",
            "shmid", "key", "owner", "perms", "status"),
    _object("ipcscope_sysv_shm_size_bytes", "Size of a System V segment.", "shmid"),
    _object("ipcscope_sysv_shm_attached_processes", "Attachments of a System V segment (nattch).",
            "shmid"),
    _object("ipcscope_sysv_msg_info", "A System V message queue; always 1.",
            "msqid", "key", "owner", "perms"),
    _object("ipcscope_sysv_msg_queue_bytes", "Bytes queued in a System V queue (cbytes).", "msqid"),
    _object("ipcscope_sysv_msg_queue_messages", "Messages queued in a System V queue (qnum).", "msqid"),
    _object("ipcscope_sysv_msg_queue_limit_bytes",
            "Byte limit of a System V queue (msg_qbytes); absent when not readable.", "msqid"),
    _object("ipcscope_sysv_msg_waiters", "Tasks asleep in msgrcv or msgsnd on a System V queue.",
            "msqid", "op"),
    _object("ipcscope_sysv_sem_info", "A System V semaphore set; always 1.",
            "semid", "key", "owner", "perms"),
    _object("ipcscope_sysv_sem_semaphores", "Semaphores in a set (nsems).", "semid"),
    _object("ipcscope_sysv_sem_waiters",
            "Tasks asleep in semop on a set, by the operation that blocks them.", "semid", "op"),
    _object("ipcscope_sysv_sem_longest_wait_seconds",
            "How long the longest waiter of a set has been blocked; absent when none waits.", "semid"),
    _object("ipcscope_posix_mq_info", "A POSIX message queue; always 1.", "name", "owner", "perms"),
    _object("ipcscope_posix_mq_messages", "Messages queued in a POSIX queue (mq_curmsgs).", "name"),
    _object("ipcscope_posix_mq_bytes", "Bytes queued in a POSIX queue (QSIZE).", "name"),
    _object("ipcscope_posix_mq_capacity_messages", "Most messages a POSIX queue holds (mq_maxmsg).",
            "name"),
    _object("ipcscope_posix_mq_waiters", "Tasks asleep in mq_receive or mq_send on a POSIX queue.",
            "name", "op"),
    _object("ipcscope_posix_shm_info", "A POSIX shared memory object; always 1.",
            "name", "owner", "perms"),
    _object("ipcscope_posix_shm_size_bytes", "Size of a POSIX shared memory object.", "name"),
    _object("ipcscope_posix_sem_info", "A POSIX named semaphore; always 1.", "name", "owner", "perms"),
    _object("ipcscope_posix_sem_value", "Value of a POSIX named semaphore; absent when not readable.",
            "name"),
    _object("ipcscope_posix_sem_waiters", "Tasks asleep in sem_wait on a POSIX named semaphore.", "name"),
)

PER_OBJECT_SERIES = _spec("ipcscope_per_object_series",
                          "Per-object series exported (export --per-object).")
PER_OBJECT_DROPPED = _spec(
    "ipcscope_per_object_series_dropped",
    "Per-object series left out by --max-series; objects in findings and with waiters are kept first.")

#: every metric, in exposition order
METRICS: tuple[MetricSpec, ...] = (BUILD_INFO, SCRAPE_SECONDS, *AGGREGATES, *PER_OBJECT,
                                   PER_OBJECT_SERIES, PER_OBJECT_DROPPED)
BY_NAME: dict[str, MetricSpec] = {spec.name: spec for spec in METRICS}
