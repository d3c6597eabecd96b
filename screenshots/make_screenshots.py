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
    "findings": (("7",), "Findings: the doctor's diagnosis, each jumping to its object"),
    "channels": (("8", "down"), "Channels: pipes, FIFOs and sockets, both ends in one row, what is "
                                "queued and who is blocked"),
    "filter": (("1", "slash", *"alice", "enter"), "Filtering as you type"),
    "help": (("question_mark",), "Every key, generated from the bindings"),
}

#: the action panels: the demo app with changes allowed (nothing is run: the demo objects
#: do not exist here, the panels only show what they would call)
PANEL_SHOTS: dict[str, tuple[tuple[str, ...], str]] = {
    "create": (("1", "c", *"0x1c0ffee1", "tab", "ctrl+u", *"64K", "tab", "ctrl+u", *"0640"),
               "Create: the C call as you type, the problem beside its field"),
    "semop": (("3", "O", "tab", "tab", "tab", "space", "tab", "tab", "enter", "ctrl+u", "2"),
              "The semop builder: several operations, one atomic semop"),
    "remove": (("1", "x"), "Removal says what will happen; the focus is on Cancel"),
}


#: the demo with its two containers: the namespace picker and the All namespaces view
NAMESPACE_SHOTS: dict[str, tuple[str | None, tuple[str, ...], str]] = {
    "namespaces": ("all", ("3",), "All namespaces: an NS column, the same ids apart, a container's stuck semaphore"),
    "picker": (None, ("n",), "The namespace picker: every namespace with its objects"),
}


async def shoot(name: str, keys: tuple[str, ...], *, read_only: bool = True,
                namespaces: bool = False, ns: str | None = None) -> Path:
    app = demo_app(read_only=read_only, namespaces=namespaces, ns=ns)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press(*keys)
        await pilot.pause(0.3)  # the picker's census runs in a worker
        path = app.save_screenshot(f"{name}.svg", str(HERE))
    return Path(path)


async def shoot_lab() -> Path:
    """A teaching lab's step beside the tables (tests.ui.lab_demo: nothing is started)."""
    from tests.ui.lab_demo import show_demo_step

    app = demo_app()
    async with app.run_test(size=SIZE) as pilot:
        await show_demo_step(app)
        await pilot.pause()
        path = app.save_screenshot("lab.svg", str(HERE))
    return Path(path)


async def main() -> None:
    for name, (keys, _caption) in SHOTS.items():
        print(await shoot(name, keys))
    for name, (keys, _caption) in PANEL_SHOTS.items():
        print(await shoot(name, keys, read_only=False))
    print(await shoot_lab())
    for name, (ns, keys, _caption) in NAMESPACE_SHOTS.items():
        print(await shoot(name, keys, namespaces=True, ns=ns))


if __name__ == "__main__":
    asyncio.run(main())
