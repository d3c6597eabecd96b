"""Regenerate the README screenshots (SVG) from the `--demo` data.

    python screenshots/make_screenshots.py

Each picture is the demo app (fixed snapshot, frozen clock, no polling) after a few keys, so the
screenshots change only when the UI does. Run it after a visible change and commit the SVGs.
"""

from __future__ import annotations

import asyncio
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))  # this checkout's ipcscope, not an installed one

from ipcscope.ui.demo_app import demo_app  # noqa: E402

SIZE = (150, 42)

#: file name -> (keys to press, what the README says about it)
SHOTS: dict[str, tuple[tuple[str, ...], str]] = {
    "overview": (("0",), "Overview: kernel limits and usage, counts and totals"),
    "shm": (("1",), "System V shared memory: a segment marked for destruction, a locked one, orphans"),
    "msg": (("2",), "Message queues: a full queue, its peeked messages and the blocked sender"),
    "sem": (("3",), "Semaphore sets: values, waiters and what each waits for"),
    "pmq": (("4",), "POSIX message queues"),
    "filter": (("1", "slash", *"alice", "enter"), "Filtering as you type"),
    "help": (("question_mark",), "Every key, generated from the bindings"),
}


async def shoot(name: str, keys: tuple[str, ...]) -> Path:
    app = demo_app()
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press(*keys)
        await pilot.pause()
        path = app.save_screenshot(f"{name}.svg", str(HERE))
    return Path(path)


async def shoot_lab() -> Path:
    """A teaching lab's step beside the tables (ipcscope.ui.lab_demo: nothing is started)."""
    from ipcscope.ui.lab_demo import show_demo_step

    app = demo_app()
    async with app.run_test(size=SIZE) as pilot:
        await show_demo_step(app)
        await pilot.pause()
        path = app.save_screenshot("lab.svg", str(HERE))
    return Path(path)


async def main() -> None:
    for name, (keys, _caption) in SHOTS.items():
        print(await shoot(name, keys))
    print(await shoot_lab())


if __name__ == "__main__":
    asyncio.run(main())
