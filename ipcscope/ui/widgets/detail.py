"""The detail pane for the highlighted object.

STUB: the interface is fixed; the implementation is being written on the `detail` branch.
"""

from __future__ import annotations

from textual.widgets import Static

from ipcscope.model import IpcObject, Snapshot
from ipcscope.ui.history import History


class DetailPane(Static):
    """Everything about one object: ipc_perm, times, kind-specific state, holders and waiters."""

    def show(self, obj: IpcObject | None, snapshot: Snapshot, *, now: float, history: History,
             removed: bool = False) -> None:
        """Render `obj` (None: nothing selected). `removed`: the object vanished; show it greyed."""
        self.update("" if obj is None else f"{obj.kind} {getattr(obj, 'id', getattr(obj, 'name', ''))}")
