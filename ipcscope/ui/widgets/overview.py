"""View 0: limits and usage as coloured bars, object counts and totals.

STUB: the interface is fixed; the implementation is being written on the `detail` branch.
"""

from __future__ import annotations

from textual.widgets import Static

from ipcscope.model import Snapshot


class Overview(Static):
    """Usage against every kernel limit (green/yellow/red by use%), counts and totals per kind."""

    def update_snapshot(self, snapshot: Snapshot, *, now: float) -> None:
        self.update(f"{len(snapshot.all_objects())} objects")
