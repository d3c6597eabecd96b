"""Time a Snapshot and `ipcscope list --json` against lsipc and ipcs at 100 and 7,000 objects.

    sudo .venv/bin/python benchmarks/bench_list.py [--sizes 100,7000] [--repeat 7] [--nsems 1]

N objects means N System V objects in total: a third each of shared memory segments (4 KiB),
message queues and semaphore sets (`--nsems` semaphores each). As root the script re-executes
itself under `unshare --ipc`, so it works in a private IPC namespace: other programs' objects do
not count, the raised msgmni/shmmni/semmni limits are per namespace, and everything disappears
with the namespace even if the script is killed. It removes what it created anyway (also on
Ctrl-C or SIGTERM, which matters when it runs unprivileged in the shared namespace).

Compared, each the median of --repeat runs:
- take_snapshot() in this process (no interpreter start-up), and a poll through a warm
  probe.incremental.SysvCache (what the live app pays per refresh for the SysV kinds);
- `python -m ipcscope list --json` (everything) and `--type shm,msg,sem` (the SysV kinds), both
  with the process scan `list` runs by default, and the SysV kinds with `--no-processes` (the
  listing alone, what lsipc does);
- `lsipc --json -m`, `-q`, `-s` (lsipc cannot list them together): the sum of the three;
- `ipcs -a`;
and, once, `python -c pass`: the interpreter's own start-up, which no Python tool can go below.
Issue 11's targets: `list --json` (everything, "all/lsipc") at 7,000 objects at most 2.0x the
three lsipc runs together, and at 100 objects at most 40 ms above `python -c pass` ("all-pass").
"sysv/lsipc" and "listing/lsipc" are the SysV kinds with and without the process scan.
"""

from __future__ import annotations

import argparse
import compileall
import os
import shutil
import signal
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

MARKER = "IPCSCOPE_BENCH_PRIVATE_NS"
KEY_BASE = 0x1E000000


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="100,7000",
                        help="total object counts (default 100,7000, issue 11's; 0 shows the fixed cost)")
    parser.add_argument("--repeat", type=int, default=7, help="runs per measurement (default 7)")
    parser.add_argument("--nsems", type=int, default=1, help="semaphores per set (default 1)")
    args = parser.parse_args()
    sizes = [int(size) for size in args.sizes.split(",")]

    if os.environ.get(MARKER) != "1":
        if os.geteuid() == 0 and shutil.which("unshare"):
            env = dict(os.environ, **{MARKER: "1"})
            return subprocess.call(["unshare", "--ipc", sys.executable, *sys.argv], env=env)
        print("not root: running in the shared IPC namespace (other objects will be counted)",
              file=sys.stderr)
    else:
        raise_limits(max(sizes))

    signal.signal(signal.SIGTERM, _interrupt)  # so that `finally` removes the objects
    compileall.compile_dir(str(ROOT / "ipcscope"), quiet=1)  # as an installed package would be
    print(f"python {sys.version.split()[0]}, {os.cpu_count()} CPUs, repeat {args.repeat}, "
          f"nsems {args.nsems}, in {'a private' if os.environ.get(MARKER) else 'the shared'} "
          f"IPC namespace")
    baseline = median_ms(lambda: run([sys.executable, "-c", "pass"]), args.repeat)
    print(f"interpreter start-up alone (python -c pass): {baseline:.1f} ms")
    header = (f"{'objects':>8} {'snapshot':>9} {'poll':>7} {'list all':>9} {'list sysv':>10} "
              f"{'no scan':>8} {'lsipc m+q+s':>12} {'ipcs -a':>8} {'all/lsipc':>10} {'all-pass':>9} "
              f"{'sysv/lsipc':>11} {'listing/lsipc':>14}")
    print(header)
    for size in sizes:
        created = create_objects(size, args.nsems)
        try:
            row = measure(args.repeat)
        finally:
            remove_objects(created)
        ratio = row["list_sysv"] / row["lsipc"]
        listing_ratio = row["list_sysv_noscan"] / row["lsipc"]
        all_ratio = row["list_all"] / row["lsipc"]
        print(f"{size:>8} {row['snapshot']:>7.1f}ms {row['poll']:>5.1f}ms {row['list_all']:>7.1f}ms "
              f"{row['list_sysv']:>8.1f}ms {row['list_sysv_noscan']:>6.1f}ms "
              f"{row['lsipc']:>10.1f}ms {row['ipcs']:>6.1f}ms {all_ratio:>9.2f}x "
              f"{row['list_all'] - baseline:>7.1f}ms "
              f"{ratio:>10.2f}x {listing_ratio:>13.2f}x   (lsipc -m {row['lsipc_m']:.1f}, "
              f"-q {row['lsipc_q']:.1f}, -s {row['lsipc_s']:.1f} ms)")
    return 0


def _interrupt(signum: int, frame: object) -> None:
    raise KeyboardInterrupt


def raise_limits(size: int) -> None:
    """Per-namespace limits high enough for `size` objects (a third of each kind)."""
    need = size // 3 + 16
    for name in ("msgmni", "shmmni"):
        path = Path("/proc/sys/kernel") / name
        if int(path.read_text()) < need:
            path.write_text(str(min(need, 32768)))
    sem = Path("/proc/sys/kernel/sem")
    semmsl, semmns, semopm, semmni = (int(v) for v in sem.read_text().split())
    if semmni < need:
        sem.write_text(f"{semmsl} {max(semmns, need * 250)} {semopm} {min(need, 32768)}")


def create_objects(size: int, nsems: int) -> dict[str, list[int]]:
    from ipcscope.core import msg, sem, shm

    per_kind = size // 3
    created: dict[str, list[int]] = {"shm": [], "msg": [], "sem": []}
    try:
        for i in range(per_kind):
            created["shm"].append(shm.create(KEY_BASE + i, 4096, mode=0o600))
            created["msg"].append(msg.create(KEY_BASE + i, mode=0o600))
            created["sem"].append(sem.create(KEY_BASE + i, nsems, mode=0o600))
    except BaseException:
        remove_objects(created)
        raise
    return created


def remove_objects(created: dict[str, list[int]]) -> None:
    from ipcscope.core import msg, sem, shm
    from ipcscope.core.errors import IpcError

    for kind, remove in (("shm", shm.remove), ("msg", msg.remove), ("sem", sem.remove)):
        for ident in created[kind]:
            try:
                remove(ident)
            except IpcError:
                pass


def run(argv: list[str]) -> None:
    subprocess.run(argv, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, check=True)


def median_ms(fn, repeat: int) -> float:
    return interleaved({"x": fn}, repeat)["x"]


def interleaved(contenders: dict, repeat: int) -> dict[str, float]:
    """Median ms of each contender, run in rounds (one of each per round) so that load from
    other programs falls on all of them alike; one warm-up round first (page cache, pyc, NSS)."""
    times: dict[str, list[float]] = {name: [] for name in contenders}
    for round_number in range(repeat + 1):
        for name, fn in contenders.items():
            start = time.perf_counter()
            fn()
            if round_number:
                times[name].append(time.perf_counter() - start)
    return {name: statistics.median(values) * 1000 for name, values in times.items()}


def measure(repeat: int) -> dict[str, float]:
    from ipcscope.probe import take_snapshot
    from ipcscope.probe.incremental import SysvCache

    cache = SysvCache()
    take_snapshot(sysv_cache=cache)  # warm: what a live view's second and later polls cost
    ipcscope = [sys.executable, "-m", "ipcscope", "list", "--json"]
    row = interleaved({
        "snapshot": take_snapshot,
        "poll": lambda: take_snapshot(sysv_cache=cache),
        "list_all": lambda: run(ipcscope),
        "list_sysv": lambda: run([*ipcscope, "--type", "shm,msg,sem"]),
        "list_sysv_noscan": lambda: run([*ipcscope, "--type", "shm,msg,sem", "--no-processes"]),
        "lsipc_m": lambda: run(["lsipc", "--json", "-m"]),
        "lsipc_q": lambda: run(["lsipc", "--json", "-q"]),
        "lsipc_s": lambda: run(["lsipc", "--json", "-s"]),
        "ipcs": lambda: run(["ipcs", "-a"]),
    }, repeat)
    row["lsipc"] = row["lsipc_m"] + row["lsipc_q"] + row["lsipc_s"]
    return row


if __name__ == "__main__":
    os.chdir(ROOT)  # `python -m ipcscope` must import this tree
    raise SystemExit(main())
