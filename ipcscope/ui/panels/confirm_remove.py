"""The removal confirmation: what will happen, in plain words, with the focus on Cancel.

The text is `removal.plan_removal`'s: who is attached, which waiters get EIDRM, how many
messages are lost, that a segment with attachments is only marked dest. Confirming runs the
`Remove` action on the object *as it was shown*: it is re-checked first, and if its id was
reused or it changed meanwhile (ObjectChanged), nothing is removed and the dialog says so.
Dismisses with True only when something was removed (or marked dest).
"""

from __future__ import annotations

import errno
from typing import ClassVar

from rich.table import Table
from rich.text import Text
from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, Vertical
from textual.screen import ModalScreen
from textual.widgets import Button, Static

from ipcscope.actions import ActionResult, Remove, Request
from ipcscope.actions.removal import ObjectChanged, RemovalPlan
from ipcscope.core.errors import IpcError, ValidationError
from ipcscope.model import IpcNamespace, PosixObject
from ipcscope.ui.messages import RemovedInNamespace
from ipcscope.ui.panels.outcome import ActionDone, describe_error


def bullets(lines: tuple[str, ...]) -> Table:
    """A bulleted list whose wrapped lines stay indented under their text."""
    grid = Table.grid(padding=(0, 1))
    grid.add_column(no_wrap=True)
    grid.add_column(ratio=1)
    for line in lines:
        grid.add_row("•", Text(line))
    return grid


class ConfirmRemove(ModalScreen[bool]):
    """Asks before removing one object; escape or Cancel removes nothing."""

    CSS_PATH = "panels.tcss"

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "cancel", "Cancel", id="remove.cancel"),
        Binding("left,right", "switch", "Switch button", show=False, id="remove.switch"),
    ]

    AUTO_FOCUS = "#cancel"

    def __init__(self, plan: RemovalPlan, *, where: IpcNamespace | None = None) -> None:
        """`where`: the object's IPC namespace when it is not this process's (a container's):
        the removal, and its re-check, then run in a helper that joined it."""
        super().__init__()
        self.plan = plan
        self.where = where

    @property
    def verb(self) -> str:
        """The confirming button's label: what the call does."""
        return "Unlink" if isinstance(self.plan.expected, PosixObject) else "Remove"

    def removal_request(self) -> Request:
        """The request that removes the object as it was shown (ValidationError if it cannot)."""
        return Remove.parse({}, target=self.plan.expected)

    def compose(self) -> ComposeResult:
        plan = self.plan
        with Vertical(id="dialog"):
            yield Static(Text(plan.title), id="remove-title")
            yield Static(bullets(plan.consequences), id="remove-consequences")
            where = f"in {self.where.label}: " if self.where is not None else ""
            yield Static(Text.assemble(("C ", "bold"), where, plan.call), id="remove-call")
            yield Static(id="remove-outcome")
            with Horizontal(id="remove-buttons"):
                yield Button("Cancel" if plan.possible else "Close", id="cancel", compact=True)
                yield Button(self.verb, variant="error", id="remove",
                             compact=True, disabled=not plan.possible)

    def on_mount(self) -> None:
        self.query_one("#remove-outcome", Static).display = False

    def action_cancel(self) -> None:
        self.dismiss(False)

    def action_switch(self) -> None:
        self.focus_next(Button)

    @on(Button.Pressed, "#cancel")
    def _cancel_pressed(self, event: Button.Pressed) -> None:
        event.stop()
        self.dismiss(False)

    @on(Button.Pressed, "#remove")
    def _remove_pressed(self, event: Button.Pressed) -> None:
        event.stop()
        self.confirm()

    def confirm(self) -> None:
        """Remove the object shown, if it is still that object."""
        if self.plan.expected is None:
            return
        try:
            request = self.removal_request()
        except ValidationError as error:
            self._say(describe_error(error))
            return
        if self.where is not None:
            self.query_one("#remove", Button).disabled = True
            self._remove_inside(request, self.where)
            return
        try:
            result = request.run()
        except (IpcError, ValidationError) as error:
            self._failed(request, error)
            return
        self._removed(request, result)

    @work(thread=True, exit_on_error=False)
    def _remove_inside(self, request: Remove, where: IpcNamespace) -> None:
        """In a helper that joined the namespace (a process start: not on the UI thread)."""
        from ipcscope.actions.in_namespace import run_in

        try:
            result = run_in(request, where)
        except (IpcError, ValidationError) as error:
            self.post_message(RemovedInNamespace(request, None, error))
            return
        self.post_message(RemovedInNamespace(request, result, None))

    def on_removed_in_namespace(self, message: RemovedInNamespace) -> None:
        message.stop()
        if message.error is not None:
            self._failed(message.request, message.error)
        elif message.result is not None:
            self._removed(message.request, message.result)

    def _failed(self, request: Request, error: IpcError | ValidationError) -> None:
        if isinstance(error, IpcError) and error.errno == errno.ESTALE:  # ObjectChanged, maybe from a helper
            text = error.message if isinstance(error, ObjectChanged) else error.explanation
            reason = text.removesuffix(": nothing removed")
            self._refuse(f"Nothing was removed: {reason}.")
            self.app.post_message(ActionDone(request, None))
            return
        self.query_one("#remove", Button).disabled = False
        self._say(describe_error(error))

    def _removed(self, request: Request, result: ActionResult) -> None:
        self.app.post_message(ActionDone(request, result))
        self.app.notify(result.describe(), title="Removed")
        self.dismiss(True)

    def _say(self, text: str) -> None:
        outcome = self.query_one("#remove-outcome", Static)
        outcome.update(Text(text))
        outcome.display = True

    def _refuse(self, text: str) -> None:
        """The object changed: removing again cannot be right; only Close is left."""
        self._say(text)
        self.query_one("#remove", Button).disabled = True
        cancel = self.query_one("#cancel", Button)
        cancel.label = "Close"
        cancel.focus()
