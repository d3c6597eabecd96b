"""The app on the fixed demo Snapshot: `ipcscope --demo`, the screenshots and the UI tests.

The clock is frozen at DEMO_NOW and nothing polls, so every rendering is the same. Process names
and peeked messages come from the demo too: no live PID or real queue is ever asked. It is
read-only because the demo objects do not exist on this system.
"""

from __future__ import annotations

from dataclasses import dataclass

from ipcscope.demo import DEMO_NOW, demo_processes, demo_snapshot
from ipcscope.model import Snapshot
from ipcscope.probe.procinfo import FixedProcessInfo
from ipcscope.ui.app import IpcScopeApp
from ipcscope.ui.data.sources import StaticSource


@dataclass(frozen=True)
class DemoMessage:
    mtype: int
    data: bytes


class DemoPeek:
    """Made-up contents for the demo queues, matching their types, counts and byte totals."""

    def __init__(self, snapshot: Snapshot) -> None:
        self._queues = {q.id: q for q in snapshot.msg}

    def __call__(self, msqid: int) -> list[DemoMessage]:
        queue = self._queues.get(msqid)
        if queue is None or not queue.qnum:
            return []
        types = queue.queued_types or (1,) * queue.qnum
        size = queue.cbytes // queue.qnum
        return [DemoMessage(mtype, f"demo message {i} of type {mtype}".encode().ljust(size, b"."))
                for i, mtype in enumerate(types)]


def demo_app(*, interval: float = 1.0, read_only: bool = True, **snapshot_flags: bool) -> IpcScopeApp:
    """`snapshot_flags` are demo_snapshot's: root, mqueue, empty, processes."""
    snapshot = demo_snapshot(**snapshot_flags)
    return IpcScopeApp(interval=interval, read_only=read_only, source=StaticSource(snapshot),
                       clock=lambda: DEMO_NOW, poll=False,
                       process_info=FixedProcessInfo(demo_processes().processes.values()),
                       peek=DemoPeek(snapshot))
