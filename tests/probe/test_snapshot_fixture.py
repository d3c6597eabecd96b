"""take_snapshot() against fixture trees: no syscalls on fixture ids, consistent limits, POSIX dirs."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest

from ipcscope.model import PosixQueue
from ipcscope.probe import take_snapshot
from ipcscope.probe.limits import Usage, read_limits, shm_pages

PROC = Path(__file__).parent.parent / "fixtures" / "proc"


@pytest.fixture
def shm_dir(tmp_path: Path) -> Path:
    """A /dev/shm with one shm object, one named semaphore and things that are neither."""
    root = tmp_path / "shm"
    root.mkdir()
    (root / "ring").write_bytes(b"x" * 100)
    os.chmod(root / "ring", 0o640)
    (root / "sem.jobs").write_bytes(b"\0" * 32)
    os.chmod(root / "sem.jobs", 0o600)
    (root / "subdir").mkdir()
    os.symlink("ring", root / "link")
    os.mkfifo(root / "fifo")
    return root


@pytest.fixture
def proc_with_mqueue(tmp_path: Path) -> tuple[Path, Path]:
    """A copy of the fixture /proc whose mountinfo has an mqueue mount at a temporary dir."""
    proc = tmp_path / "proc"
    shutil.copytree(PROC, proc)
    mq = tmp_path / "mq dir"  # a space: mountinfo escapes it as \040
    mq.mkdir()
    (mq / "jobs").write_text("QSIZE:24         NOTIFY:0     SIGNO:0     NOTIFY_PID:0     \n")
    (mq / "events").write_text("QSIZE:0          NOTIFY:0     SIGNO:12    NOTIFY_PID:10125 \n")
    (mq / "weird").write_text("nothing useful\n")
    escaped = str(mq).replace(" ", "\\040")
    with open(proc / "self" / "mountinfo", "a") as handle:
        handle.write(f"42 27 0:20 / {escaped} rw,relatime - mqueue none rw\n")
    return proc, mq


def test_fixture_snapshot_lists_sysv_objects(shm_dir: Path) -> None:
    snap = take_snapshot(proc_root=str(PROC), shm_dir=str(shm_dir))
    assert [s.id for s in snap.shm] == [1, 2, 3, 4, 5]
    assert [q.id for q in snap.msg] == [2]
    assert [s.id for s in snap.sem] == [1, 49, 2]
    # A fixture's ids mean nothing to this kernel: no semctl/msgctl was made.
    assert all(s.semaphores is None for s in snap.sem)
    assert snap.msg[0].qbytes is None
    assert snap.environment.uid == os.geteuid() and snap.environment.ipc_namespace == ""


def test_fixture_posix_objects(shm_dir: Path) -> None:
    snap = take_snapshot(proc_root=str(PROC), shm_dir=str(shm_dir))
    (shm,) = snap.pshm
    assert (shm.name, shm.size, shm.perms, shm.uid) == ("/ring", 100, 0o640, os.geteuid())
    st = os.stat(shm_dir / "ring")
    assert (shm.dev, shm.inode, shm.mtime) == (st.st_dev, st.st_ino, int(st.st_mtime))
    (sem,) = snap.psem
    assert (sem.name, sem.perms) == ("/jobs", 0o600)
    assert sem.value is None  # not the real /dev/shm: sem_getvalue would open another file


def test_no_mqueue_mount_in_a_fixture_falls_back_to_descriptors(shm_dir: Path) -> None:
    snap = take_snapshot(proc_root=str(PROC), shm_dir=str(shm_dir))
    assert snap.mqueue_source == "fds" and snap.pmq == ()
    (warning,) = [w for w in snap.warnings if w.startswith("POSIX queues")]
    assert "no mqueue filesystem is mounted" in warning
    assert "sudo mount -t mqueue none /dev/mqueue" in warning
    assert snap.limits.get("MQUMNI").used is None  # a descriptor scan cannot count every queue


def test_mqueue_mount_from_mountinfo(proc_with_mqueue, shm_dir: Path) -> None:
    proc, mq = proc_with_mqueue
    snap = take_snapshot(proc_root=str(proc), shm_dir=str(shm_dir))
    assert snap.mqueue_source == f"mount:{mq}"
    queues = {q.name: q for q in snap.pmq}
    assert list(queues) == ["/events", "/jobs", "/weird"]
    assert isinstance(queues["/jobs"], PosixQueue)
    assert queues["/jobs"].qsize == 24 and queues["/jobs"].curmsgs is None  # no mq_getattr here
    assert (queues["/events"].notify_pid, queues["/events"].signo) == (10125, 12)
    assert any("unrecognised status line for /weird" in w for w in snap.warnings)
    assert snap.limits.get("MQUMNI").used == 3


def test_explicit_mqueue_dir(proc_with_mqueue) -> None:
    _, mq = proc_with_mqueue
    snap = take_snapshot(proc_root=str(PROC), shm_dir="/nonexistent", mqueue_dir=str(mq))
    assert snap.mqueue_source == f"mount:{mq}" and len(snap.pmq) == 3
    assert any("/nonexistent does not exist" in w for w in snap.warnings)


def test_limits_and_usage_from_the_fixture(shm_dir: Path) -> None:
    snap = take_snapshot(proc_root=str(PROC), shm_dir=str(shm_dir))
    limits = {row.resource: row for row in snap.limits.rows}
    assert list(limits) == ["MSGMNI", "MSGMAX", "MSGMNB", "MQUMNI", "MQUMAX", "MQUMNB", "SHMMNI",
                            "SHMALL", "SHMMAX", "SHMMIN", "SEMMNI", "SEMMNS", "SEMMSL", "SEMOPM",
                            "SEMVMX"]
    assert (limits["MSGMNI"].limit, limits["MSGMNI"].used) == (32000, 1)
    assert (limits["MSGMAX"].limit, limits["MSGMAX"].unit) == (8192, "bytes")
    assert limits["MSGMNB"].limit == 16384
    assert (limits["MQUMNI"].limit, limits["MQUMAX"].limit, limits["MQUMNB"].limit) == (256, 8192, 10)
    assert (limits["SHMMNI"].limit, limits["SHMMNI"].used) == (4096, 5)
    page = os.sysconf("SC_PAGE_SIZE")
    sizes = [8192, 1048576, 1048576, 8192, 12288]
    assert limits["SHMALL"].used == sum(-(-s // page) for s in sizes)
    assert limits["SHMALL"].limit == limits["SHMMAX"].limit == 18446744073692774399
    assert limits["SHMMIN"].limit == 1 and limits["SEMVMX"].limit == 32767
    assert (limits["SEMMNI"].limit, limits["SEMMNI"].used) == (32000, 3)
    assert (limits["SEMMNS"].limit, limits["SEMMNS"].used) == (1024000000, 3 + 2 + 3)
    assert (limits["SEMMSL"].limit, limits["SEMOPM"].limit) == (32000, 500)
    assert limits["SEMMSL"].used is None


def test_shm_pages_rounds_up_per_segment() -> None:
    assert shm_pages([1, 4096, 4097, 0], page_size=4096) == 1 + 1 + 2 + 0


def test_missing_sysctls_are_unknown_with_a_warning(tmp_path: Path) -> None:
    limits, warnings = read_limits(str(tmp_path), Usage())
    assert limits.get("MSGMNI").limit is None and limits.get("SEMMSL").limit is None
    assert limits.get("SEMVMX").limit == 32767  # a constant
    assert len(warnings) == 1 and "msgmni" in warnings[0]


def test_kinds_limit_the_work_and_the_usage(shm_dir: Path) -> None:
    snap = take_snapshot(proc_root=str(PROC), shm_dir=str(shm_dir), kinds=["shm"])
    assert len(snap.shm) == 5 and snap.msg == () and snap.sem == () and snap.pshm == ()
    assert snap.limits.get("SHMMNI").used == 5
    assert snap.limits.get("MSGMNI").used is None and snap.limits.get("SEMMNS").used is None
    assert snap.mqueue_source == "none" and not any("POSIX" in w for w in snap.warnings)


def test_a_tree_without_sysvipc_or_mqueue(tmp_path: Path) -> None:
    (tmp_path / "proc").mkdir()
    snap = take_snapshot(proc_root=str(tmp_path / "proc"), shm_dir=str(tmp_path))
    assert snap.shm == snap.msg == snap.sem == snap.pmq == ()
    assert snap.mqueue_source == "none"
    text = "\n".join(snap.warnings)
    assert "CONFIG_SYSVIPC" in text and "CONFIG_POSIX_MQUEUE" in text
