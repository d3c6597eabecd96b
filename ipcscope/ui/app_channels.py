"""The FIFO panels' keys on the Channels view: create (mkfifo), write, read, remove.

A mixin of IpcScopeApp, beside AppPanels (whose runner, dialogs and "select what was created"
it reuses). The keys act on the FIFO under the cursor, by its path: they are shown on the
Channels view only, dimmed on rows that are not a FIFO (ipcscope never reads from or writes into
another process's pipe or socket), and hidden with every other changing key under --read-only.
Reading counts as a change: the bytes read are taken from the FIFO.

The shell provides: `read_only`, `snapshot`, `active_view`, `channels_view` and `runner`.
"""

from __future__ import annotations

from typing import Any

from textual.app import App
from textual.binding import Binding, BindingType

from ipcscope.actions import FifoRead, FifoWrite, MakeFifo, Request
from ipcscope.actions.fifo_removal import plan_fifo_removal
from ipcscope.model import Fifo
from ipcscope.ui.panels.action_form import ActionForm
from ipcscope.ui.panels.confirm_fifo_remove import ConfirmFifoRemove

CHANNEL_BINDINGS: list[BindingType] = [
    Binding("c", "fifo_create", "mkfifo", tooltip="Create a FIFO (named pipe) at a path you choose",
            id="channels.mkfifo"),
    Binding("w", "fifo_write", "Write", tooltip="Write to the highlighted FIFO, by its path "
            "(O_NONBLOCK unless you give a timeout)", id="channels.fifo-write"),
    Binding("v", "fifo_read", "Read", tooltip="Read from the highlighted FIFO: the bytes are taken, "
            "its reader will not get them", id="channels.fifo-read"),
    Binding("x,delete", "fifo_remove", "Remove", tooltip="Unlink the highlighted FIFO, after saying "
            "who has it open", id="channels.fifo-remove"),
]

#: every key above changes something (a read takes bytes out): all hidden under --read-only
CHANNEL_CHANGING: frozenset[str] = frozenset({"fifo_create", "fifo_write", "fifo_read", "fifo_remove"})
CHANNEL_ACTIONS = CHANNEL_CHANGING
#: keys that need a FIFO under the cursor
NEEDS_FIFO = CHANNEL_ACTIONS - {"fifo_create"}


class AppChannels(App[None]):
    """Mixin of IpcScopeApp: what the FIFO keys do (see the module docstring)."""

    read_only: bool
    snapshot: Any
    runner: Any

    def highlighted_fifo(self) -> Fifo | None:
        """The FIFO under the Channels view's cursor, if it is live and still has its path."""
        if getattr(self, "active_view", "") != "channels":
            return None
        selected = self.channels_view.table.selected()  # type: ignore[attr-defined]
        if selected is None or selected[1]:
            return None
        channel = selected[0].channels[0]
        return channel if isinstance(channel, Fifo) and not channel.unlinked else None

    def check_channel_action(self, action: str) -> bool | None:
        """False: hidden (another view, --read-only, a dialog is open); None: shown, but the row
        under the cursor is not a FIFO; True: available."""
        if action not in CHANNEL_ACTIONS:
            return True
        if len(self.screen_stack) > 1 or self.read_only or getattr(self, "active_view", "") != "channels":
            return False
        if action in NEEDS_FIFO and self.highlighted_fifo() is None:
            return None
        return True

    # ---- keys

    def action_fifo_create(self) -> None:
        self._fifo_form(MakeFifo, None)

    def action_fifo_write(self) -> None:
        self._on_fifo(lambda fifo: self._fifo_form(FifoWrite, fifo))

    def action_fifo_read(self) -> None:
        self._on_fifo(lambda fifo: self._fifo_form(FifoRead, fifo))

    def action_fifo_remove(self) -> None:
        def confirm(fifo: Fifo) -> None:
            processes = self.snapshot.processes if self.snapshot is not None else None
            channels = processes.channels if processes is not None else None
            self.push_screen(ConfirmFifoRemove(plan_fifo_removal(fifo.path, fifo, channels)),
                             lambda removed: self.request_poll() if removed else None)  # type: ignore[attr-defined]

        self._on_fifo(confirm)

    # ---- helpers

    def _on_fifo(self, then: Any) -> None:
        fifo = self.highlighted_fifo()
        if fifo is None:
            self.notify("Select a FIFO first: ipcscope acts only on FIFOs, by their path.", severity="warning")
            return
        then(fifo)

    def _fifo_form(self, cls: type[Request], fifo: Fifo | None) -> None:
        if self.read_only:
            self.notify("Read-only mode: nothing can be changed.", severity="warning")
            return
        self.push_screen(ActionForm(cls, target=fifo, runner=self.runner),  # type: ignore[arg-type]
                         self._dialog_closed)  # type: ignore[attr-defined]
