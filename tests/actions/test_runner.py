"""Blocking operations in helper processes: seen blocked by the kernel, cancelled, reaped, never
blocking the caller. Real kernel objects in a private IPC namespace (unshare --ipc)."""

from __future__ import annotations

import errno
import json
import os
import subprocess
import sys
import textwrap
import time

import pytest

from ipcscope.actions import MsgReceive, MsgSend, PosixSemWait, SemOp
from ipcscope.actions.runner import OperationRunner, RunningOperation
from tests.actions.support import PACKAGE_ROOT, blocked_syscalls, cli_env, pid_exists
from tests.helpers import unique_name

SEMTIMEDOP, SEMOP, MSGRCV, FUTEX = 220, 65, 70, 202


@pytest.fixture
def semset():
    from ipcscope.core import sem

    semid = sem.create(0, 2, values=[0, 0])
    try:
        yield semid
    finally:
        try:
            sem.remove(semid)
        except OSError:
            pass


def wait_until(predicate, timeout: float = 10.0, what: str = "") -> None:
    deadline = time.monotonic() + timeout
    while not predicate():
        assert time.monotonic() < deadline, f"timed out waiting for {what}"
        time.sleep(0.01)


def wait_blocked_in(op: RunningOperation, numbers: set[int]) -> None:
    wait_until(lambda: blocked_syscalls(op.pid) & numbers, what=f"pid {op.pid} to block in {numbers}")


def assert_reaped(pid: int, runner: OperationRunner | None = None) -> None:
    """The helper is gone and reaped (no zombie left), polling the runner while it exits."""
    def gone() -> bool:
        if runner is not None:
            runner.poll()
        return not pid_exists(pid)

    wait_until(gone, timeout=5, what=f"pid {pid} to be reaped")


def test_blocked_semop_is_seen_by_the_kernel_then_cancelled(runner, semset) -> None:
    from ipcscope.core import sem

    request = SemOp.parse({"id": str(semset), "ops": "1:-1"})
    started = time.monotonic()
    op = runner.start(request)
    assert time.monotonic() - started < 1.0  # start() does not wait for the helper
    assert op.status == "running" and op.c_call == f"semop({semset}, {{{{1, -1, 0}}}}, 1)"
    wait_blocked_in(op, {SEMTIMEDOP, SEMOP})
    wait_until(lambda: sem.getncnt(semset, 1) == 1, what="semncnt 1")
    assert runner.poll() == () and runner.get(op.op_id).status == "running"

    cancelled = runner.cancel(op)
    assert cancelled.status == "cancelled" and cancelled.finished and cancelled.ended_at
    assert_reaped(op.pid)
    assert sem.getncnt(semset, 1) == 0
    assert runner.poll() == (cancelled,) and runner.poll() == ()


def test_a_blocked_semop_completes_when_the_value_allows(runner, semset) -> None:
    from ipcscope.core import sem

    op = runner.start(SemOp.parse({"id": str(semset), "ops": "0:-2"}))
    wait_blocked_in(op, {SEMTIMEDOP, SEMOP})
    sem.setval(semset, 0, 2)
    done = runner.wait(op, 10)
    assert done.status == "done" and done.result is not None and "done" in done.result.describe()
    assert sem.getval(semset, 0) == 0
    assert_reaped(op.pid, runner)


def test_removing_the_set_gives_the_waiter_eidrm(runner) -> None:
    from ipcscope.core import sem

    semid = sem.create(0, 1)
    op = runner.start(SemOp.parse({"id": str(semid), "ops": "0:-1"}))
    wait_blocked_in(op, {SEMTIMEDOP, SEMOP})
    sem.remove(semid)
    failed = runner.wait(op, 10)
    assert failed.status == "failed" and failed.error is not None
    assert failed.error.errno == errno.EIDRM and failed.error.errno_name == "EIDRM"
    assert failed.error.call.startswith(f"semop({semid}") and failed.error.explanation
    assert_reaped(op.pid, runner)


def test_sem_undo_is_held_until_cancelled(runner, semset) -> None:
    from ipcscope.core import sem

    sem.setval(semset, 0, 1)
    op = runner.start(SemOp.parse({"id": str(semset), "ops": "0:-1:undo"}))
    holding = runner.wait(op, 10)
    assert holding.status == "holding" and pid_exists(op.pid)
    assert sem.getval(semset, 0) == 0  # the helper holds the semaphore
    released = runner.cancel(op)
    assert released.status == "done" and released.undo_applied
    assert sem.getval(semset, 0) == 1  # the kernel applied SEM_UNDO at the helper's exit
    assert_reaped(op.pid)


def test_quitting_with_operations_running(runner, semset) -> None:
    from ipcscope.core import msg, sem

    sem.setval(semset, 0, 1)
    msqid = msg.create(0)
    try:
        holder = runner.start(SemOp.parse({"id": str(semset), "ops": "0:-1:undo"}))
        waiter = runner.start(SemOp.parse({"id": str(semset), "ops": "1:-1"}))
        receiver = runner.start(MsgReceive.parse({"id": str(msqid), "type": "5"}))
        wait_blocked_in(receiver, {MSGRCV})
        wait_blocked_in(waiter, {SEMTIMEDOP, SEMOP})
        assert runner.wait(holder, 10).status == "holding"
        assert {op.op_id for op in runner.active} == {holder.op_id, waiter.op_id, receiver.op_id}

        started = time.monotonic()
        summary = runner.cancel_all()
        assert time.monotonic() - started < 5
        assert len(summary.cancelled) == 3 and summary.undo_applied and summary.used_sem_undo
        assert "SEM_UNDO adjustments are then applied" in summary.message
        assert runner.active == ()
        for op in (holder, waiter, receiver):
            assert_reaped(op.pid)
        assert sem.getval(semset, 0) == 1
    finally:
        msg.remove(msqid)


def test_msgrcv_in_a_helper_gets_the_message(runner) -> None:
    from ipcscope.core import msg

    msqid = msg.create(0)
    try:
        op = runner.start(MsgReceive.parse({"id": str(msqid), "type": "3"}))
        wait_blocked_in(op, {MSGRCV})
        msg.send(msqid, 3, b"\x00payload")
        done = runner.wait(op, 10)
        assert done.status == "done"
        assert (done.result.mtype, done.result.data) == (3, b"\x00payload")
        send = runner.wait(runner.start(MsgSend.parse({"id": str(msqid), "type": "1", "data": "x"})), 10)
        assert send.status == "done" and msg.stat(msqid).qnum == 1
    finally:
        msg.remove(msqid)


def test_sem_wait_blocks_in_futex_and_is_cancelled(runner) -> None:
    from ipcscope.core import posix_sem

    name = unique_name()
    posix_sem.NamedSemaphore.open(name, create=True, value=0).close()
    try:
        op = runner.start(PosixSemWait.parse({"name": name}))
        wait_blocked_in(op, {FUTEX})
        assert runner.cancel(op).status == "cancelled"
        assert_reaped(op.pid)
    finally:
        posix_sem.unlink(name)


def test_errors_without_blocking_come_back_as_failed(runner) -> None:
    op = runner.wait(runner.start(SemOp.parse({"id": "2147483000", "ops": "0:-1"})), 10)
    assert op.status == "failed" and op.error.errno_name == "EINVAL"
    assert "semop(2147483000" in op.describe() and "EINVAL" in op.describe()


def test_helpers_die_with_their_parent(semset) -> None:
    """A parent that exits without cancel_all (a crash) does not leave helpers blocked forever."""
    code = textwrap.dedent(f"""
        import os, sys
        from ipcscope.actions import SemOp
        from ipcscope.actions.runner import OperationRunner
        op = OperationRunner().start(SemOp.parse({{"id": "{semset}", "ops": "1:-1"}}))
        print(op.pid, flush=True)
        sys.stdin.readline()
        os._exit(0)
    """)
    parent = subprocess.Popen([sys.executable, "-c", code], cwd=PACKAGE_ROOT, env=cli_env(),
                              stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
    helper_pid = int(parent.stdout.readline())
    try:
        wait_until(lambda: blocked_syscalls(helper_pid) & {SEMTIMEDOP, SEMOP}, what="helper blocked")
        parent.stdin.write("\n")
        parent.stdin.flush()
        parent.wait(10)
        # the helper was the parent's child: once orphaned, init (or a subreaper) reaps it
        wait_until(lambda: not pid_exists(helper_pid) or _state(helper_pid) == "Z", what="helper exit")
    finally:
        if parent.poll() is None:
            parent.kill()
            parent.wait()
        if pid_exists(helper_pid) and _state(helper_pid) != "Z":
            os.kill(helper_pid, 9)


def _state(pid: int) -> str:
    try:
        with open(f"/proc/{pid}/stat") as handle:
            return handle.read().rsplit(")", 1)[1].split()[0]
    except OSError:
        return "gone"


def test_request_travels_as_json(runner, semset) -> None:
    request = SemOp.parse({"id": str(semset), "ops": "0:+1 1:+1"})
    assert json.loads(json.dumps(request.to_json()))["action"] == "semop"
    assert runner.wait(runner.start(request), 10).status == "done"
    from ipcscope.core import sem

    assert (sem.getval(semset, 0), sem.getval(semset, 1)) == (1, 1)
