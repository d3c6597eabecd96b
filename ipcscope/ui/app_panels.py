"""The action panels' keys in the app: each opens a panel for the highlighted object.

`AppPanels` is the base of IpcScopeApp. It owns the OperationRunner (helper processes for
calls that can block), declares the keys (Bindings with ids, so keymaps can remap them), decides
with `check_action` which apply to the current view and selection, and hides every changing one
under --read-only. After an action it asks the shell for a snapshot so the table shows the
change; a created object is selected once it appears. Quitting ends the running operations
(fast: SIGTERM, reaped) and prints what that did.

What it needs of the app shell is `shell` (ui.shell.Shell); the shell calls
`panels_snapshot_applied()` after applying a snapshot.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import TYPE_CHECKING, Any

from textual.app import App, SystemCommand
from textual.binding import Binding, BindingType
from textual.screen import Screen

from ipcscope.actions import (
    ACTIONS,
    Created,
    CreateMsg,
    CreatePosixQueue,
    CreatePosixSem,
    CreatePosixShm,
    CreateSem,
    CreateShm,
    MsgPeek,
    MsgReceive,
    MsgSend,
    PosixMqReceive,
    PosixMqSend,
    Remove,
    Request,
    SemOp,
    SetAll,
    SetPerms,
    actions_for,
)
from ipcscope.actions.removal import plan_removal
from ipcscope.actions.runner import InNamespace, OperationRunner, Runner, RunningOperation
from ipcscope.model import KINDS, IpcObject, Kind, PosixShm, SemSet, ShmSegment
from ipcscope.ui.panels.action_form import ActionForm
from ipcscope.ui.panels.action_menu import ActionMenu
from ipcscope.ui.panels.confirm_remove import ConfirmRemove
from ipcscope.ui.panels.operations import OperationsScreen, outcome_text
from ipcscope.ui.panels.outcome import ActionDone, OperationChanged, object_label
from ipcscope.ui.panels.semop_builder import SemopBuilder
from ipcscope.ui.panels.shm_viewer import ShmViewer

if TYPE_CHECKING:
    from ipcscope.ui.shell import Shell

#: Seconds between runner polls while the app runs (reports "semop done" and refreshes).
RUNNER_POLL_SECONDS = 0.25

PANEL_BINDINGS: list[BindingType] = [
    Binding("c", "create", "Create", tooltip="Create an object of this view's kind", id="play.create"),
    Binding("a", "attach", "Attach", tooltip="Live hex view of the segment, attached read-only "
            "(w in the viewer writes)", id="play.attach"),
    Binding("m", "send", "Send", tooltip="Send a message to the queue", id="play.send"),
    Binding("v", "receive", "Receive", tooltip="Receive a message from the queue", id="play.receive"),
    Binding("p", "peek", "Peek", show=False, tooltip="Read the queued messages without consuming them (MSG_COPY)",
            id="play.peek"),
    Binding("O", "operate", "Semop", tooltip="Semaphore operations: the semop builder; post or wait "
            "for a POSIX semaphore", id="play.operate"),
    Binding("V", "set_values", "Set values", show=False, tooltip="Set every semaphore of the set (SETALL)",
            id="play.set-values"),
    Binding("e", "edit_perms", "Perms", show=False, tooltip="Change mode, owner or group (IPC_SET, chmod, chown)",
            id="play.perms"),
    Binding("x,delete", "remove", "Remove", tooltip="Remove the object, after saying what that does",
            id="play.remove"),
    Binding("A", "all_actions", "Actions", tooltip="Every action for the highlighted object",
            id="play.actions"),
    Binding("o", "operations", "Operations", tooltip="Blocking calls running in helper processes",
            id="play.operations"),
]

#: Actions that change IPC objects: hidden and disabled under --read-only.
PANEL_CHANGING: frozenset[str] = frozenset(
    {"create", "send", "receive", "operate", "set_values", "edit_perms", "remove"})

CREATE: dict[str, type[Request]] = {"shm": CreateShm, "msg": CreateMsg, "sem": CreateSem,
                                    "pmq": CreatePosixQueue, "pshm": CreatePosixShm,
                                    "psem": CreatePosixSem}
SEND = {"msg": MsgSend, "pmq": PosixMqSend}
RECEIVE = {"msg": MsgReceive, "pmq": PosixMqReceive}
#: the kinds each key applies to (None: any kind)
KINDS_FOR: dict[str, frozenset[str] | None] = {
    "create": None, "attach": frozenset({"shm", "pshm"}), "send": frozenset(SEND),
    "receive": frozenset(RECEIVE), "peek": frozenset({"msg"}), "operate": frozenset({"sem", "psem"}),
    "set_values": frozenset({"sem"}), "edit_perms": None, "remove": None, "all_actions": None,
}
#: keys that act on the highlighted object (the others need only the view)
NEEDS_OBJECT = frozenset(KINDS_FOR) - {"create"}
PANEL_ACTIONS = frozenset(KINDS_FOR) | {"operations"}


class AppPanels(App[None]):
    """Base of IpcScopeApp: what the keys that create, send, receive, operate and remove do.

    The app lists PANEL_BINDINGS after its own keys (so the footer shows those first).
    """

    def __init__(self, *, runner: OperationRunner | None = None) -> None:
        super().__init__()
        self.runner = runner or OperationRunner()
        self._jump_when_shown: str | None = None

    shell: Shell

    def shows(self, row_key: str) -> bool:  # pragma: no cover - the shell's
        raise NotImplementedError

    # ---- lifecycle

    def on_mount(self) -> None:
        self.set_interval(RUNNER_POLL_SECONDS, self.poll_operations, name="runner")

    def on_unmount(self) -> None:
        self.runner.cancel_all()  # safety net: quit already did it; the lifeline does the rest

    async def action_quit(self) -> None:
        """End running operations first (each is signalled and reaped: milliseconds)."""
        summary = self.runner.cancel_all()
        self.exit(message=summary.message or None)

    # ---- the highlighted object

    @property
    def current_kind(self) -> Kind | None:
        """The kind of IPC object the shown view lists (None: another view, e.g. channels)."""
        view = self.shell._active_kind_view()
        return view.kind if view is not None and view.kind in KINDS else None

    def highlighted(self) -> IpcObject | None:
        """The object under the cursor of the visible view; None if none or it has vanished."""
        view = self.shell._active_kind_view() if self.current_kind is not None else None
        selected = view.table.selected() if view is not None else None
        if selected is None or selected[1]:
            return None
        return selected[0]

    def check_panel_action(self, action: str) -> bool | None:
        """False: hidden (other kind, --read-only, a dialog is open); None: shown but needs a
        highlighted object; True: available."""
        if action not in PANEL_ACTIONS:
            return True
        if len(self.screen_stack) > 1:
            return False
        if self.shell.read_only and action in PANEL_CHANGING:
            return False
        if action == "operations":
            return True
        kind = self.current_kind
        kinds = KINDS_FOR[action]
        if kind is None or (kinds is not None and kind not in kinds):
            return False
        target = self.highlighted()
        if action in NEEDS_OBJECT and target is None:
            return None
        if action == "attach" and target is not None and self.shell.namespace_of(target) is not None:
            return False  # mapped into this process: only objects of its own namespace
        # `A` is hidden when nothing is left, e.g. for a semaphore set under --read-only
        return action != "all_actions" or (target is not None and bool(self.actions_on(target)))

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        return self.check_panel_action(action)

    def runner_for(self, target: IpcObject | None) -> Runner:
        """Where actions on `target` (None: a creation) run: here, or, for another namespace's
        object (and creating while one other namespace is shown), in a helper there."""
        where = self.shell.action_namespace(target)
        return self.runner if where is None else InNamespace(self.runner, where)

    def _target(self) -> IpcObject | None:
        target = self.highlighted()
        if target is None:
            self.notify("Select an object first (it may have just vanished).", severity="warning")
        return target

    # ---- keys

    def action_create(self) -> None:
        kind = self.current_kind
        if kind is not None:
            self.open_action(CREATE[kind], None)

    def action_attach(self) -> None:
        target = self._target()
        if isinstance(target, (ShmSegment, PosixShm)):
            self.push_screen(ShmViewer(target, allow_write=not self.shell.read_only))

    def action_send(self) -> None:
        target = self._target()
        if target is not None and target.kind in SEND:
            self.open_action(SEND[target.kind], target)

    def action_receive(self) -> None:
        target = self._target()
        if target is not None and target.kind in RECEIVE:
            self.open_action(RECEIVE[target.kind], target)

    def action_peek(self) -> None:
        target = self._target()
        if target is not None and target.kind == "msg":
            self.open_action(MsgPeek, target)

    def action_operate(self) -> None:
        target = self._target()
        if isinstance(target, SemSet):
            self.open_action(SemOp, target)
        elif target is not None and target.kind == "psem":
            self.open_menu(target, [cls for cls in actions_for("psem", read_only=self.shell.read_only)
                                    if cls.action.startswith("psem-")])

    def action_set_values(self) -> None:
        target = self._target()
        if isinstance(target, SemSet):
            self.open_action(SetAll, target)

    def action_edit_perms(self) -> None:
        target = self._target()
        if target is not None:
            self.open_action(SetPerms, target)

    def action_remove(self) -> None:
        target = self._target()
        if target is not None:
            self.open_action(Remove, target)

    def actions_on(self, target: IpcObject) -> list[type[Request]]:
        """What `A` lists for an object: its kind's own actions (not create), then permissions
        and removal, as far as the mode allows."""
        actions = [cls for cls in actions_for(target.kind, read_only=self.shell.read_only)
                   if not cls.action.startswith("create")]
        return sorted(actions, key=lambda cls: cls.kind is None)

    def action_all_actions(self) -> None:
        target = self._target()
        if target is not None:
            self.open_menu(target, self.actions_on(target))

    def action_operations(self) -> None:
        if not isinstance(self.screen, OperationsScreen):
            self.poll_operations()
            self.push_screen(OperationsScreen(self.runner))

    # ---- opening panels

    def open_menu(self, target: IpcObject, actions: list[type[Request]]) -> None:
        def chosen(cls: type[Request] | None) -> None:
            if cls is not None:  # after the menu is gone: its callback runs before it is popped
                self.call_later(self.open_action, cls, target)

        self.push_screen(ActionMenu(f"Actions on {object_label(target)}", actions), chosen)

    def open_action(self, cls: type[Request], target: IpcObject | None) -> None:
        """The dialog for one action: SemOp gets the builder, Remove the confirmation, the
        others the generic form."""
        if self.shell.read_only and cls.changes:
            self.notify("Read-only mode: nothing can be changed.", severity="warning")
            return
        runner = self.runner_for(target)
        if cls is Remove and target is not None:
            snapshot = self.shell.snapshot
            assert snapshot is not None  # the target was highlighted in a shown snapshot
            self.push_screen(ConfirmRemove(plan_removal(snapshot, target.ref),
                                           where=runner.where if isinstance(runner, InNamespace) else None))
        elif cls is SemOp and isinstance(target, SemSet):
            self.push_screen(SemopBuilder(target, runner=runner), self._dialog_closed)
        else:
            self.push_screen(ActionForm(cls, target=target, runner=runner,
                                        initial=initial_fields(cls, target)), self._dialog_closed)

    def _dialog_closed(self, result: Any) -> None:
        if isinstance(result, Created):
            row_key = f"{result.kind}:{result.ident}"
            self._jump_when_shown = row_key
            self.shell.request_poll()

    # ---- after actions

    def on_action_done(self, message: ActionDone) -> None:
        if message.request.changes:
            self.shell.request_poll()

    def poll_operations(self) -> None:
        for op in self.runner.poll():
            self.post_message(OperationChanged(op))

    def on_operation_changed(self, message: OperationChanged) -> None:
        op = message.operation
        self.notify(operation_notice(op), title=f"Operation {op.op_id} ({op.status})",
                    severity="error" if op.status == "failed" else "information")
        if op.status != "running":
            self.shell.request_poll()

    def panels_snapshot_applied(self) -> None:
        """Select an object created from a form, once the table shows it."""
        row_key = self._jump_when_shown
        if row_key is not None and self.shell.snapshot is not None and self.shell.shows(row_key):
            self._jump_when_shown = None
            self.shell.jump_to(row_key)

    # ---- the palette

    def get_system_commands(self, screen: Screen) -> Iterable[SystemCommand]:
        yield from super().get_system_commands(screen)
        if screen is not self.screen_stack[0]:  # over a dialog: its own keys only
            return
        yield SystemCommand("Running operations", "Blocking calls in helper processes (key: o)",
                            self.action_operations)
        kind = self.current_kind
        if kind is None:
            return
        target = self.highlighted()
        for cls in actions_for(kind, read_only=self.shell.read_only):
            creates = cls.action.startswith("create")
            if not creates and target is None:
                continue
            where = f"new {kind}" if creates else object_label(target)
            yield SystemCommand(cls.title, f"on {where}", self._opener(cls, None if creates else target))

    def _opener(self, cls: type[Request], target: IpcObject | None) -> Callable[[], None]:
        return lambda: self.open_action(cls, target)


def initial_fields(cls: type[Request], target: IpcObject | None) -> dict[str, str]:
    """Prefill what the object already says: SETALL starts from today's values."""
    if cls is SetAll and isinstance(target, SemSet) and target.semaphores:
        return {"values": ",".join(str(s.value) for s in target.semaphores)}
    return {}


def operation_notice(op: RunningOperation) -> str:
    """One notification line per change of a helper process."""
    if op.status == "running":
        return f"{op.c_call} waits in helper pid {op.pid}; o lists running operations."
    return f"{op.c_call}: {outcome_text(op)}"


assert set(CREATE) == set(KINDS) and all(cls.action in ACTIONS for cls in CREATE.values())
