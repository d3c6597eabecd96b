"""A /proc mounted with hidepid: hidden processes are counted and said, never taken for dead.

Each test mounts its own procfs (hidepid=noaccess or invisible) in a private mount namespace of a
forked root child, then scans it as uid 65534: the host's mounts are never touched.
"""

from __future__ import annotations

import ctypes
import os
import subprocess
import tempfile

import pytest

from ipcscope.model import Semaphore, SemSet
from ipcscope.probe.processes import ProcessScanner
from ipcscope.probe.procfs import proc_hidepid
from tests.helpers import run_as_user
from tests.probe.scan_helpers import snapshot

CLONE_NEWNS = 0x00020000
MS_REC, MS_PRIVATE = 0x4000, 1 << 18

MOUNTINFO = """\
22 1 0:21 / /proc rw,nosuid,nodev,noexec,relatime shared:12 - proc proc rw,hidepid=invisible
63 43 0:39 / /tmp/p rw,relatime - proc proc rw,hidepid=1
64 43 0:40 / /tmp/q rw,relatime - proc proc rw
65 43 0:41 / /tmp/my\\040proc rw,relatime - proc proc rw,hidepid=ptraceable
"""


@pytest.mark.parametrize("mount_point, expected", [
    ("/proc", "invisible"), ("/tmp/p", "noaccess"), ("/tmp/q", ""), ("/nowhere", ""),
])
def test_hidepid_option_is_read_from_mountinfo(mount_point: str, expected: str) -> None:
    assert proc_hidepid(MOUNTINFO, mount_point) == expected


def _scan_hidden_proc(hidepid: str, named_pids: tuple[int, ...]):
    """Mount a procfs with `hidepid` in a private mount namespace, scan it as nobody."""
    where = tempfile.mkdtemp(prefix="ipcscope-proc-")
    os.chmod(where, 0o755)
    sem = SemSet(key=0x1234, id=1 << 30, mode=0o600, uid=0, gid=0, cuid=0, cgid=0, nsems=len(named_pids),
                 semaphores=tuple(Semaphore(i, 0, 0, 0, pid) for i, pid in enumerate(named_pids)))

    def as_root_in_own_mounts():
        libc = ctypes.CDLL(None, use_errno=True)
        if libc.unshare(CLONE_NEWNS) != 0 or libc.mount(b"none", b"/", None, MS_REC | MS_PRIVATE, None) != 0:
            raise OSError(ctypes.get_errno(), "unshare/mount --make-rprivate")
        if libc.mount(b"proc", where.encode(), b"proc", 0, f"hidepid={hidepid}".encode()) != 0:
            raise OSError(ctypes.get_errno(), f"mount proc hidepid={hidepid}")
        return run_as_user(lambda: ProcessScanner(proc_root=where).scan(snapshot(sem=(sem,))))

    try:
        return run_as_user(as_root_in_own_mounts, uid=0, gid=0)
    finally:
        os.rmdir(where)


@pytest.mark.usefixtures("root_only")
def test_noaccess_counts_hidden_processes_and_keeps_them_alive() -> None:
    scan = _scan_hidden_proc("noaccess", (os.getpid(),))
    me = scan.processes[os.getpid()]  # root's process: listed, status refused
    assert (me.comm, me.uid) == ("", 0)
    assert scan.is_alive(os.getpid())
    assert scan.denied >= 1 and not scan.listing_incomplete
    assert any("hidepid=noaccess" in note for note in scan.notes), scan.notes


@pytest.mark.usefixtures("root_only")
def test_invisible_checks_the_pids_objects_name_with_kill() -> None:
    gone = subprocess.Popen(["true"])
    gone.wait()  # reaped: its pid names nobody now (unless reused, which a rerun would show)
    scan = _scan_hidden_proc("invisible", (os.getpid(), gone.pid))
    assert scan.listing_incomplete
    assert scan.is_alive(os.getpid()), "a hidden live holder must not look dead"
    assert not scan.is_alive(gone.pid)
    assert any("hidepid=invisible" in note and "1 pid the objects name was found alive" in note
               and "sudo" not in note and "run as root" not in note
               for note in scan.notes), scan.notes
