"""What the app shell (IpcScopeApp) gives the mixins that add the action panels, the labs and
the namespace picker.

AppPanels, AppLabs and AppNamespaces are Textual Apps for what they use of Textual; what they ask
of the shell (and of each other) is this Protocol, which IpcScopeApp satisfies (mypy checks it
where the app sets `self.shell`).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Protocol

if TYPE_CHECKING:
    from ipcscope.model import IpcNamespace, IpcObject, Snapshot
    from ipcscope.ui.data.sources import SnapshotSource
    from ipcscope.ui.widgets.kind_view import KindView


class Shell(Protocol):
    read_only: bool
    #: the snapshot shown (None before the first one)
    snapshot: Snapshot | None
    source: SnapshotSource

    def request_poll(self) -> None:
        """Take a snapshot now (the table then shows what an action changed)."""

    def jump_to(self, row_key: str) -> None:
        """Show object `row_key` ("shm:3", "pipe:4711"): its view, its row."""

    def shows(self, row_key: str) -> bool:
        """Whether a view holds the object or channel `row_key` now (so a jump would land)."""

    def kind_view(self, kind: str) -> KindView: ...

    def action_view(self, view: str) -> None:
        """Switch to a view: "overview", a kind or "findings"."""

    def _active_kind_view(self) -> KindView | None:
        """The visible kind's view; None on the overview or the findings."""

    def forget_scan(self) -> None:
        """Drop the latest process scan (its holders are keyed for another view); the next
        snapshot asks for a new one."""

    # AppNamespaces'

    def namespace_of(self, obj: IpcObject | None) -> IpcNamespace | None:
        """The other IPC namespace `obj` belongs to; None for ipcscope's own."""

    def action_namespace(self, target: IpcObject | None) -> IpcNamespace | None:
        """Where an action on `target` (None: a creation) must run; None for ipcscope's own."""
