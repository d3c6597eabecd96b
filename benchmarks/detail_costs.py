"""What the detail pane, the overview and History cost per poll (run from the repository root).

    python -m benchmarks.detail_costs

History.record runs over every object on every poll; show() and update_snapshot() run once per poll
for the highlighted object and view 0. Times are the median of repeated calls (building the content;
painting happens in Textual's next frame).
"""

from __future__ import annotations

import asyncio
import statistics
import time
from dataclasses import replace

from ipcscope.demo import DEMO_NOW
from ipcscope.ui.data.history import History
from ipcscope.ui.widgets.detail import DetailPane
from ipcscope.ui.widgets.overview import Overview
from tests.ui.detail_harness import DetailApp, OverviewApp
from tests.ui.test_detail_history import big_snapshot


def median_ms(samples: list[float]) -> str:
    return f"{statistics.median(samples) * 1000:.2f} ms"


def bench_history(objects: int = 5000, polls: int = 60) -> None:
    history, snap, samples = History(), big_snapshot(objects), []
    for _ in range(polls):
        start = time.perf_counter()
        history.record(snap)
        samples.append(time.perf_counter() - start)
    print(f"History.record, {objects} objects: {median_ms(samples)}")


async def bench_widgets() -> None:
    app = DetailApp("sem:2")
    async with app.run_test(size=(100, 40)) as pilot:
        pane = app.query_one(DetailPane)
        for key in ("sem:2", "msg:3", "shm:1", "pmq:/jobs"):
            obj, samples = app.snapshot.find(key), []
            for i in range(50):
                start = time.perf_counter()
                pane.show(obj, app.snapshot, now=DEMO_NOW + i, history=app.history)
                samples.append(time.perf_counter() - start)
                await pilot.pause()
            print(f"DetailPane.show({key}): {median_ms(samples)}")
    app = OverviewApp()
    async with app.run_test(size=(100, 40)) as pilot:
        overview, samples = app.query_one(Overview), []
        big = big_snapshot(5000)
        snap = replace(app.snapshot, shm=big.shm, msg=big.msg, sem=big.sem)
        for i in range(30):
            start = time.perf_counter()
            overview.update_snapshot(snap, now=DEMO_NOW + i)
            samples.append(time.perf_counter() - start)
            await pilot.pause()
        print(f"Overview.update_snapshot, 5000 objects: {median_ms(samples)}")


if __name__ == "__main__":
    bench_history()
    asyncio.run(bench_widgets())
