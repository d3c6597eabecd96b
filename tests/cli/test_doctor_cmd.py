"""`ipcscope doctor`: output and exit status on injected snapshots, then on planted real problems."""

from __future__ import annotations

import dataclasses
import json
import os
import select
import signal
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass

import pytest

from ipcscope.cli import doctor_cmd, main
from ipcscope.demo import DEMO_NOW, demo_snapshot
from ipcscope.doctor import Finding, coverage_notes, diagnose
from ipcscope.model import ProcessRef, ProcessScan, Semaphore, SemOpSpec, SemSet, Snapshot, Waiter
from tests.helpers import run_as_user, unique_key


@pytest.fixture
def inject(monkeypatch: pytest.MonkeyPatch) -> Callable[[Snapshot], None]:
    """Make `ipcscope doctor` diagnose a given snapshot instead of this machine."""
    def use(snapshot: Snapshot) -> None:
        monkeypatch.setattr(doctor_cmd, "collect_snapshot", lambda: snapshot)
    return use


def test_text_output_is_one_block_per_finding(inject, capsys):
    inject(demo_snapshot())
    assert main(["doctor"]) == 1
    out = capsys.readouterr().out
    lines = out.splitlines()
    assert lines[0].startswith("error dead-holder sem 2: 2 processes wait on semaphore 0 (worker 4417")
    assert lines[1] == "  hint: ipcscope semop 2 0:+1"
    assert "warning orphan-shm shm 5: " in out
    assert "info orphan-posix psem /build-slots: " in out
    assert "\n13 findings: 3 errors, 7 warnings, 3 info\n" in out
    assert "note: the semaphore values of set 49 are not readable" in out
    assert "\x1b[" not in out  # no colour when not a terminal


def test_json_output(inject, capsys):
    inject(demo_snapshot())
    assert main(["doctor", "--json"]) == 1
    captured = capsys.readouterr()
    data = json.loads(captured.out)
    assert [f["kind"] for f in data["findings"]][:2] == ["dead-holder", "deadlock"]
    assert data["findings"][0]["object"] == {"type": "sem", "id": 2}
    assert "set 49" in captured.err  # what was not checked goes to stderr, JSON stays clean


def test_nothing_found_exits_zero(inject, capsys):
    inject(demo_snapshot(empty=True))
    assert main(["doctor"]) == 0
    assert capsys.readouterr().out == "no problems found\nnote: no process scan: dead holders, deadlocks, " \
        "stuck waiters, unmatched receivers, orphans and blocked senders were not checked\n"
    inject(Snapshot(taken_at=DEMO_NOW, processes=ProcessScan(taken_at=DEMO_NOW)))
    assert main(["doctor", "--json"]) == 0
    assert json.loads(capsys.readouterr().out) == {"findings": []}


def test_stuck_after_option(inject, capsys):
    semset = SemSet(key=1, id=3, mode=0o600, uid=0, gid=0, cuid=0, cgid=0, nsems=1,
                    semaphores=(Semaphore(0, 0, 1, 0, 77),))
    waiter = Waiter(76, 76, "w", "semop", ops=(SemOpSpec(0, -1),), since=DEMO_NOW - 120)
    scan = ProcessScan(taken_at=DEMO_NOW, waiters={"sem:3": (waiter,)},
                       processes={76: ProcessRef(76, "w"), 77: ProcessRef(77, "holder")})
    inject(Snapshot(taken_at=DEMO_NOW, sem=(semset,), processes=scan))
    assert main(["doctor"]) == 1
    assert "warning stuck-semaphore sem 3: w 76 has been blocked for 2m 0s" in capsys.readouterr().out
    assert main(["doctor", "--stuck-after", "300"]) == 0
    assert main(["doctor", "--stuck-after", "0"]) == 1


@pytest.mark.parametrize("bad", [["--stuck-after", "soon"], ["--stuck-after", "-1"],
                                 ["--stuck-after", "nan"], ["--colour"]])
def test_bad_arguments_exit_2_with_one_line(bad):
    proc = subprocess.run([sys.executable, "-m", "ipcscope", "doctor", *bad],
                          capture_output=True, text=True, timeout=60)
    assert proc.returncode == 2
    assert proc.stdout == "" and len(proc.stderr.strip().splitlines()) == 1, proc.stderr


# --------------------------------------------------------------------------- real kernel


def _fork(body: Callable[[], None]) -> int:
    """Run `body` in a child process that never returns into pytest."""
    pid = os.fork()
    if pid == 0:
        code = 0
        try:
            body()
        except BaseException:  # noqa: BLE001 - a child must never unwind into pytest
            code = 1
        os._exit(code)
    return pid


def _wait_until(predicate: Callable[[], bool], what: str, timeout: float = 5.0) -> None:
    deadline = time.monotonic() + timeout
    while not predicate():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting until {what}")
        time.sleep(0.01)


def _in_syscall(pid: int, *numbers: int) -> bool:
    """Whether some task of `pid` sits in one of the syscalls (x86_64/aarch64 numbers given)."""
    try:
        tids = os.listdir(f"/proc/{pid}/task")
    except FileNotFoundError:
        return False
    for tid in tids:
        try:
            with open(f"/proc/{pid}/task/{tid}/syscall") as handle:
                first = handle.read().split()[:1]
        except OSError:
            continue
        if first and first[0].isdigit() and int(first[0]) in numbers:
            return True
    return False


SEMOP_NRS = (65, 220, 193)   # x86_64 semop, semtimedop; aarch64 semtimedop
MSGRCV_NRS = (70, 188)       # x86_64, aarch64


@dataclass
class Planted:
    """The ids and pids of the problems a `planted` fixture left on the real kernel."""

    lock: int = -1           # sem set: the holder took it without SEM_UNDO and exited
    holder: int = -1
    waiter: int = -1
    pair: int = -1           # sem set: two crossers deadlocked
    crossers: tuple[int, int] = (-1, -1)
    queue: int = -1          # msg queue: type 1 queued, a receiver waits for type 5
    receiver: int = -1
    orphan: int = -1         # shm segment: created and attached by a process that exited
    creator: int = -1


def _read_exactly(fd: int, n: int, timeout: float = 5.0) -> bytes:
    got = b""
    deadline = time.monotonic() + timeout
    while len(got) < n:
        ready, _, _ = select.select([fd], [], [], max(0.0, deadline - time.monotonic()))
        if not ready:
            raise AssertionError("a child did not report in time")
        chunk = os.read(fd, n - len(got))
        if not chunk:
            raise AssertionError("a child exited before reporting")
        got += chunk
    return got


@pytest.fixture
def planted(root_only) -> Iterator[Planted]:
    """Independent processes leave a dead holder, a deadlock, an unmatched receiver and an orphan."""
    from ipcscope.core import msg, sem, shm

    found = Planted()
    children: list[int] = []
    pipes: list[int] = []

    def pipe() -> tuple[int, int]:
        r, w = os.pipe()
        pipes.extend((r, w))
        return r, w

    try:
        found.lock = sem.create(unique_key(), 1, values=[1])
        found.holder = _fork(lambda: sem.semop(found.lock, [SemOpSpec(0, -1, 0)]))
        os.waitpid(found.holder, 0)
        found.waiter = _fork(lambda: sem.semop(found.lock, [SemOpSpec(0, -1, 0)]))
        children.append(found.waiter)

        found.pair = sem.create(unique_key(), 2, values=[1, 1])
        ready_r, ready_w = pipe()
        go_r, go_w = pipe()

        def crosser(first: int, second: int) -> Callable[[], None]:
            def body() -> None:
                sem.semop(found.pair, [SemOpSpec(first, -1, sem.SEM_UNDO)])
                os.write(ready_w, b"x")
                os.read(go_r, 1)
                sem.semop(found.pair, [SemOpSpec(second, -1, sem.SEM_UNDO)])
            return body

        for first, second in ((0, 1), (1, 0)):
            children.append(_fork(crosser(first, second)))
        found.crossers = (children[-2], children[-1])
        _read_exactly(ready_r, 2)
        os.write(go_w, b"gg")

        found.queue = msg.create(unique_key())
        msg.send(found.queue, 1, b"job")
        found.receiver = _fork(lambda: msg.receive(found.queue, msgtyp=5))
        children.append(found.receiver)

        shm_r, shm_w = pipe()

        def make_orphan() -> None:
            shmid = shm.create(unique_key(), 4096)
            with shm.attach(shmid):
                pass
            os.write(shm_w, f"{shmid:10d}".encode())

        found.creator = _fork(make_orphan)
        found.orphan = int(_read_exactly(shm_r, 10))
        os.waitpid(found.creator, 0)

        _wait_until(lambda: _in_syscall(found.waiter, *SEMOP_NRS), "the waiter blocks in semop")
        _wait_until(lambda: all(_in_syscall(pid, *SEMOP_NRS) for pid in found.crossers),
                    "both crossers block")
        _wait_until(lambda: _in_syscall(found.receiver, *MSGRCV_NRS), "the receiver blocks in msgrcv")
        yield found
    finally:
        for pid in children:
            try:
                os.kill(pid, signal.SIGKILL)
            except ProcessLookupError:
                pass
            os.waitpid(pid, 0)
        for fd in pipes:
            os.close(fd)
        for remove, ident in ((sem.remove, found.lock), (sem.remove, found.pair),
                              (msg.remove, found.queue), (shm.remove, found.orphan)):
            if ident >= 0:
                remove(ident)


def test_planted_problems_end_to_end(planted: Planted):
    proc = subprocess.run([sys.executable, "-m", "ipcscope", "doctor", "--json"],
                          capture_output=True, text=True, timeout=60)
    assert proc.returncode == 1, proc.stderr
    findings = json.loads(proc.stdout)["findings"]

    def found(kind: str, type_: str, ident: int) -> dict:
        matches = [f for f in findings if f["kind"] == kind and f["object"] == {"type": type_, "id": ident}]
        assert len(matches) == 1, (kind, ident, findings)
        return matches[0]

    assert set(found("dead-holder", "sem", planted.lock)["pids"]) == {planted.waiter, planted.holder}
    assert found("dead-holder", "sem", planted.lock)["hint"] == f"ipcscope semop {planted.lock} 0:+1"
    assert set(found("deadlock", "sem", planted.pair)["pids"]) == set(planted.crossers)
    assert found("unmatched-receiver", "msg", planted.queue)["pids"] == [planted.receiver]
    orphan = found("orphan-shm", "shm", planted.orphan)
    assert orphan["pids"] == [planted.creator] and orphan["hint"] == f"ipcscope rm shm {planted.orphan}"


def test_planted_problems_as_an_unprivileged_user(planted: Planted):
    """nobody may not read root's 0600 sets nor root's tasks: no verdict on them, and it says so."""
    def diagnose_here() -> tuple[list[Finding], list[str]]:
        snapshot = doctor_cmd.take_real_snapshot()
        return diagnose(snapshot, now=snapshot.taken_at), coverage_notes(snapshot)

    findings, notes = run_as_user(diagnose_here)
    about = {(f.kind, f.object.row_key) for f in findings}
    assert ("dead-holder", f"sem:{planted.lock}") not in about
    assert ("deadlock", f"sem:{planted.pair}") not in about
    assert ("orphan-shm", f"shm:{planted.orphan}") in about  # nattch and pids are public
    assert any(f"{planted.lock}" in note and "not readable" in note for note in notes)


def test_every_hint_is_a_valid_ipcscope_command():
    """Hints are meant to be pasted: each `ipcscope ...` one must parse (nothing is run)."""
    import shlex

    from ipcscope.cli import build_parser
    from ipcscope.doctor import diagnose as run_doctor
    from ipcscope.model import PosixSemaphore

    lonely = PosixSemaphore(name="/slots", mode=0o600, uid=0, gid=0, value=0)
    waiter = Waiter(80, 80, "reader", "futex", since=DEMO_NOW - 600)
    demo = demo_snapshot()
    zero = SemSet(key=9, id=9, mode=0o600, uid=0, gid=0, cuid=0, cgid=0, nsems=1,
                  semaphores=(Semaphore(0, 2, 0, 1, 999),))  # pid 999 is not in the demo's table
    zero_waiter = Waiter(4417, 4417, "worker", "semop", ops=(SemOpSpec(0, 0),))
    waiters = {**demo.processes.waiters, "psem:/slots": (waiter,), "sem:9": (zero_waiter,)}
    snapshot = dataclasses.replace(demo, psem=(*demo.psem, lonely), sem=(*demo.sem, zero),
                                   processes=dataclasses.replace(demo.processes, waiters=waiters))
    hints = [f.hint for f in run_doctor(snapshot, now=DEMO_NOW + 3600) if f.hint]
    assert {"ipcscope post /slots", "ipcscope setval 9 0 0"} <= set(hints)
    parser = build_parser()
    for hint in hints:
        if hint.startswith("ipcscope "):
            args = parser.parse_args(shlex.split(hint)[1:])
            assert args.handler is not None, hint
