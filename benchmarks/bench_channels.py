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
and building the model. The target is 50 ms for the whole scan.
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


def spawn_pair(pipes: int, socketpairs: int) -> list[int]:
    made = [os.pipe() for _ in range(pipes)]
    for read_end, write_end in made[1:]:
        os.write(write_end, b"x" * 100)  # the first stays empty: its reader blocks on it
    pairs = [socket.socketpair() for _ in range(socketpairs)]
    writer_keep = [w for _, w in made] + [a.fileno() for a, _ in pairs]
    reader_keep = [r for r, _ in made] + [b.fileno() for _, b in pairs]
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
    return pids


def count_descriptors(pids: list[int]) -> int:
    return sum(len(os.listdir(f"/proc/{pid}/fd")) for pid in pids)


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
    parser.add_argument("--runs", type=int, default=21)
    args = parser.parse_args()
    if os.geteuid() != 0:
        print("bench_channels: run as root, so that every process's descriptors are read", file=sys.stderr)
        return 2

    pids: list[int] = []
    try:
        for _ in range(args.pairs):
            pids += spawn_pair(args.pipes, args.socketpairs)
        snapshot = Snapshot(taken_at=time.time(), mqueue_source="detached")  # no POSIX fd matching
        scanner = ProcessScanner()
        wait_until_blocked(scanner, snapshot, args.pairs)
        fds = count_descriptors(pids)
        print(f"spawned {len(pids)} processes holding {fds} descriptors: {args.pairs * args.pipes} pipes, "
              f"{args.pairs * args.socketpairs * 2} sockets; {args.pairs} readers blocked")

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
        total = statistics.median(totals) * 1e3
        base = statistics.median(bases) * 1e3
        split = {phase: statistics.median(values) * 1e3 for phase, values in phases.items()}
        walk = total - base - sum(split.values())
        print(f"scanned {scan.scanned} processes: {len(channels.pipes)} pipes, {len(channels.unix)} UNIX sockets, "
              f"{len(channels.inet)} local inet sockets, {len(channels.fifos)} FIFOs")
        cpu_total = statistics.median(cpu_totals) * 1e3
        cpu_base = statistics.median(cpu_bases) * 1e3
        print(f"scan with channels   median {total:6.1f} ms (min {min(totals) * 1e3:.1f}, max {max(totals) * 1e3:.1f};"
              f" target 50), cpu {cpu_total:.1f} ms")
        print(f"scan without them    median {base:6.1f} ms (status, task syscalls: the same pass, no descriptors),"
              f" cpu {cpu_base:.1f} ms")
        print(f"  descriptor walk    {walk:6.1f} ms  ({walk * 1e3 / max(fds, 1):.2f} us per descriptor)")
        for phase in ("fionread", "sock_diag", "assemble", "fifo_walk"):
            if phase in split:
                print(f"  {phase:<18} {split[phase]:6.1f} ms")
    finally:
        for pid in pids:
            os.kill(pid, signal.SIGKILL)
        for pid in pids:
            os.waitpid(pid, 0)
    return 0


if __name__ == "__main__":
    sys.exit(main())
