"""ProcessInfo: real processes (this one, an exited child, a non-root view), and the cache."""

from __future__ import annotations

import os
import time

import psutil

from ipcscope.model import ProcessRef
from ipcscope.probe.procinfo import FixedProcessInfo, PsutilProcessInfo
from tests.helpers import run_as_user


def exited_pid() -> int:
    """The pid of a child that has exited and been reaped (nobody has it now, barring reuse)."""
    pid = os.fork()
    if pid == 0:
        os._exit(0)
    os.waitpid(pid, 0)
    return pid


def test_describes_a_live_process() -> None:
    ref = PsutilProcessInfo().describe(os.getpid())
    assert ref.alive
    assert ref.comm == psutil.Process().name()
    assert ref.uid == os.getuid()
    assert ref.user  # a name, or the uid as text


def test_an_exited_process_is_not_alive() -> None:
    pid = exited_pid()
    assert PsutilProcessInfo().describe(pid) == ProcessRef(pid, alive=False)


def test_a_zombie_is_not_alive() -> None:
    pid = os.fork()
    if pid == 0:
        os._exit(0)
    try:
        deadline = time.monotonic() + 5
        while psutil.Process(pid).status() != psutil.STATUS_ZOMBIE and time.monotonic() < deadline:
            time.sleep(0.005)  # the child exits at once; we have not reaped it
        assert not PsutilProcessInfo().describe(pid).alive
    finally:
        os.waitpid(pid, 0)


def test_pid_zero_means_nobody() -> None:
    assert not PsutilProcessInfo().describe(0).alive


def test_answers_are_cached_for_ttl() -> None:
    clock = [100.0]
    info = PsutilProcessInfo(ttl=2.0, clock=lambda: clock[0])
    pid = exited_pid()
    first = info.describe(pid)
    info._cache[pid] = (clock[0], ProcessRef(pid, "cached", alive=True))  # a later answer would differ
    assert info.describe(pid).comm == "cached"
    clock[0] += 2.5
    assert info.describe(pid) == first


def test_other_users_processes_as_non_root() -> None:
    """As nobody, root's pid 1 is still named (comm is world-readable) and alive."""
    ref = run_as_user(lambda: PsutilProcessInfo().describe(1))
    assert ref.alive and ref.pid == 1


def test_fixed_answers() -> None:
    info = FixedProcessInfo([ProcessRef(42, "worker", 0, "root")])
    assert info.describe(42).comm == "worker"
    assert not info.describe(43).alive
