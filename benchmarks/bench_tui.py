"""How much one refresh of the live view costs, and what the app burns while idle.

    python benchmarks/bench_tui.py [--objects 5000] [--rounds 20] [--idle-seconds 10] [--breakdown]

Runs the real app headless (App.run_test) on synthetic snapshots of N System V segments, all in
one table (the worst case for DataTable), and reports medians of:
- one refresh when nothing changed: source call + difference + table update (wall and CPU), and
  the CPU including the layout and paint that follow;
- the same when 10% of the objects changed values since the previous poll;
- churn: 1% of the objects replaced by new ones (adds + removes);
and the app's CPU time over ~10 s of wall time with the real 1 s poll timer running against a
StaticSource (`--breakdown`: also without the detail pane's re-render, and without the history).

The refresh cases hand the app *new but equal* objects, as the probe does, so the identity
shortcut never flatters them; the clock moves 1 s per refresh so highlights and lingering rows
expire as they would. Goals: < 50 ms per refresh at 5,000 objects, < 2% of a core idle.
Machines shared with other jobs give noisy numbers: compare the CPU columns, run it twice.
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import sys
import time
from collections.abc import Callable
from dataclasses import replace
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))  # this checkout's ipcscope

from ipcscope.demo import DEMO_NOW, demo_snapshot
from ipcscope.model import ShmSegment, Snapshot
from ipcscope.probe.procinfo import FixedProcessInfo
from ipcscope.ui.app import IpcScopeApp
from ipcscope.ui.data.sources import StaticSource

SIZE = (160, 50)


def segments(count: int, *, start: int = 0, generation: int = 0) -> tuple[ShmSegment, ...]:
    return tuple(
        ShmSegment(key=0x1C000000 + i, id=i, mode=0o600, uid=1000 + i % 7, gid=1000, cuid=1000,
                   cgid=1000, owner=f"user{i % 7}", group="users", cowner=f"user{i % 7}",
                   cgroup="users", size=4096 * (1 + i % 97), cpid=1000 + i, lpid=2000 + i,
                   nattch=i % 3, atime=DEMO_NOW - i, ctime=DEMO_NOW - 3600, rss=4096)
        for i in range(start, start + count)
    )


def copy(snapshot: Snapshot) -> Snapshot:
    """Equal objects, new instances: what the next probe call returns when nothing changed."""
    return replace(snapshot, shm=tuple(replace(s) for s in snapshot.shm))


def change_values(snapshot: Snapshot, fraction: float, round_: int) -> Snapshot:
    """`fraction` of the objects differ from `snapshot` (attach count, last pid, attach time)."""
    step = int(1 / fraction)
    shm = tuple(replace(s, nattch=s.nattch + 1, lpid=s.lpid + 1, atime=DEMO_NOW + round_)
                if (s.id + round_) % step == 0 else replace(s) for s in snapshot.shm)
    return replace(snapshot, shm=shm)


def churn(snapshot: Snapshot, fraction: float, round_: int) -> Snapshot:
    """`fraction` of the objects are gone, as many new ones appeared."""
    count = int(len(snapshot.shm) * fraction)
    kept = snapshot.shm[count:]
    fresh = segments(count, start=10 ** 6 + round_ * count)
    return replace(snapshot, shm=tuple(replace(s) for s in kept) + fresh)


class Source:
    """Returns whatever the benchmark put there last."""

    def __init__(self, snapshot: Snapshot) -> None:
        self.snapshot = snapshot

    def __call__(self) -> Snapshot:
        return self.snapshot


class Clock:
    """Moves one poll interval per refresh, so new-row highlights and removed rows expire."""

    def __init__(self) -> None:
        self.now = float(DEMO_NOW)

    def __call__(self) -> float:
        return self.now


async def time_refreshes(app: IpcScopeApp, pilot, source: Source,
                         next_snapshot: Callable[[Snapshot, int], Snapshot], rounds: int):
    """Median wall and CPU milliseconds of apply (source call + diff + table update), and the CPU
    of apply + the layout and paint that follow (measured in CPU time: the wall time of a frame
    includes Textual's frame timer). Each snapshot is made just before it is applied, so at most
    two are alive, as in the app."""
    wall, cpu, painted = [], [], []
    snapshot = source.snapshot
    for round_ in range(rounds):
        snapshot = next_snapshot(snapshot, round_)
        source.snapshot = snapshot
        app.clock.now += 1.0  # type: ignore[attr-defined]
        await pilot.pause()
        t0, c0 = time.perf_counter(), time.process_time()
        app.apply_snapshot(source())
        t1, c1 = time.perf_counter(), time.process_time()
        await pilot.pause()  # layout + paint of the visible rows
        c2 = time.process_time()
        wall.append((t1 - t0) * 1000)
        cpu.append((c1 - c0) * 1000)
        painted.append((c2 - c0) * 1000)
    return statistics.median(wall), statistics.median(cpu), statistics.median(painted)


async def refresh_benchmark(count: int, rounds: int) -> None:
    base = replace(demo_snapshot(processes=False), shm=segments(count), msg=(), sem=(), pmq=(),
                   pshm=(), psem=())
    source = Source(base)
    app = IpcScopeApp(source=source, clock=Clock(), poll=False,
                      process_info=FixedProcessInfo(), peek=lambda msqid: [])
    t0 = time.perf_counter()
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        print(f"first load of {count} objects (mount + add rows + paint): "
              f"{(time.perf_counter() - t0) * 1000:.0f} ms")
        table = app.query_one("#table-shm")
        table.move_cursor(row=count // 2)  # somewhere in the middle, as a user would be
        await pilot.pause()
        cases: dict[str, Callable[[Snapshot, int], Snapshot]] = {
            "nothing changed": lambda snapshot, round_: copy(snapshot),
            "10% changed": lambda snapshot, round_: change_values(snapshot, 0.10, round_),
            "1% replaced": lambda snapshot, round_: churn(snapshot, 0.01, round_),
        }
        for name, next_snapshot in cases.items():
            wall, cpu, painted = await time_refreshes(app, pilot, source, next_snapshot, rounds)
            print(f"refresh, {name:>15}: median {wall:5.1f} ms wall ({cpu:5.1f} ms CPU) for "
                  f"source + diff + table update; {painted:5.1f} ms CPU with layout and paint")


async def idle_benchmark(count: int, seconds: float, label: str = "", warmup: float = 1.5) -> None:
    """The real 1 s poll timer against a StaticSource (the probe's own cost is not the app's)."""
    base = replace(demo_snapshot(processes=False), shm=segments(count), msg=(), sem=(), pmq=(),
                   pshm=(), psem=())
    source = StaticSource(base)
    app = IpcScopeApp(source=source, clock=lambda: DEMO_NOW, poll=True,
                      process_info=FixedProcessInfo(), peek=lambda msqid: [])
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause(warmup)  # first load out of the way (and, if long, the sparklines full)
        calls_before = source.calls
        cpu0, wall0 = time.process_time(), time.perf_counter()
        await asyncio.sleep(seconds)
        cpu, wall = time.process_time() - cpu0, time.perf_counter() - wall0
    print(f"idle at the default 1 s interval, {count} objects{label}: {cpu / wall * 100:.2f}% of a core "
          f"({cpu:.2f} s CPU in {wall:.1f} s, {source.calls - calls_before} polls)")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--objects", type=int, default=5000)
    parser.add_argument("--rounds", type=int, default=20)
    parser.add_argument("--idle-seconds", type=float, default=10.0)
    parser.add_argument("--warmup", type=float, default=1.5,
                        help="seconds before measuring idle; past the sparkline width (30 polls) "
                             "the detail pane stops changing")
    parser.add_argument("--breakdown", action="store_true",
                        help="also measure idle without the detail pane's re-render and the history")
    args = parser.parse_args()
    asyncio.run(refresh_benchmark(args.objects, args.rounds))
    asyncio.run(idle_benchmark(args.objects, args.idle_seconds, warmup=args.warmup))
    if args.breakdown:
        from ipcscope.ui.data.history import History
        from ipcscope.ui.widgets.detail import DetailPane

        DetailPane.show = lambda self, *a, **k: None  # type: ignore[method-assign]
        asyncio.run(idle_benchmark(args.objects, args.idle_seconds, ", without the detail pane",
                                   warmup=args.warmup))
        History.record = lambda self, snapshot: None  # type: ignore[method-assign]
        asyncio.run(idle_benchmark(args.objects, args.idle_seconds, ", without detail and history",
                                   warmup=args.warmup))


if __name__ == "__main__":
    main()
