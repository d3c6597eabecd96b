"""The app on the fixed demo Snapshot: `ipcscope --demo`, the screenshots and the UI tests.

The clock is frozen at DEMO_NOW and nothing polls, so every rendering is the same. Process names
and peeked messages come from the demo too: no live PID or real queue is ever asked. It is
read-only because the demo objects do not exist on this system.
"""

from __future__ import annotations

from dataclasses import dataclass

from ipcscope.demo import DEMO_NOW, demo_namespace_views, demo_processes, demo_snapshot
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


def demo_app(*, interval: float = 1.0, read_only: bool = True, namespaces: bool = False,
             ns: str | None = None, **snapshot_flags: bool) -> IpcScopeApp:
    """`snapshot_flags` are demo_snapshot's: root, mqueue, empty, processes. `namespaces` adds two
    containers for the namespace picker (`n`); `ns` ("all" or an inode) is the view to start in."""
    snapshot = demo_snapshot(**snapshot_flags)
    views = demo_namespace_views() if namespaces or ns else None
    source = StaticSource(snapshot, views)
    if ns is not None and views is not None:
        source.choose(_demo_view(ns, views))
    return IpcScopeApp(interval=interval, read_only=read_only, source=source,
                       clock=lambda: DEMO_NOW, poll=False,
                       process_info=FixedProcessInfo(demo_processes().processes.values()),
                       peek=DemoPeek(snapshot))


def _demo_view(spec: str, views: dict[str, Snapshot]) -> str:
    """The demo view `--ns` names ("all", an inode, a name: as on a live system)."""
    from ipcscope.demo import DEMO_HOST_NS, demo_namespaces
    from ipcscope.probe.namespaces import Discovery, NamespaceNotFound, resolve

    try:
        found = resolve(spec, Discovery(demo_namespaces(), own=DEMO_HOST_NS))
    except NamespaceNotFound:
        return "own"
    if found is None:
        return "all"
    return "own" if found[0].own else str(found[0].inode)
