"""The scan's parsing and bookkeeping on fixture /proc trees (maps and syscall lines as kernel 6.18 prints them).

Live scenarios are in test_processes_{sysv,posix,nonroot}.py; these cover what a live machine
cannot show on demand: other architectures, other namespaces, malformed lines, the denial cache.
"""

from __future__ import annotations

import os
import shutil
import struct
import tempfile
from pathlib import Path

import pytest

from ipcscope.model import PosixSemaphore, PosixShm, Semaphore, SemOpSpec, SemSet, ShmSegment, Snapshot
from ipcscope.probe.processes import ProcessScanner
from ipcscope.probe.procfs import parse_maps, parse_stat, parse_status, parse_syscall
from tests.helpers import NOBODY, run_as_user

OUR_NS = "ipc:[4026531839]"


class FakeProc:
    """A minimal /proc tree: status, stat, maps, ns/ipc, task/TID/{syscall,stat}, mem."""

    def __init__(self, root: Path) -> None:
        self.root = root
        (root / "self" / "ns").mkdir(parents=True)
        os.symlink(OUR_NS, root / "self" / "ns" / "ipc")

    def add(self, pid: int, *, comm: str = "worker", uid: int = 1000, maps: str = "",
            tasks: dict[int, tuple[str, str]] | None = None, ns: str = OUR_NS,
            mem: dict[int, bytes] | None = None, start: int = 4242, kernel_thread: bool = False,
            leader_exited: bool = False) -> Path:
        tasks = tasks if tasks is not None else {pid: ("0 0x0 0x0 0x0 0x0 0x0 0x0 0x7ffd 0x7f00", "S")}
        base = self.root / str(pid)
        (base / "ns").mkdir(parents=True)
        os.symlink(ns, base / "ns" / "ipc")
        vm = "" if kernel_thread or leader_exited else "VmPeak:\t  1000 kB\nVmSize:\t  1000 kB\n"
        (base / "status").write_text(
            f"Name:\t{comm}\nUmask:\t0022\nState:\tS (sleeping)\nTgid:\t{pid}\nPid:\t{pid}\n"
            f"Uid:\t{uid}\t{uid}\t{uid}\t{uid}\nGid:\t{uid}\t{uid}\t{uid}\t{uid}\n{vm}"
            f"Threads:\t{len(tasks)}\n")
        (base / "stat").write_text(_stat_line(pid, comm, "S", start))
        (base / "maps").write_text("" if leader_exited else maps)
        for tid, (syscall, state) in tasks.items():
            task = base / "task" / str(tid)
            task.mkdir(parents=True)
            (task / "maps").write_text("" if leader_exited and tid == pid else maps)
            (task / "ns").mkdir()
            os.symlink(ns, task / "ns" / "ipc")
            (task / "syscall").write_text(syscall + "\n")
            (task / "stat").write_text(_stat_line(tid, comm, state, start))
        for memory_file in [base / "mem", *(base / "task" / str(tid) / "mem" for tid in tasks)]:
            with open(memory_file, "wb") as memory:
                for address, data in (mem or {}).items():
                    memory.seek(address)
                    memory.write(data)
        return base


def _stat_line(pid: int, comm: str, state: str, start: int) -> str:
    # fields 4..21 are zeros here; field 22 is the start time
    return f"{pid} ({comm}) {state} " + " ".join(["0"] * 18) + f" {start} " + " ".join(["0"] * 30) + "\n"


@pytest.fixture
def proc(tmp_path: Path) -> FakeProc:
    return FakeProc(tmp_path / "proc")


def scanner_for(proc: FakeProc, machine: str = "x86_64", clock=lambda: 1000.0) -> ProcessScanner:
    return ProcessScanner(proc_root=str(proc.root), clock=clock, machine=machine)


def sem3(semid: int, values=(0, 1, 1)) -> SemSet:
    return SemSet(key=0x1234, id=semid, mode=0o600, uid=0, gid=0, cuid=0, cgid=0, nsems=len(values),
                  semaphores=tuple(Semaphore(i, v, 0, 0, 0) for i, v in enumerate(values)))


def attached(shmid: int, key: int = 0, mode: int = 0o600) -> ShmSegment:
    """A segment the snapshot says is attached (maps are read only when something can match)."""
    return ShmSegment(key=key, id=shmid, mode=mode, uid=0, gid=0, cuid=0, cgid=0, nattch=1)


def sembufs(*ops: tuple[int, int, int]) -> bytes:
    return b"".join(struct.pack("=Hhh", *op) for op in ops)


# --------------------------------------------------------------------------- parsers


def test_parse_stat_handles_parentheses_and_spaces_in_comm() -> None:
    stat = parse_stat(_stat_line(7, "a) (b c", "T", 99).encode())
    assert (stat.comm, stat.state, stat.start_time) == ("a) (b c", "T", 99)


def test_parse_status_of_a_kernel_thread_and_a_process() -> None:
    kthread = parse_status(b"Name:\tkthreadd\nUmask:\t0022\nState:\tS\nUid:\t0\t0\t0\t0\nKthread:\t1\nThreads:\t1\n")
    assert (kthread.name, kthread.uid, kthread.user_space) == ("kthreadd", 0, False)
    user = parse_status(b"Name:\tbash\nUid:\t1000\t1001\t1000\t1000\nVmSize:\t 10 kB\nThreads:\t3\n")
    assert (user.name, user.uid, user.threads, user.user_space) == ("bash", 1001, 3, True)
    zombie = parse_status(b"Name:\tdone\nState:\tZ (zombie)\nUid:\t0\t0\t0\t0\nThreads:\t1\n")
    assert not zombie.user_space
    # the main thread exited (pthread_exit) but two threads run on: their waits still count
    leader_gone = parse_status(b"Name:\tsrv\nState:\tZ (zombie)\nUid:\t0\t0\t0\t0\nThreads:\t3\n")
    assert leader_gone.user_space


def test_parse_syscall_lines_as_the_kernel_prints_them() -> None:
    line = parse_syscall(b"70 0x3 0x5570f72a92a0 0x80 0xfffffffffffffffd 0x0 0x0 0x7ffc 0x7f00\n")
    assert line is not None and line.number == 70 and line.args[3] == 0xFFFFFFFFFFFFFFFD
    assert parse_syscall(b"running\n") is None
    assert parse_syscall(b"-1 0x7ffc 0x7f00\n") is None
    with pytest.raises(ValueError):
        parse_syscall(b"x 0x1 0x2 0x3 0x4 0x5 0x6 0x7 0x8\n")


def test_parse_maps_keeps_only_shared_ipc_mappings_and_decodes_the_device() -> None:
    maps = (
        b"55d0c0a00000-55d0c0a21000 r--p 00000000 08:01 1234  /usr/bin/python3.11\n"
        b"7f906bd98000-7f906be98000 rw-s 00000000 00:01 3      /SYSV12345678 (deleted)\n"
        b"7fefe359b000-7fefe35ab000 rw-s 00000000 00:1b 160   /dev/shm/with space (deleted)\n"
        b"7fefe359b000-7fefe35ab000 rw-s 00000000 103:1b 17   /dev/shm/big-minor\n"
        b"garbage /SYSV\n"
    )
    mappings, bad = parse_maps(maps)
    assert bad == 1
    sysv, spaced, big = mappings
    assert (sysv.inode, sysv.dev, sysv.sysv_key, sysv.path) == (3, os.makedev(0, 1), 0x12345678, "/SYSV12345678")
    assert (spaced.path, spaced.dev, spaced.inode) == ("/dev/shm/with space", os.makedev(0, 27), 160)
    assert big.dev == os.makedev(0x103, 0x1B)
    assert spaced.contains(0x7FEFE359B000) and not spaced.contains(0x7FEFE35AB000)


# --------------------------------------------------------------------------- the scan


def test_aarch64_semop_and_msgrcv_numbers(proc: FakeProc) -> None:
    proc.add(300, tasks={
        300: ("193 0x5 0x1000 0x2 0x0 0x0 0x0 0x7ffd 0x7f00", "S"),  # semop
        301: ("188 0x9 0x2000 0x80 0xfffffffffffffffd 0x2000 0x0 0x7ffd 0x7f00", "S"),  # msgrcv -3 MSG_EXCEPT
        302: ("193 0x5 0x1000 0x2 0x0 0x0 0x0 0x7ffd 0x7f00", "t"),  # the same, ptrace-stopped
    }, mem={0x1000: sembufs((1, -1, 0x1000), (0, -1, 0))})
    scan = scanner_for(proc, machine="aarch64").scan(Snapshot(taken_at=0, sem=(sem3(5),)))
    sem = scan.waiters_of("sem:5")
    assert [(w.tid, w.state, w.ops, w.blocked_on) for w in sem] == [
        (300, "waiting", (SemOpSpec(1, -1, 0x1000), SemOpSpec(0, -1, 0)), 0),
        (302, "stopped", (SemOpSpec(1, -1, 0x1000), SemOpSpec(0, -1, 0)), 0),
    ]
    [rcv] = scan.waiters_of("msg:9")
    assert (rcv.pid, rcv.tid, rcv.op, rcv.msgtyp, rcv.msgflg) == (300, 301, "msgrcv", -3, 0o20000)
    # on x86_64, 193 and 188 are other syscalls: nothing is a wait
    assert scanner_for(proc).scan(Snapshot(taken_at=0)).waiters == {}


def test_unknown_architecture_says_waits_are_not_decoded(proc: FakeProc) -> None:
    proc.add(300, maps="7f90-7f91 rw-s 00000000 00:01 3 /SYSV00000000 (deleted)\n")
    scan = scanner_for(proc, machine="mips").scan(Snapshot(taken_at=0, shm=(attached(3),)))
    assert [p.pid for p in scan.holders_of("shm:3")] == [300]
    assert any("not decoded on this architecture (mips)" in note for note in scan.notes)


def test_semop_without_readable_memory_has_no_ops_and_a_note(proc: FakeProc) -> None:
    base = proc.add(300, tasks={300: ("220 0x5 0x9000 0x2 0x0 0x0 0x0 0x7ffd 0x7f00", "S")})
    os.unlink(base / "task" / "300" / "mem")
    scan = scanner_for(proc).scan(Snapshot(taken_at=0, sem=(sem3(5),)))
    [waiter] = scan.waiters_of("sem:5")
    assert waiter.ops is None and waiter.blocked_on is None
    assert any("operations of 1 semop waiter could not be read" in note for note in scan.notes)


def test_other_ipc_namespace_is_not_matched_and_is_noted(proc: FakeProc) -> None:
    maps = "7f90-7f91 rw-s 00000000 00:01 0 /SYSV7e570001 (deleted)\n"
    proc.add(300, maps=maps, ns="ipc:[4026532177]",
             tasks={300: ("65 0x0 0x1000 0x1 0x0 0x0 0x0 0x7ffd 0x7f00", "S")}, mem={0x1000: sembufs((0, -1, 0))})
    proc.add(301, maps=maps)  # same name, our namespace: segment 0 here
    scan = scanner_for(proc).scan(Snapshot(taken_at=0, shm=(attached(0),)))
    assert [p.pid for p in scan.holders_of("shm:0")] == [301]
    assert scan.waiters == {}
    assert any("1 process in other IPC namespaces" in note for note in scan.notes)


def test_futex_waits_count_only_inside_ipc_mappings(proc: FakeProc) -> None:
    shm_dev = os.makedev(0, 27)
    maps = ("7f0000000000-7f0000001000 rw-s 00000000 00:1b 2 /dev/shm/sem.Xt9ojT (deleted)\n"
            "7f0000010000-7f0000020000 rw-s 00000000 00:01 4 /SYSVdeadbeef (deleted)\n")
    proc.add(300, maps=maps, tasks={
        300: ("202 0x7f0000000000 0x109 0x0 0x0 0x0 0xffffffff 0x7ffd 0x7f00", "S"),  # sem_wait
        301: ("202 0x7f0000010080 0x0 0x2 0x0 0x0 0x0 0x7ffd 0x7f00", "S"),  # pshared mutex
        302: ("202 0x7f0000010080 0x1 0x1 0x0 0x0 0x0 0x7ffd 0x7f00", "S"),  # FUTEX_WAKE: not a wait
        303: ("202 0x55d0c0a00000 0x80 0x0 0x0 0x0 0x0 0x7ffd 0x7f00", "S"),  # private, anonymous memory
    })
    unmatched = PosixShm(name="/no-inode", mode=0o600, uid=0, gid=0)  # no (dev, inode): never matched
    psem = PosixSemaphore(name="/lock", mode=0o600, uid=0, gid=0, dev=shm_dev, inode=2)
    scan = scanner_for(proc).scan(Snapshot(taken_at=0, psem=(psem,), pshm=(unmatched,)))
    assert [(w.tid, w.op) for w in scan.waiters_of("psem:/lock")] == [(300, "futex")]
    assert [(w.tid, w.op) for w in scan.waiters_of("shm:4")] == [(301, "futex")]
    assert set(scan.waiters) == {"psem:/lock", "shm:4"}
    assert [p.pid for p in scan.holders_of("psem:/lock")] == [300]


def test_maps_are_read_only_when_something_can_match_except_for_futex_waiters(proc: FakeProc) -> None:
    maps = "7f0000010000-7f0000020000 rw-s 00000000 00:01 4 /SYSVdeadbeef (deleted)\n"
    proc.add(300, maps=maps)
    proc.add(301, maps=maps, tasks={301: ("202 0x7f0000010080 0x0 0x2 0x0 0x0 0x0 0x7ffd 0x7f00", "S")})
    unattached = ShmSegment(key=0xDEADBEEF, id=4, mode=0o600, uid=0, gid=0, cuid=0, cgid=0, nattch=0)
    scan = scanner_for(proc).scan(Snapshot(taken_at=0, shm=(unattached,)))
    # nattch 0 (a stale snapshot): nobody's maps are read, but the futex waiter's are, on demand
    assert [p.pid for p in scan.holders_of("shm:4")] == [301]
    assert [(w.pid, w.op) for w in scan.waiters_of("shm:4")] == [(301, "futex")]


def test_process_whose_main_thread_exited_is_read_through_its_live_threads(proc: FakeProc) -> None:
    maps = "7f0000010000-7f0000020000 rw-s 00000000 00:01 4 /SYSVdeadbeef (deleted)\n"
    proc.add(300, maps=maps, leader_exited=True, tasks={
        300: ("-1 0x0 0x0", "Z"),
        301: ("65 0x5 0x1000 0x1 0x0 0x0 0x0 0x7ffd 0x7f00", "S"),
    }, mem={0x1000: sembufs((0, -1, 0))})
    os.unlink(proc.root / "300" / "ns" / "ipc")  # a zombie leader's namespace links are gone
    scan = scanner_for(proc).scan(Snapshot(taken_at=0, shm=(attached(4),), sem=(sem3(5),)))
    assert [(w.pid, w.tid, w.ops) for w in scan.waiters_of("sem:5")] == [(300, 301, (SemOpSpec(0, -1, 0),))]
    assert [p.pid for p in scan.holders_of("shm:4")] == [300]
    assert scan.notes == ()


def test_dest_segment_original_key_only_for_dest_segments(proc: FakeProc) -> None:
    proc.add(300, maps="7f90-7f91 rw-s 00000000 00:01 3 /SYSV12345678 (deleted)\n"
                       "7f92-7f93 rw-s 00000000 00:01 5 /SYSV0000abcd (deleted)\n")
    dest, live = attached(3, mode=0o1666), attached(5, key=0xABCD, mode=0o666)
    scan = scanner_for(proc).scan(Snapshot(taken_at=0, shm=(dest, live)))
    assert scan.original_keys == {3: 0x12345678}


def test_kernel_threads_running_tasks_and_garbage_are_skipped(proc: FakeProc) -> None:
    proc.add(2, comm="kthreadd", uid=0, kernel_thread=True)
    proc.add(300, tasks={
        300: ("running", "R"),
        301: ("-1 0x7ffd 0x7f00", "S"),
        302: ("zz 0x5 0x1000 0x1 0x0 0x0 0x0 0x7ffd 0x7f00", "S"),
        303: ("65 0x5 0x1000 0x1 0x0 0x0 0x0 0x7ffd 0x7f00", "R"),  # woken, about to return
    })
    (proc.root / "301").mkdir()  # a pid directory without files: exited mid-scan
    (proc.root / "302").mkdir()
    (proc.root / "302" / "status").write_text("garbage\n")
    scan = scanner_for(proc).scan(Snapshot(taken_at=0))
    assert scan.waiters == {}
    assert sorted(scan.processes) == [2, 300]
    assert scan.processes[2].comm == "kthreadd"
    assert any("2 unrecognised /proc entries skipped" in note for note in scan.notes), scan.notes


def test_since_is_forgotten_when_the_wait_ends(proc: FakeProc) -> None:
    base = proc.add(300, tasks={300: ("65 0x5 0x1000 0x1 0x0 0x0 0x0 0x7ffd 0x7f00", "S")},
                    mem={0x1000: sembufs((0, -1, 0))})
    now = [10.0]
    scanner = scanner_for(proc, clock=lambda: now[0])
    snapshot = Snapshot(taken_at=0, sem=(sem3(5),))
    assert scanner.scan(snapshot).waiters_of("sem:5")[0].since == 10.0
    (base / "task" / "300" / "syscall").write_text("running\n")
    now[0] = 20.0
    assert scanner.scan(snapshot).waiters == {}
    (base / "task" / "300" / "syscall").write_text("65 0x5 0x1000 0x1 0x0 0x0 0x0 0x7ffd 0x7f00\n")
    now[0] = 30.0
    assert scanner.scan(snapshot).waiters_of("sem:5")[0].since == 30.0


def test_denials_are_cached_until_the_pid_is_reused() -> None:
    """As uid 65534 on a world-readable fixture whose maps file is mode 000 (a real EACCES)."""
    if os.geteuid() != 0:
        pytest.skip("needs root to hand the tree to nobody")
    root = Path(tempfile.mkdtemp(prefix="ipcscope_scan_"))
    try:
        root.chmod(0o755)
        proc = FakeProc(root / "proc")
        base = proc.add(300, uid=0, maps="7f90-7f91 rw-s 00000000 00:01 3 /SYSV00000000 (deleted)\n")
        for path in [root, *root.rglob("*")]:
            if not path.is_symlink():
                path.chmod(0o755 if path.is_dir() else 0o644)
        (base / "maps").chmod(0)

        def scans() -> list:
            scanner = scanner_for(proc)
            snapshot = Snapshot(taken_at=0, shm=(attached(3),))
            first = scanner.scan(snapshot)
            (base / "maps").chmod(0o644)  # readable now: a cached denial still answers
            second = scanner.scan(snapshot)
            (base / "stat").write_text(_stat_line(300, "worker", "S", 9999))  # pid reused
            third = scanner.scan(snapshot)
            return [first, second, third]

        # nobody may chmod the file only if it owns it
        os.chown(base / "maps", NOBODY, NOBODY)
        os.chown(base / "stat", NOBODY, NOBODY)
        first, second, third = run_as_user(scans)
        assert (first.denied, second.denied, third.denied) == (1, 1, 0)
        assert first.holders == second.holders == {}
        assert [p.pid for p in third.holders_of("shm:3")] == [300]
        assert first.processes[300] == second.processes[300]  # comm from stat, uid from the cache
        assert any("1 process of other users was not inspected" in note for note in first.notes)
    finally:
        shutil.rmtree(root)
