"""Cost of one `ipcscope export` collection: snapshot, process scan, diagnosis and exposition.

Run as root from the repository root:

    python benchmarks/bench_export.py [--objects 0,1000,10000] [--runs 15]

It moves itself into a private IPC namespace, creates N SysV objects (a third of each kind, three
messages in every queue), and times the registry's exposition as a scrape makes it, aggregates only
with --per-object at the default cap (1,000 series) and with the cap raised so nothing is dropped,
printing medians and the exposition's size. Everything it created vanishes with the namespace.
"""

from __future__ import annotations

import argparse
import ctypes
import ctypes.util
import os
import statistics
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

from ipcscope.core import msg, sem, shm
from ipcscope.export.collector import IpcCollector, build_registry
from ipcscope.export.output import exposition
from ipcscope.export.reading import Reader

CLONE_NEWIPC = 0x08000000


def private_namespace() -> None:
    libc = ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6", use_errno=True)
    if libc.unshare(CLONE_NEWIPC) != 0:
        sys.exit(f"unshare(CLONE_NEWIPC): {os.strerror(ctypes.get_errno())} (run as root)")


def create(total: int) -> None:
    for index in range(total):
        key = 0x1E000000 + index
        if index % 3 == 0:
            shm.create(key, 4096)
        elif index % 3 == 1:
            queue = msg.create(key)
            for text in (b"a", b"bb", b"ccc"):
                msg.send(queue, 1, text)
        else:
            sem.create(key, 2)


def median_ms(per_object: bool, runs: int, max_series: int = 10**9) -> tuple[float, int]:
    registry = build_registry(IpcCollector(Reader().read, per_object=per_object, max_series=max_series))
    exposition(registry)  # warm the scanner and the name cache, as a running exporter is
    times, size = [], 0
    for _ in range(runs):
        started = time.perf_counter()
        size = len(exposition(registry))
        times.append((time.perf_counter() - started) * 1000)
    return statistics.median(times), size


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--objects", default="0,1000,10000")
    parser.add_argument("--runs", type=int, default=15)
    args = parser.parse_args()
    private_namespace()
    made = 0
    print("| objects | aggregates | size | --per-object (cap 1,000) | size | --per-object, no cap | size |")
    print("|---:|---:|---:|---:|---:|---:|---:|")
    for total in (int(n) for n in args.objects.split(",")):
        create(total - made)
        made = total
        cells = [median_ms(False, args.runs), median_ms(True, args.runs, 1000), median_ms(True, args.runs)]
        print(f"| {total:,} | " + " | ".join(f"{ms:.0f} ms | {size / 1024:.0f} KiB" for ms, size in cells) + " |",
              flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
