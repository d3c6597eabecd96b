"""The collector against the real kernel: planted objects, a real blocked semop, removal."""

from __future__ import annotations

import os

from ipcscope.core import msg
from ipcscope.export.collector import IpcCollector, build_registry
from ipcscope.export.output import exposition
from ipcscope.export.reading import Reader, namespace_inode
from tests.export.planted import MESSAGES, planted_objects
from tests.export.scrape import parse, scrape_once, value
from tests.helpers import run_as_user, unique_key


def test_planted_objects_have_their_per_object_series() -> None:
    with planted_objects() as planted:
        series = scrape_once(per_object=True)
        qbytes = msg.qbytes(planted.msqid)
    msqid, semid, shmid = str(planted.msqid), str(planted.semid), str(planted.shmid)
    assert value(series, "ipcscope_sysv_msg_queue_messages", msqid=msqid) == 3
    assert value(series, "ipcscope_sysv_msg_queue_bytes", msqid=msqid) == sum(map(len, MESSAGES))
    assert value(series, "ipcscope_sysv_msg_queue_limit_bytes", msqid=msqid) == qbytes
    assert value(series, "ipcscope_sysv_sem_waiters", semid=semid, op="decrement") == 1
    assert value(series, "ipcscope_sysv_sem_waiters", semid=semid, op="wait-for-zero") == 0
    assert value(series, "ipcscope_sysv_sem_longest_wait_seconds", semid=semid) is not None
    assert value(series, "ipcscope_sysv_shm_size_bytes", shmid=shmid) == 4096
    assert value(series, "ipcscope_sysv_shm_attached_processes", shmid=shmid) == 0
    assert value(series, "ipcscope_sysv_shm_info", shmid=shmid, perms="0600", status="") == 1
    assert value(series, "ipcscope_posix_mq_messages", name=planted.pmq) == 1
    assert value(series, "ipcscope_posix_mq_capacity_messages", name=planted.pmq) == 4
    assert value(series, "ipcscope_posix_shm_size_bytes", name=planted.pshm) == 8192
    assert value(series, "ipcscope_posix_sem_value", name=planted.psem) == 3


def test_aggregates_count_the_planted_objects_in_this_namespace() -> None:
    with planted_objects():
        series = scrape_once(stuck_after=0)
    ns = namespace_inode(os.readlink("/proc/self/ns/ipc"))
    assert ns.isdigit()
    # Other processes share the machine: at least what was planted, never an exact total.
    for kind in ("shm", "msg", "sem", "pmq", "pshm", "psem"):
        assert (value(series, "ipcscope_objects", ipc_ns=ns, kind=kind) or 0) >= 1
    assert (value(series, "ipcscope_waiters", ipc_ns=ns, kind="sem", op="decrement") or 0) >= 1
    assert (value(series, "ipcscope_queued_messages", ipc_ns=ns, kind="msg") or 0) >= 3
    assert (value(series, "ipcscope_findings", ipc_ns=ns, kind="stuck-semaphore", severity="warning")
            or 0) >= 1
    assert value(series, "ipcscope_limit", ipc_ns=ns, name="MSGMNI") is not None
    assert (value(series, "ipcscope_limit_used", ipc_ns=ns, name="SEMMNI") or 0) >= 1
    assert not any(name.startswith("ipcscope_sysv_") for name, _ in series)  # aggregates only


def test_pids_are_never_labels() -> None:
    with planted_objects() as planted:
        series = scrape_once(per_object=True)
    labels = {label for _, pairs in series for label, _ in pairs}
    values = {v for _, pairs in series for _, v in pairs}
    assert not labels & {"pid", "tid", "cpid", "lpid"}
    assert str(planted.waiter_pid) not in values


def test_a_removed_object_leaves_no_series() -> None:
    registry = build_registry(IpcCollector(Reader().read, per_object=True))
    msqid = msg.create(unique_key(), exclusive=True)
    try:
        before = parse(exposition(registry).decode())
    finally:
        msg.remove(msqid)
    after = parse(exposition(registry).decode())
    assert value(before, "ipcscope_sysv_msg_info", msqid=str(msqid)) == 1
    assert not [labels for _, labels in after if ("msqid", str(msqid)) in labels]


def _nobody_scrape() -> dict[str, float | None]:
    series = scrape_once()
    return {what: value(series, "ipcscope_uninspected", what=what)
            for what in ("processes", "sem_values", "msg_qbytes")}


def test_without_root_what_could_not_be_inspected_is_counted(root_only: None) -> None:
    with planted_objects():  # root's objects, mode 0600: unreadable to nobody
        seen = run_as_user(_nobody_scrape)
    assert (seen["processes"] or 0) >= 1
    assert (seen["sem_values"] or 0) >= 1
    assert (seen["msg_qbytes"] or 0) >= 1
