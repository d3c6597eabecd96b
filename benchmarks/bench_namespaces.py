"""Time a poll of every namespace (20 containers of 50 objects) against one of 1,000 objects.

    sudo python benchmarks/bench_namespaces.py [--namespaces 20] [--per 50] [--one 1000] [--repeat 30]

Root only (it makes IPC namespaces). The script re-executes itself under `unshare --ipc`, so its
own namespace is private and empty of other programs' objects. It then starts --namespaces member
processes, each alone in a fresh IPC namespace holding --per System V objects (a third each of
shared memory segments, message queues and semaphore sets of one semaphore), and times, each the
median of --repeat polls after one warm-up:
- "one": the app's poll of ipcscope's own namespace holding --one objects (take_snapshot, what
  every refresh does by default);
- "one inside": the same 1,000 objects in one member namespace, read through its reader thread;
- "all": NamespaceProbe.snapshot over the members and the own namespace: discovery (a readlink
  of /proc/PID/ns/ipc per process on the machine), one reader thread per namespace, /dev/shm once;
- "all, machine": the same with every namespace of the machine (others' test runs included).
The goal: "all" at most 3 times "one". Everything dies with its namespace when the members end.
"""

from __future__ import annotations

import argparse
import ctypes
import os
import shutil
import statistics
import subprocess
import sys
import textwrap
import time
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

MARKER = "IPCSCOPE_BENCH_NS_PRIVATE"
KEY_BASE = 0x1D000000
IPC_CREAT = 0o1000

# A member: a fresh IPC namespace with COUNT objects, alive until its stdin closes.
MEMBER = textwrap.dedent("""
    import ctypes, os, sys
    libc = ctypes.CDLL(None, use_errno=True)
    assert libc.unshare(0x08000000) == 0, os.strerror(ctypes.get_errno())
    count, key = int(sys.argv[1]), int(sys.argv[2])
    for n in range(count):
        kind = n % 3
        made = (libc.shmget(key + n, 4096, 0o1600) if kind == 0 else
                libc.msgget(key + n, 0o1600) if kind == 1 else libc.semget(key + n, 1, 0o1600))
        assert made >= 0, os.strerror(ctypes.get_errno())
    print(os.readlink("/proc/self/ns/ipc"), flush=True)
    sys.stdin.read()
""")


def median_ms(fn: Callable[[], object], repeat: int) -> float:
    fn()  # warm-up: readers started, names cached, files in the page cache
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        fn()
        times.append((time.perf_counter() - start) * 1000)
    return statistics.median(times)


def start_member(count: int, key: int) -> tuple[subprocess.Popen, int]:
    process = subprocess.Popen([sys.executable, "-c", MEMBER, str(count), str(key)],
                               stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
    assert process.stdout is not None
    line = process.stdout.readline().strip()
    if not line:
        raise SystemExit("a member could not make its namespace (root needed)")
    return process, int(line[5:-1])


def own_objects(count: int) -> list[tuple[str, int]]:
    libc = ctypes.CDLL(None, use_errno=True)
    made = []
    for n in range(count):
        kind = ("shm", "msg", "sem")[n % 3]
        ident = (libc.shmget(KEY_BASE + n, 4096, IPC_CREAT | 0o600) if kind == "shm" else
                 libc.msgget(KEY_BASE + n, IPC_CREAT | 0o600) if kind == "msg" else
                 libc.semget(KEY_BASE + n, 1, IPC_CREAT | 0o600))
        if ident < 0:
            raise OSError(ctypes.get_errno(), f"{kind}get")
        made.append((kind, ident))
    return made


def remove_own(made: list[tuple[str, int]]) -> None:
    libc = ctypes.CDLL(None, use_errno=True)
    for kind, ident in made:
        if kind == "shm":
            libc.shmctl(ident, 0, None)
        elif kind == "msg":
            libc.msgctl(ident, 0, None)
        else:
            libc.semctl(ident, 0, 0)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--namespaces", type=int, default=20)
    parser.add_argument("--per", type=int, default=50, help="objects per namespace (default 50)")
    parser.add_argument("--one", type=int, default=1000, help="objects of the single namespace (1000)")
    parser.add_argument("--repeat", type=int, default=30)
    args = parser.parse_args()
    if os.geteuid() != 0 or shutil.which("unshare") is None:
        print("needs root (and unshare): it makes IPC namespaces", file=sys.stderr)
        return 2
    if os.environ.get(MARKER) != "1":
        return subprocess.call(["unshare", "--ipc", sys.executable, *sys.argv],
                               env=dict(os.environ, **{MARKER: "1"}))

    from ipcscope.probe import take_snapshot
    from ipcscope.probe.names import NameCache
    from ipcscope.probe.ns_snapshot import NamespaceProbe

    print(f"python {sys.version.split()[0]}, {os.cpu_count()} CPUs, {len(os.listdir('/proc'))} /proc "
          f"entries, repeat {args.repeat}")
    names = NameCache()
    made = own_objects(args.one)
    try:
        one = median_ms(lambda: take_snapshot(names=names), args.repeat)
    finally:
        remove_own(made)

    members = []
    try:
        big, big_inode = start_member(args.one, KEY_BASE)
        members.append(big)
        probe = NamespaceProbe(names=names)
        try:
            inside = median_ms(lambda: probe.snapshot([big_inode]), args.repeat)
        finally:
            probe.close()
        big.stdin.close()  # type: ignore[union-attr]
        big.wait()
        members.clear()

        inodes = []
        for n in range(args.namespaces):
            process, inode = start_member(args.per, KEY_BASE + n * args.per)
            members.append(process)
            inodes.append(inode)
        own = os.stat("/proc/self/ns/ipc").st_ino
        probe = NamespaceProbe(names=names)
        try:
            snapshot = probe.snapshot([own, *inodes])
            listed = sum(1 for obj in snapshot.all_objects() if obj.ns in set(inodes))
            assert listed == args.namespaces * args.per, listed
            every = median_ms(lambda: probe.snapshot([own, *inodes]), args.repeat)
            machine = median_ms(lambda: probe.snapshot(None), args.repeat)
            found = len(probe.discover().namespaces)
        finally:
            probe.close()
    finally:
        for process in members:
            if process.stdin and not process.stdin.closed:
                process.stdin.close()
            process.wait()

    print(f"one namespace, {args.one} objects (take_snapshot):       {one:7.1f} ms")
    print(f"one other namespace, {args.one} objects (reader thread): {inside:7.1f} ms")
    print(f"all: {args.namespaces} namespaces x {args.per} objects + own:      {every:7.1f} ms"
          f"   = {every / one:.2f} x one (goal <= 3)")
    print(f"all, every namespace of the machine ({found}):        {machine:7.1f} ms")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
