"""Cost of one ProcessScanner.scan, per process and for the whole machine.

Run as root from the repository root:

    /work/main/.venv/bin/python benchmarks/bench_scan.py [--processes 300] [--runs 30]

It moves itself into a private IPC namespace, spawns mostly sleeping processes (every 5th attached
to a SysV segment, a few blocked in semop, a few with extra threads), times the scan as root and as
uid 65534 (a forked child that drops privileges), prints the medians and cleans up. The goal is a
full scan of 300 processes in under 20 ms.
"""

from __future__ import annotations

import argparse
import ctypes
import ctypes.util
import json
import mmap
import os
import signal
import statistics
import sys
import threading
import time

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

from ipcscope.model import KINDS, PosixShm, Semaphore, SemSet, ShmSegment, Snapshot
from ipcscope.probe.processes import ProcessScanner

CLONE_NEWIPC = 0x08000000
IPC_CREAT, IPC_RMID = 0o1000, 0
NOBODY = 65534

libc = ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6", use_errno=True)
libc.shmat.restype = ctypes.c_void_p


class SemBuf(ctypes.Structure):
    _fields_ = [("num", ctypes.c_ushort), ("op", ctypes.c_short), ("flg", ctypes.c_short)]


def check(result: int, what: str) -> int:
    if result == -1:
        err = ctypes.get_errno()
        raise OSError(err, f"{what}: {os.strerror(err)}")
    return result


def child(index: int, shmid: int, semid: int, pshm_path: str, args: argparse.Namespace) -> None:
    """What each spawned process does: attach, map, block, or just sleep (as /bin/sleep or Python)."""
    busy = False
    keep = []
    if index % 5 == 0:
        libc.shmat(shmid, None, 0)
        busy = True
    if index % 10 == 3:
        fd = os.open(pshm_path, os.O_RDWR)
        keep.append(mmap.mmap(fd, 4096))  # unreferenced, it would be unmapped at once
        os.close(fd)
        busy = True
    if index < args.blocked:
        ops = (SemBuf * 2)(SemBuf(0, -1, 0x1000), SemBuf(1, -1, 0))
        libc.semop(semid, ops, 2)
    elif index < args.blocked + args.threaded:
        for _ in range(3):
            threading.Thread(target=time.sleep, args=(3600,), daemon=True).start()
    elif not busy and not args.heavy:
        os.execv("/bin/sleep", ["sleep", "3600"])  # a light process: ~40 maps lines, not ~130
    while True:
        signal.pause()


def spawn(shmid: int, semid: int, pshm_path: str, args: argparse.Namespace) -> list[int]:
    pids = []
    for index in range(args.processes):
        pid = os.fork()
        if pid == 0:
            try:
                child(index, shmid, semid, pshm_path, args)
            finally:
                os._exit(0)
        pids.append(pid)
    return pids


def time_scans(snapshot: Snapshot, runs: int) -> dict:
    scanner = ProcessScanner()
    # the IPC kinds only, as before channels joined the scan: bench_channels times those
    scan = scanner.scan(snapshot, KINDS)  # warm-up: user names, denial cache
    times, cpu = [], []
    for _ in range(runs):
        start, start_cpu = time.perf_counter(), time.thread_time()
        scan = scanner.scan(snapshot, KINDS)
        times.append(time.perf_counter() - start)
        cpu.append(time.thread_time() - start_cpu)  # user + kernel time: other load does not count
    tasks = 0
    for pid in scan.processes:
        try:
            tasks += len(os.listdir(f"/proc/{pid}/task"))
        except OSError:
            pass
    return {
        "median_ms": statistics.median(times) * 1e3,
        "min_ms": min(times) * 1e3,
        "max_ms": max(times) * 1e3,
        "cpu_ms": statistics.median(cpu) * 1e3,
        "processes": scan.scanned,
        "tasks": tasks,
        "denied": scan.denied,
        "holders": sum(len(v) for v in scan.holders.values()),
        "waiters": sum(len(v) for v in scan.waiters.values()),
    }


def as_nobody(snapshot: Snapshot, runs: int) -> dict:
    read_end, write_end = os.pipe()
    pid = os.fork()
    if pid == 0:
        try:
            os.close(read_end)
            os.setgroups([])
            os.setgid(NOBODY)
            os.setuid(NOBODY)
            os.write(write_end, json.dumps(time_scans(snapshot, runs)).encode())
        finally:
            os._exit(0)
    os.close(write_end)
    with os.fdopen(read_end) as pipe:
        result = json.loads(pipe.read() or "{}")
    os.waitpid(pid, 0)
    return result


def wait_until_blocked(semid: int, expected: int, timeout: float = 30.0) -> None:
    deadline = time.monotonic() + timeout
    while libc.semctl(semid, 1, 14) + libc.semctl(semid, 0, 14) < expected:  # GETNCNT
        if time.monotonic() > deadline:
            raise TimeoutError("the semop children never blocked")
        time.sleep(0.01)


def _read_lines(path: str) -> int:
    try:
        fd = os.open(path, os.O_RDONLY)
    except OSError:
        return 0
    lines = 0
    try:
        while chunk := os.read(fd, 65536):
            lines += chunk.count(b"\n")
    except OSError:
        pass
    finally:
        os.close(fd)
    return lines


def calibrate(runs: int) -> float:
    """How fast this machine serves /proc now, against a reference measurement (228 processes,
    7,237 maps lines: 0.62 us per maps line, 5.6 us per process for task/*/syscall), so figures
    compare across machines and loads. Returns how many times slower than the reference it is."""
    pids = [name for name in os.listdir("/proc") if name.isdigit()]
    maps, syscalls = [], []
    lines = 0
    for _ in range(runs):
        start = time.perf_counter()
        lines = sum(_read_lines(f"/proc/{pid}/maps") for pid in pids)
        maps.append(time.perf_counter() - start)
        start = time.perf_counter()
        for pid in pids:
            try:
                for tid in os.listdir(f"/proc/{pid}/task"):
                    _read_lines(f"/proc/{pid}/task/{tid}/syscall")
            except OSError:
                pass
        syscalls.append(time.perf_counter() - start)
    per_line = statistics.median(maps) / max(lines, 1) * 1e6
    per_process = statistics.median(syscalls) / len(pids) * 1e6
    factor = (per_line / 0.62 + per_process / 5.6) / 2
    print(f"calibration: maps text {per_line:.2f} us/line (reference: 0.62), task syscall "
          f"{per_process:.1f} us/process (reference: 5.6): this machine is now about "
          f"{factor:.1f}x slower than the reference")
    return factor


def report(label: str, result: dict) -> None:
    per = result["cpu_ms"] * 1e3 / max(result["processes"], 1)
    print(f"{label:<28} wall median {result['median_ms']:5.1f} ms (min {result['min_ms']:.1f})  "
          f"cpu median {result['cpu_ms']:5.1f} ms  {result['processes']} processes / {result['tasks']} tasks "
          f"-> {per:4.0f} us cpu/process  denied {result['denied']}  holders {result['holders']}  "
          f"waiters {result['waiters']}")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--processes", type=int, default=300)
    parser.add_argument("--runs", type=int, default=30)
    parser.add_argument("--blocked", type=int, default=5, help="children blocked in semop")
    parser.add_argument("--threaded", type=int, default=10, help="children with 3 extra threads")
    parser.add_argument("--heavy", action="store_true",
                        help="idle children stay forked Python processes (~130 maps lines) instead of "
                             "exec'ing /bin/sleep (~40)")
    args = parser.parse_args()
    if os.geteuid() != 0:
        print("bench_scan: run as root (it needs a private IPC namespace and a uid-65534 pass)", file=sys.stderr)
        return 2
    check(libc.unshare(CLONE_NEWIPC), "unshare(CLONE_NEWIPC)")

    factor = calibrate(args.runs // 3 or 1)
    empty = Snapshot(taken_at=time.time(), mqueue_source="detached")
    report("machine as it is, root", time_scans(empty, args.runs))

    shmid = check(libc.shmget(0, 1 << 20, IPC_CREAT | 0o666), "shmget")
    semid = check(libc.semget(0, 2, IPC_CREAT | 0o666), "semget")
    pshm_name = f"/ipcscope_bench_{os.getpid()}"
    pshm_path = f"/dev/shm{pshm_name}"
    pids: list[int] = []
    try:
        fd = os.open(pshm_path, os.O_CREAT | os.O_EXCL | os.O_RDWR, 0o666)
        os.ftruncate(fd, 4096)
        os.close(fd)
        st = os.stat(pshm_path)
        pids = spawn(shmid, semid, pshm_path, args)
        wait_until_blocked(semid, args.blocked)
        snapshot = Snapshot(
            taken_at=time.time(),
            mqueue_source="detached",
            shm=(ShmSegment(key=0, id=shmid, mode=0o666, uid=0, gid=0, cuid=0, cgid=0, size=1 << 20,
                            nattch=len(range(0, args.processes, 5))),),
            sem=(SemSet(key=0, id=semid, mode=0o666, uid=0, gid=0, cuid=0, cgid=0, nsems=2,
                        semaphores=(Semaphore(0, 0, 0, 0, 0), Semaphore(1, 0, 0, 0, 0))),),
            pshm=(PosixShm(name=pshm_name, mode=0o666, uid=0, gid=0, dev=st.st_dev, inode=st.st_ino),),
        )
        kind = "forked Python" if args.heavy else "mostly /bin/sleep, Python where attached/blocked"
        print(f"spawned {len(pids)} processes ({kind}): every 5th attached to shm {shmid}, every 10th "
              f"mapping {pshm_name}, {args.blocked} blocked in semop, {args.threaded} with 3 extra threads")
        root = time_scans(snapshot, args.runs)
        report(f"+{len(pids)} processes, root", root)
        # The scan is mostly /proc reads (bench's "floor": 85% of it here), so scale by the calibration.
        per_300 = root["median_ms"] / factor * 300 / max(root["processes"], 1)
        print(f"{'':<28} calibrated to the reference machine: {root['median_ms'] / factor:.1f} ms, "
              f"{per_300:.1f} ms per 300 processes (goal: under 20)")
        report(f"+{len(pids)} processes, uid 65534", as_nobody(snapshot, args.runs))
    finally:
        for pid in pids:
            os.kill(pid, signal.SIGKILL)
        for pid in pids:
            os.waitpid(pid, 0)
        libc.shmctl(shmid, IPC_RMID, None)
        libc.semctl(semid, 0, IPC_RMID)
        if os.path.exists(pshm_path):
            os.unlink(pshm_path)
    return 0


if __name__ == "__main__":
    sys.exit(main())
