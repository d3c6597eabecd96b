"""The probe and `ipcscope list --json` against the real kernel, compared with lsipc and ipcs.

Objects are made with core, under unique keys/names, and removed in `finally`. Only our own objects
are compared (other tests may run in the same IPC namespace).
"""

from __future__ import annotations

import io
import json
import re
import shutil
import subprocess
import sys
from contextlib import ExitStack, redirect_stderr, redirect_stdout
from datetime import datetime

import pytest

from ipcscope.core import msg, posix_mq, posix_sem, posix_shm, sem, shm
from ipcscope.core.errors import IpcError
from ipcscope.probe import take_snapshot
from tests.helpers import NOBODY, run_as_user, unique_key, unique_name

pytestmark = pytest.mark.skipif(shutil.which("lsipc") is None or shutil.which("ipcs") is None,
                                reason="needs util-linux lsipc and ipcs")


def _iso(text: str | None) -> datetime | None:
    return None if text is None else datetime.fromisoformat(text)


def _lsipc(flag: str, columns: str) -> dict[int, dict]:
    out = subprocess.run(
        ["lsipc", "--json", "-b", "-P", "--time-format=iso", flag, "-o", columns],
        capture_output=True, text=True, check=True, timeout=30,
    ).stdout
    (rows,) = json.loads(out).values()
    return {int(row["id"]): row for row in rows}


def _ipcs_detail(flag: str, ident: int) -> str:
    return subprocess.run(["ipcs", flag, "-i", str(ident)], capture_output=True, text=True,
                          check=True, timeout=30).stdout


def _list_json() -> dict:
    proc = subprocess.run([sys.executable, "-m", "ipcscope", "list", "--json"],
                          capture_output=True, text=True, timeout=60)
    assert proc.returncode == 0, proc.stderr
    return json.loads(proc.stdout)


@pytest.fixture
def sysv_objects():
    """A shm segment attached once, a removed-but-attached one, a queue with 2 messages, a set."""
    with ExitStack() as cleanup:
        made = {}
        made["shm"] = shm.create(unique_key(), 8192, mode=0o640)
        cleanup.callback(shm.remove, made["shm"])
        attachment = shm.attach(made["shm"])
        cleanup.callback(attachment.detach)

        made["dest"] = shm.create(unique_key(), 12288, mode=0o600)
        dest_attachment = shm.attach(made["dest"])
        cleanup.callback(dest_attachment.detach)  # the last detach frees it
        shm.remove(made["dest"])

        made["msg"] = msg.create(unique_key(), mode=0o620)
        cleanup.callback(msg.remove, made["msg"])
        msg.send(made["msg"], 5, b"hello")
        msg.send(made["msg"], 7, b"world, again")

        made["sem"] = sem.create(unique_key(), 3, mode=0o644, values=[2, 0, 5])
        cleanup.callback(sem.remove, made["sem"])
        yield made


def test_list_json_agrees_with_lsipc_and_ipcs(sysv_objects) -> None:
    doc = _list_json()
    shm_rows = {o["id"]: o for o in doc["sysv"]["shm"]}
    msg_rows = {o["id"]: o for o in doc["sysv"]["msg"]}
    sem_rows = {o["id"]: o for o in doc["sysv"]["sem"]}

    lsipc_shm = _lsipc("-m", "KEY,ID,PERMS,OWNER,CUID,CGID,UID,GID,SIZE,NATTCH,STATUS,CPID,LPID,"
                             "CTIME,ATTACH,DETACH")
    for name in ("shm", "dest"):
        ours, theirs = shm_rows[sysv_objects[name]], lsipc_shm[sysv_objects[name]]
        assert ours["key"] == theirs["key"]
        assert ours["perms"] == theirs["perms"]
        assert ours["owner"] == theirs["owner"]
        for field in ("cuid", "cgid", "uid", "gid", "size", "nattch", "cpid", "lpid"):
            assert ours[field] == int(theirs[field]), field
        assert ",".join(ours["status"]) == (theirs["status"] or "")
        assert _iso(ours["ctime"]) == _iso(theirs["ctime"])
        assert _iso(ours["atime"]) == _iso(theirs["attach"])
        assert _iso(ours["dtime"]) == _iso(theirs["detach"])
    assert shm_rows[sysv_objects["dest"]]["status"] == ["dest"]
    assert shm_rows[sysv_objects["dest"]]["key"] == "0x00000000"
    assert shm_rows[sysv_objects["shm"]]["nattch"] == 1

    lsipc_msg = _lsipc("-q", "KEY,ID,PERMS,OWNER,CUID,CGID,UID,GID,USEDBYTES,MSGS,LSPID,LRPID,"
                             "CTIME,SEND,RECV")
    ours, theirs = msg_rows[sysv_objects["msg"]], lsipc_msg[sysv_objects["msg"]]
    assert ours["key"] == theirs["key"] and ours["owner"] == theirs["owner"]
    assert ours["perms"] == "0620"  # lsipc 2.38 prints null PERMS for queues with -P
    assert (ours["cbytes"], ours["qnum"]) == (int(theirs["usedbytes"]), int(theirs["msgs"])) == (17, 2)
    assert (ours["lspid"], ours["lrpid"]) == (int(theirs["lspid"]), int(theirs["lrpid"]))
    assert _iso(ours["stime"]) == _iso(theirs["send"]) and _iso(ours["rtime"]) == _iso(theirs["recv"])
    assert _iso(ours["ctime"]) == _iso(theirs["ctime"])
    detail = _ipcs_detail("-q", sysv_objects["msg"])
    assert ours["qbytes"] == int(re.search(r"qbytes=(\d+)", detail).group(1))
    assert msg.qbytes(sysv_objects["msg"]) == msg.stat(sysv_objects["msg"]).qbytes == ours["qbytes"]

    lsipc_sem = _lsipc("-s", "KEY,ID,PERMS,OWNER,CUID,CGID,UID,GID,NSEMS,CTIME,OTIME")
    ours, theirs = sem_rows[sysv_objects["sem"]], lsipc_sem[sysv_objects["sem"]]
    assert (ours["key"], ours["perms"], ours["owner"]) == (theirs["key"], theirs["perms"], theirs["owner"])
    assert ours["nsems"] == int(theirs["nsems"]) == 3
    assert _iso(ours["ctime"]) == _iso(theirs["ctime"]) and _iso(ours["otime"]) == _iso(theirs["otime"])
    table = _ipcs_detail("-s", sysv_objects["sem"]).split("pid", 1)[1]
    expected = [dict(zip(("num", "value", "ncnt", "zcnt", "pid"), map(int, line.split())))
                for line in table.strip().splitlines()]
    assert ours["semaphores"] == expected
    assert [s["value"] for s in ours["semaphores"]] == [2, 0, 5]


def test_probe_agrees_with_the_kernels_own_counts(sysv_objects) -> None:
    """Usage counted from /proc equals SHM_INFO / MSG_INFO / SEM_INFO (when nobody else is busy)."""
    before = (shm.info(), msg.info(), sem.info())
    snapshot = take_snapshot(kinds=["shm", "msg", "sem"])
    after = (shm.info(), msg.info(), sem.info())
    if before != after:
        pytest.skip("another test changed this IPC namespace meanwhile")
    shm_info, msg_info, sem_info = after
    limits = snapshot.limits
    assert limits.get("SHMMNI").used == shm_info.segments
    assert limits.get("SHMALL").used == shm_info.pages
    assert limits.get("MSGMNI").used == msg_info.queues
    assert limits.get("SEMMNI").used == sem_info.sets
    assert limits.get("SEMMNS").used == sem_info.semaphores
    shm_limits = shm.limits()
    assert limits.get("SHMMAX").limit == shm_limits.shmmax
    assert limits.get("SHMMNI").limit == shm_limits.shmmni


def test_locked_segment(root_only) -> None:
    shmid = shm.create(unique_key(), 4096)
    try:
        shm.lock(shmid)
        (seg,) = [s for s in take_snapshot(kinds=["shm"]).shm if s.id == shmid]
        assert seg.status == ("locked",) and seg.mode == 0o2600
        lsipc = _lsipc("-m", "ID,STATUS")
        assert lsipc[shmid]["status"] == "locked"
    finally:
        shm.remove(shmid)


def test_posix_objects(root_only) -> None:
    shm_name, sem_name, mq_name = unique_name(), unique_name(), unique_name()
    with ExitStack() as cleanup:
        posix_shm.create(shm_name, 5000, mode=0o640)
        cleanup.callback(posix_shm.unlink, shm_name)
        semaphore = posix_sem.NamedSemaphore.open(sem_name, create=True, value=3, mode=0o600)
        cleanup.callback(posix_sem.unlink, sem_name)
        cleanup.callback(semaphore.close)
        mqd = posix_mq.open(mq_name, create=True, mode=0o600, maxmsg=4, msgsize=64)
        cleanup.callback(posix_mq.unlink, mq_name)
        cleanup.callback(posix_mq.close, mqd)
        posix_mq.send(mqd, b"abcdef", priority=1)
        posix_mq.send(mqd, b"xyz")

        snapshot = take_snapshot()
        pshm = {o.name: o for o in snapshot.pshm}[shm_name]
        assert (pshm.size, pshm.perms, pshm.uid) == (5000, 0o640, 0)
        psem = {o.name: o for o in snapshot.psem}[sem_name]
        assert psem.value == 3 and psem.perms == 0o600
        assert snapshot.mqueue_source in ("detached",) or snapshot.mqueue_source.startswith("mount:")
        queue = {o.name: o for o in snapshot.pmq}[mq_name]
        assert (queue.qsize, queue.curmsgs, queue.maxmsg, queue.msgsize) == (9, 2, 4, 64)
        assert queue.notify_pid == 0 and queue.perms == 0o600
        assert snapshot.limits.get("MQUMNI").used == len(snapshot.pmq)
        # Looking consumed nothing.
        assert posix_mq.getattr(mqd).curmsgs == 2

        doc = _list_json()
        assert {o["name"]: o for o in doc["posix"]["mq"]}[mq_name]["curmsgs"] == 2
        assert {o["name"]: o for o in doc["posix"]["sem"]}[sem_name]["value"] == 3
        assert {o["name"]: o for o in doc["posix"]["shm"]}[shm_name]["size"] == 5000


def test_a_queue_held_open_is_found_through_descriptors(root_only, tmp_path) -> None:
    """The non-mount fallback: this process holds the queue open, so /proc/self/fd shows it."""
    name = unique_name()
    mqd = posix_mq.open(name, create=True, mode=0o600, maxmsg=3, msgsize=16)
    try:
        posix_mq.send(mqd, b"1234")
        from ipcscope.probe.mqueue import _QueueReader, list_open_descriptors
        from ipcscope.probe.names import NameCache

        reader = _QueueReader(NameCache(), live=True, attrs=True)
        found = {q.name: q for q in list_open_descriptors("/proc", reader)}
        queue = found[name]
        assert (queue.qsize, queue.curmsgs, queue.maxmsg, queue.msgsize) == (4, 1, 3, 16)
        assert posix_mq.getattr(mqd).curmsgs == 1
    finally:
        posix_mq.close(mqd)
        posix_mq.unlink(name)


def test_nobody_sees_roots_objects_without_values(root_only) -> None:
    semid = sem.create(unique_key(), 2, mode=0o600, values=[1, 1])
    msqid = msg.create(unique_key(), mode=0o600)
    try:
        def look():
            snapshot = take_snapshot(kinds=["sem", "msg", "pmq"])
            semset = [s for s in snapshot.sem if s.id == semid][0]
            queue = [q for q in snapshot.msg if q.id == msqid][0]
            return semset.semaphores, queue.qbytes, snapshot.warnings, snapshot.mqueue_source

        semaphores, qbytes, warnings, source = run_as_user(look)
        assert semaphores is None and qbytes is None
        assert any(re.match(r"\d+ semaphore sets? (is|are) not readable by uid 65534: values hidden; "
                            r"run as root or as their owner", w) for w in warnings), warnings
        assert any("message queue" in w and "not readable by uid 65534" in w for w in warnings)
        if not source.startswith("mount:"):
            assert source == "fds"
            assert any("only queues held open by your processes are shown" in w for w in warnings)
    finally:
        sem.remove(semid)
        msg.remove(msqid)
    assert NOBODY == 65534


def test_cli_warnings_go_to_stderr_as_nobody(root_only) -> None:
    semid = sem.create(unique_key(), 1, mode=0o600)
    try:
        def run_cli():
            # In-process: nobody may not execute this interpreter (it lives under /root).
            from ipcscope.cli import main

            out, err = io.StringIO(), io.StringIO()
            with redirect_stdout(out), redirect_stderr(err):
                code = main(["list", "--type", "sem"])
            return code, out.getvalue(), err.getvalue()

        code, out, err = run_as_user(run_cli)
        assert code == 0, err
        assert "KEY" in out and "ipcscope: warning:" in err and "not readable by uid 65534" in err
    finally:
        sem.remove(semid)


def test_removed_object_between_read_and_call_is_not_an_error() -> None:
    """An id that vanished gives None and no 'not readable' warning."""
    from ipcscope.probe.details import queue_limits, semaphore_values

    semid = sem.create(unique_key(), 1)
    msqid = msg.create(unique_key())
    sem.remove(semid)
    msg.remove(msqid)
    assert semaphore_values([semid]) == ([None], [])
    assert queue_limits([msqid]) == ([None], [])
    with pytest.raises(IpcError):
        sem.semaphores(semid)


def test_nobody_cannot_read_a_root_named_semaphore(root_only) -> None:
    name = unique_name()
    semaphore = posix_sem.NamedSemaphore.open(name, create=True, value=2, mode=0o600)
    try:
        def look():
            snapshot = take_snapshot(kinds=["psem"])
            return {s.name: s.value for s in snapshot.psem}.get(name, "missing"), snapshot.warnings

        value, warnings = run_as_user(look)
        assert value is None
        assert any("POSIX semaphore" in w and "not readable by uid 65534" in w for w in warnings)
        assert {s.name: s.value for s in take_snapshot(kinds=["psem"]).psem}[name] == 2
    finally:
        semaphore.close()
        posix_sem.unlink(name)
