"""The app on the fixed demo Snapshot: `ipcscope --demo`, the screenshots and the UI tests.

The clock is frozen at DEMO_NOW and nothing polls, so every rendering is the same; it is read-only
because the demo objects do not exist on this system.
"""

from __future__ import annotations

from ipcscope.demo import DEMO_NOW, demo_snapshot
from ipcscope.ui.app import IpcScopeApp
from ipcscope.ui.sources import StaticSource


def demo_app(*, interval: float = 1.0, read_only: bool = True, **snapshot_flags: bool) -> IpcScopeApp:
    """`snapshot_flags` are demo_snapshot's: root, mqueue, empty, processes."""
    return IpcScopeApp(interval=interval, read_only=read_only,
                       source=StaticSource(demo_snapshot(**snapshot_flags)),
                       clock=lambda: DEMO_NOW, poll=False)
