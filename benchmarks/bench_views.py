"""How long the app takes to start and to switch views (the number keys), on the demo snapshot.

    python benchmarks/bench_views.py [--repeat 5] [--size 150x42]

Runs `ipcscope --demo` headless (App.run_test, animations off) and reports medians of:
- start: from run_test() until the last frame before the app goes idle (the screen has settled:
  data shown, footer built, focus set), wall and CPU time;
- switch: from a key press (2, 3, ... 8, 1) until the last frame it causes, and the CPU time
  until the app is idle again.

Frames are timed where the compositor hands them to the driver (App._display), so Pilot's
waiting for idle is not counted in the wall times. The CPU times include a little of it (its
polls every 20 ms), about 1 ms per switch. Each run is a fresh Python process, as `ipcscope` is:
in one process, every finished app leaves ~70,000 objects behind (Textual's caches) until some
bound, and the garbage collector makes the later runs up to twice as slow. Machines shared with
other jobs give noisy numbers: compare the CPU columns, run it twice.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import statistics
import subprocess
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))  # this checkout's ipcscope

import textual.constants

textual.constants.TEXTUAL_ANIMATIONS = "none"  # the tab underline would add frames, not work

from ipcscope.ui.app import IpcScopeApp  # noqa: E402
from ipcscope.ui.demo_app import demo_app  # noqa: E402

#: the view keys, ending where the app starts (shm)
KEYS = "23456781"


def record_frames(app: IpcScopeApp) -> list[float]:
    """perf_counter() of every frame the app displays, appended as they happen."""
    frames: list[float] = []
    display = app._display

    def timed_display(screen, renderable):  # type: ignore[no-untyped-def]
        if renderable is not None:
            frames.append(time.perf_counter())
        display(screen, renderable)

    app._display = timed_display  # type: ignore[method-assign]
    return frames


async def one_run(size: tuple[int, int]) -> tuple[tuple[float, float], list[tuple[float, float]]]:
    """(start wall, start CPU) and (wall, CPU) per switch, in seconds."""
    app = demo_app(read_only=True)
    frames = record_frames(app)
    switches: list[tuple[float, float]] = []
    wall, cpu = time.perf_counter(), time.process_time()
    async with app.run_test(size=size) as pilot:
        await pilot.pause()
        start = (frames[-1] - wall, time.process_time() - cpu)
        for key in KEYS:
            frames.clear()
            wall, cpu = time.perf_counter(), time.process_time()
            await pilot.press(key)
            await pilot.pause()
            cpu = time.process_time() - cpu
            if frames:
                switches.append((frames[-1] - wall, cpu))
    return start, switches


def ms(values: list[float]) -> str:
    return f"{statistics.median(values) * 1000:.0f} ms"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--repeat", type=int, default=5, help="app runs (each switches 7 times)")
    parser.add_argument("--size", default="150x42", help="terminal size, COLUMNSxROWS")
    parser.add_argument("--one", action="store_true", help=argparse.SUPPRESS)  # a child: one run, JSON
    args = parser.parse_args(argv)
    if args.one:
        size = tuple(int(n) for n in args.size.split("x"))
        print(json.dumps(asyncio.run(one_run(size))))  # type: ignore[arg-type]
        return 0
    starts: list[tuple[float, float]] = []
    switches: list[tuple[float, float]] = []
    for _ in range(args.repeat):
        child = subprocess.run([sys.executable, __file__, "--one", "--size", args.size],
                               check=True, capture_output=True, text=True)
        start, switched = json.loads(child.stdout)
        starts.append(start)
        switches.extend(switched)
    print(f"{args.repeat} runs at {args.size}, {len(switches)} switches (medians)")
    print(f"start:  {ms([w for w, _ in starts])} to the settled screen, {ms([c for _, c in starts])} CPU")
    print(f"switch: {ms([w for w, _ in switches])} to the last frame, {ms([c for _, c in switches])} CPU")
    return 0


if __name__ == "__main__":
    sys.exit(main())
