"""Time the rules that compare the kernel's counts with the scan's names, at 10,000 objects.

    python benchmarks/bench_hidden_counts.py

Hand-built objects (no kernel, no root): 3,333 sets of 2 semaphores (half with a waiter the scan did
not name), 3,334 segments (two thirds attached), 3,333 queues. Prints the medians of 21 runs of
`waiters_hidden` and `nattch_hidden` over every object, and of the whole `list --json` document.
"""

from __future__ import annotations

import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))  # this checkout's ipcscope

from ipcscope import visibility
from ipcscope.cli.json_output import dumps, list_document
from ipcscope.model import MsgQueue, ProcessScan, Semaphore, SemSet, ShmSegment, Snapshot

IDS = dict(mode=0o666, uid=0, gid=0, cuid=0, cgid=0)


def median_ms(fn: Callable[[], object], runs: int = 21) -> float:
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return statistics.median(times) * 1000


def main() -> None:
    shm = tuple(ShmSegment(key=i, id=i, size=4096, nattch=i % 3, **IDS) for i in range(3334))
    msg = tuple(MsgQueue(key=i, id=i, **IDS) for i in range(3333))
    sem = tuple(SemSet(key=i, id=i, nsems=2, **IDS,
                       semaphores=(Semaphore(0, 1, 0, 0, 5), Semaphore(1, 0, i % 2, 0, 5)))
                for i in range(3333))
    scan = ProcessScan(taken_at=0)
    snapshot = Snapshot(taken_at=0, shm=shm, msg=msg, sem=sem, processes=scan)
    waiters = median_ms(lambda: [visibility.hidden_waiters(s, scan, f"sem:{s.id}") for s in sem])
    attached = median_ms(lambda: [visibility.hidden_attachments(s, scan, f"shm:{s.id}") for s in shm])
    document = median_ms(lambda: dumps(list_document(snapshot)))
    print(f"waiters_hidden, 3,333 sets:     {waiters:6.1f} ms")
    print(f"nattch_hidden, 3,334 segments:  {attached:6.1f} ms")
    print(f"list --json document, 10,000:   {document:6.1f} ms")


if __name__ == "__main__":
    main()
