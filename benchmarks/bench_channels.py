"""Cost of one process scan with channels: ~400 processes, 10,000 descriptors, 2,000 sockets.

Run from the repository root (as root, so that every process is inspected):

    .venv/bin/python benchmarks/bench_channels.py [--pairs 200] [--runs 21]

It forks `--pairs` pairs of children. In each pair one child holds the write ends of `--pipes`
pipes (a few bytes queued in each) and the other their read ends, blocked reading the first;
each holds one end of `--socketpairs` socketpairs; both have /dev/null as stdin, stdout and
stderr. With the defaults: 400 processes, 6,800 pipe ends, 2,000 sockets, 1,200 /dev/null: 10,000
descriptors. It then times ProcessScanner.scan with channels and without (the same pass without
reading any descriptor), interleaved, and prints the medians and the split: the descriptor walk
(readlink, plus lstat per pipe end), FIONREAD (pidfd_getfd duplicates), sock_diag (the five dumps)
and building the model. The split is in CPU time of the scanning thread (wall time on a shared
machine measures the other programs too). The target is 50 ms for the whole scan.
"""

from __future__ import annotations

import argparse
import os
import signal
import socket
import statistics
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

from ipcscope.model import KINDS, Snapshot
from ipcscope.probe.processes import ProcessScanner


def child(keep: list[int], block_on: int | None) -> None:
    """Keep only `keep` (and /dev/null as 0, 1, 2); block reading `block_on`, or pause."""
    null = os.open("/dev/null", os.O_RDWR)
    for target in (0, 1, 2):
        os.dup2(null, target)
    keep_set = set(keep) | {0, 1, 2}
    for name in os.listdir("/proc/self/fd"):
        fd = int(name)
        if fd not in keep_set:
            try:
                os.close(fd)
            except OSError:
                pass
    if block_on is not None:
        os.read(block_on, 1 << 20)  # the pipe is empty: blocks until killed
    while True:
        signal.pause()


def spawn_pair(pipes: int, socketpairs: int, eventfds: int = 0) -> list[int]:
    made = [os.pipe() for _ in range(pipes)]
    for _, write_end in made[1:]:
        os.write(write_end, b"x" * 100)  # the first stays empty: its reader blocks on it
    pairs = [socket.socketpair() for _ in range(socketpairs)]
    others = [os.eventfd(0) for _ in range(2 * eventfds)]  # descriptors that are not channels
    writer_keep = [w for _, w in made] + [a.fileno() for a, _ in pairs] + others[:eventfds]
    reader_keep = [r for r, _ in made] + [b.fileno() for _, b in pairs] + others[eventfds:]
    pids = []
    for keep, block_on in ((writer_keep, None), (reader_keep, made[0][0])):
        pid = os.fork()
        if pid == 0:
            try:
                child(keep, block_on)
            finally:
                os._exit(0)
        pids.append(pid)
    for read_end, write_end in made:
        os.close(read_end)
        os.close(write_end)
    for a, b in pairs:
        a.close()
        b.close()
    for fd in others:
        os.close(fd)
    return pids


def count_descriptors(pids: list[int] | None = None) -> int:
    """Descriptors of `pids`, or of every process this user may inspect."""
    if pids is None:
        pids = [int(name) for name in os.listdir("/proc") if name.isdigit()]
    total = 0
    for pid in pids:
        try:
            total += len(os.listdir(f"/proc/{pid}/fd"))
        except OSError:
            pass
    return total


def kernel_floor(runs: int) -> tuple[float, float]:
    """CPU ms of the bare syscalls the descriptor walk needs, in the tightest Python loop: list
    every /proc/PID/fd, readlink each link, lstat each pipe end. No implementation that reads
    each descriptor's link can do better; (median, min) over `runs`."""
    pids = [name for name in os.listdir("/proc") if name.isdigit()]
    times = []
    for _ in range(runs):
        started = time.thread_time()
        for pid in pids:
            try:
                fd_dir = os.open(f"/proc/{pid}/fd", os.O_RDONLY | os.O_DIRECTORY)
            except OSError:
                continue
            try:
                for name in os.listdir(fd_dir):
                    try:
                        if os.readlink(name, dir_fd=fd_dir).startswith("pipe:"):
                            os.lstat(name, dir_fd=fd_dir)
                    except OSError:
                        pass
            finally:
                os.close(fd_dir)
        times.append(time.thread_time() - started)
    return statistics.median(times) * 1e3, min(times) * 1e3


def wait_until_blocked(scanner: ProcessScanner, snapshot: Snapshot, readers: int, timeout: float = 60.0) -> None:
    deadline = time.monotonic() + timeout
    while True:
        scan = scanner.scan(snapshot)
        assert scan.channels is not None
        blocked = sum(len(p.blocked) for p in scan.channels.pipes)
        if blocked >= readers:
            return
        if time.monotonic() > deadline:
            raise TimeoutError(f"only {blocked} of {readers} readers blocked")
        time.sleep(0.1)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--pairs", type=int, default=200)
    parser.add_argument("--pipes", type=int, default=17, help="pipes per pair of children")
    parser.add_argument("--socketpairs", type=int, default=5, help="socketpairs per pair of children")
    parser.add_argument("--eventfds", type=int, default=0,
                        help="eventfds per child: descriptors that are not channels (a mixed machine: "
                             "--pipes 6 --eventfds 11 keeps 10,000 descriptors with 2,400 pipe ends)")
    parser.add_argument("--runs", type=int, default=21)
    args = parser.parse_args()
    if os.geteuid() != 0:
        print("bench_channels: run as root, so that every process's descriptors are read", file=sys.stderr)
        return 2

    pids: list[int] = []
    try:
        for _ in range(args.pairs):
            pids += spawn_pair(args.pipes, args.socketpairs, args.eventfds)
        snapshot = Snapshot(taken_at=time.time(), mqueue_source="detached")  # no POSIX fd matching
        scanner = ProcessScanner()
        wait_until_blocked(scanner, snapshot, args.pairs)
        spawned_fds = count_descriptors(pids)
        fds = count_descriptors()
        print(f"spawned {len(pids)} processes holding {spawned_fds} descriptors: {args.pairs * args.pipes} pipes, "
              f"{args.pairs * args.eventfds * 2} eventfds, "
              f"{args.pairs * args.socketpairs * 2} sockets; {args.pairs} readers blocked; {fds} descriptors "
              "on the machine in all")

        totals, bases, cpu_totals, cpu_bases = [], [], [], []
        phases: dict[str, list[float]] = {}
        for _ in range(args.runs):
            started, started_cpu = time.perf_counter(), time.thread_time()
            scan = scanner.scan(snapshot)
            totals.append(time.perf_counter() - started)
            cpu_totals.append(time.thread_time() - started_cpu)
            for phase, seconds in scanner.channel_timings.items():
                phases.setdefault(phase, []).append(seconds)
            started, started_cpu = time.perf_counter(), time.thread_time()
            scanner.scan(snapshot, KINDS)
            bases.append(time.perf_counter() - started)
            cpu_bases.append(time.thread_time() - started_cpu)
        assert scan.channels is not None
        channels = scan.channels
        state = scanner._channel_state
        replayed = state.last_replayed if state is not None else 0
        cold, cold_cpu = [], []
        for _ in range(max(args.runs // 4, 3)):
            fresh = ProcessScanner()  # what a one-shot `ipcscope list` pays: nothing known yet
            started, started_cpu = time.perf_counter(), time.thread_time()
            fresh.scan(snapshot)
            cold.append(time.perf_counter() - started)
            cold_cpu.append(time.thread_time() - started_cpu)
        total = statistics.median(totals) * 1e3
        base = statistics.median(bases) * 1e3
        cpu_total = statistics.median(cpu_totals) * 1e3
        cpu_base = statistics.median(cpu_bases) * 1e3
        split = {phase: statistics.median(values) * 1e3 for phase, values in phases.items()}
        walk = cpu_total - cpu_base - sum(split.values())
        print(f"scanned {scan.scanned} processes: {len(channels.pipes)} pipes, {len(channels.unix)} UNIX sockets, "
              f"{len(channels.inet)} local inet sockets, {len(channels.fifos)} FIFOs")
        print(f"scan with channels   median wall {total:6.1f} ms (min {min(totals) * 1e3:.1f}), "
              f"cpu {cpu_total:6.1f} ms (min {min(cpu_totals) * 1e3:.1f}); target 50; {replayed} idle "
              "processes' descriptors replayed, not read")
        print(f"  first scan         median wall {statistics.median(cold) * 1e3:6.1f} ms, "
              f"cpu {statistics.median(cold_cpu) * 1e3:6.1f} ms (a fresh scanner: every descriptor read)")
        print(f"scan without them    median wall {base:6.1f} ms, cpu {cpu_base:6.1f} ms "
              "(status and task syscalls: the same pass, no descriptors)")
        floor, floor_min = kernel_floor(max(args.runs // 3, 3))
        print(f"kernel floor         cpu {floor:6.1f} ms (min {floor_min:.1f}): listdir + readlink per descriptor "
              "+ lstat per pipe end, nothing else")
        print("the channels' share, cpu medians:")
        print(f"  descriptor walk    {walk:6.1f} ms  ({walk * 1e3 / max(fds, 1):.2f} us per descriptor: readlink, "
              "lstat per pipe end)")
        for phase, what in (("fionread", "pidfd_getfd duplicates, FIONREAD, F_GETPIPE_SZ"),
                            ("sock_diag", "the unix and four inet dumps, parsed"),
                            ("assemble", "the model's objects"), ("fifo_walk", "cached walk")):
            if phase in split:
                print(f"  {phase:<18} {split[phase]:6.1f} ms  ({what})")
    finally:
        for pid in pids:
            os.kill(pid, signal.SIGKILL)
        for pid in pids:
            os.waitpid(pid, 0)
    return 0


if __name__ == "__main__":
    sys.exit(main())
