"""The panel keys in the app: each opens the right panel for the highlighted object,
--read-only hides every changing one, actions refresh the table, quitting ends running helpers."""

from __future__ import annotations

import time

from ipcscope.actions import (
    CreateMsg,
    CreateShm,
    MsgPeek,
    MsgReceive,
    MsgSend,
    PosixMqSend,
    SetAll,
    SetPerms,
    actions_for,
)
from ipcscope.actions.runner import OperationRunner
from ipcscope.core import sem
from ipcscope.model import SemSet
from ipcscope.probe.snapshot import take_snapshot
from ipcscope.ui.app import IpcScopeApp
from ipcscope.ui.app_panels import PANEL_CHANGING
from ipcscope.ui.panels.action_form import ActionForm
from ipcscope.ui.panels.action_menu import ActionMenu
from ipcscope.ui.panels.confirm_remove import ConfirmRemove
from ipcscope.ui.panels.operations import OperationsScreen
from ipcscope.ui.panels.semop_builder import SemopBuilder
from ipcscope.ui.panels.shm_viewer import ShmViewer
from tests.actions.support import pid_exists
from tests.helpers import unique_key
from tests.ui.conftest import make_app

SIZE = (100, 30)


def highlighted(app: IpcScopeApp):
    return app.highlighted()


async def close(app: IpcScopeApp, pilot) -> None:
    while len(app.screen_stack) > 1:
        app.pop_screen()
        await pilot.pause()


#: (view key, panel key, the panel it must open, the action class of a form)
KEY_CASES = [
    ("1", "c", ActionForm, CreateShm),
    ("2", "c", ActionForm, CreateMsg),
    ("2", "m", ActionForm, MsgSend),
    ("2", "v", ActionForm, MsgReceive),
    ("2", "p", ActionForm, MsgPeek),
    ("4", "m", ActionForm, PosixMqSend),
    ("3", "V", ActionForm, SetAll),
    ("3", "e", ActionForm, SetPerms),
    ("3", "O", SemopBuilder, None),
    ("1", "a", ShmViewer, None),
    ("5", "a", ShmViewer, None),
    ("1", "x", ConfirmRemove, None),
    ("2", "delete", ConfirmRemove, None),
    ("6", "O", ActionMenu, None),
    ("1", "A", ActionMenu, None),
    ("1", "o", OperationsScreen, None),
]


async def test_keys_open_the_dialog_for_the_highlighted_object() -> None:
    app = make_app(runner=OperationRunner())
    async with app.run_test(size=SIZE) as pilot:
        shown = None
        for view, key, screen_type, action in sorted(KEY_CASES, key=lambda case: case[0]):
            if view != shown:  # switching views is the slow part: once per view
                await pilot.press(view)
                await pilot.pause()
                shown = view
            target = highlighted(app)
            assert target is not None
            await pilot.press(key)
            await pilot.pause()
            screen = app.screen
            assert isinstance(screen, screen_type), (view, key, screen)
            if action is not None:
                assert screen.action_class is action
                assert screen.target == (None if action.action.startswith("create") else target)
            if isinstance(screen, ConfirmRemove):
                assert screen.plan.expected == target
            if isinstance(screen, (ShmViewer, SemopBuilder)):
                assert screen.target == target
            await close(app, pilot)


async def test_setall_prefill_menus_and_palette_list_the_objects_actions() -> None:
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("3")
        target = highlighted(app)
        assert isinstance(target, SemSet) and target.semaphores
        await pilot.press("V")
        await pilot.pause()
        assert app.screen.fields()["values"] == ",".join(str(s.value) for s in target.semaphores)
        await close(app, pilot)
        await pilot.press("6", "O")
        await pilot.pause()
        assert [cls.action for cls in app.screen.actions] == ["psem-post", "psem-trywait", "psem-wait"]
        await pilot.press("down", "enter")  # picks sem_trywait: its form opens on the semaphore
        await pilot.pause()
        assert isinstance(app.screen, ActionForm) and app.screen.action_class.action == "psem-trywait"
        await close(app, pilot)
        await pilot.press("2", "A")
        await pilot.pause()
        listed = {cls.action for cls in app.screen.actions}
        assert listed == {cls.action for cls in actions_for("msg")} - {"create-msg"}
        await close(app, pilot)
        # the palette lists every action of the highlighted object
        await pilot.press("3")
        await pilot.pause()
        commands = {command.title: command for command in app.get_system_commands(app.screen)}
        for cls in actions_for("sem"):
            assert cls.title in commands, cls.title
        assert "Running operations" in commands
        commands["Set one semaphore (SETVAL)"].callback()
        await pilot.pause()
        assert isinstance(app.screen, ActionForm) and app.screen.action_class.action == "sem-setval"
        assert app.screen.target == highlighted(app)


async def test_keys_of_other_kinds_do_nothing_and_dialogs_keep_their_keys() -> None:
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("1")  # shm: no send, receive, peek, semop or set values
        await pilot.press("m", "v", "p", "O", "V")
        await pilot.pause()
        assert len(app.screen_stack) == 1
        await pilot.press("0", "c")  # the overview has no kind: nothing to create
        await pilot.pause()
        assert len(app.screen_stack) == 1
        await pilot.press("1", "x")
        await pilot.pause()
        assert isinstance(app.screen, ConfirmRemove)
        await pilot.press("x", "c", "o")  # app keys do not stack dialogs on a dialog
        await pilot.pause()
        assert len(app.screen_stack) == 2


async def test_read_only_hides_and_disables_every_changing_action() -> None:
    app = make_app(read_only=True)
    async with app.run_test(size=SIZE) as pilot:
        for view in ("1", "2", "3", "4", "5", "6"):
            await pilot.press(view)
            await pilot.pause()
            for action in PANEL_CHANGING:
                assert app.check_action(action, ()) is False, (view, action)
            shown = {binding.action for _, binding, enabled, _ in app.screen.active_bindings.values()
                     if enabled}
            assert not shown & PANEL_CHANGING
            await pilot.press("c", "m", "v", "O", "V", "e", "x", "delete")  # and the keys do nothing
            await pilot.pause()
            assert len(app.screen_stack) == 1, view
        await pilot.press("3")  # a semaphore set offers nothing that only reads: no A either
        await pilot.pause()
        assert app.check_action("all_actions", ()) is False
        # reading stays possible: the viewer opens, without write mode
        await pilot.press("1", "a")
        await pilot.pause()
        assert isinstance(app.screen, ShmViewer) and not app.screen.allow_write
        assert app.screen.check_action("write_mode", ()) is False
        await close(app, pilot)
        await pilot.press("2", "A")
        await pilot.pause()
        assert {cls.action for cls in app.screen.actions} == {"msg-peek"}
        await close(app, pilot)
        # nor does the palette offer them
        titles = [command.title for command in app.get_system_commands(app.screen)]
        assert "Peek at messages (MSG_COPY, nothing consumed)" in titles
        assert not [t for t in titles if t.startswith(("Create", "Remove", "Send", "Change"))]


# --------------------------------------------------------------------------- with real objects


def sysv_source():
    return lambda: take_snapshot(kinds=("shm", "msg", "sem"))


async def test_a_create_refreshes_the_table_and_selects_the_new_object() -> None:
    key = unique_key()
    app = IpcScopeApp(source=sysv_source(), poll=False, runner=OperationRunner())
    created = None
    try:
        async with app.run_test(size=SIZE) as pilot:
            await pilot.press("2", "c")
            await pilot.pause()
            form = app.screen
            form.set_field("key", hex(key))
            await pilot.pause()
            await pilot.press("ctrl+r")
            created = form.last_result.ident
            deadline = time.monotonic() + 10
            while app.snapshot.find(f"msg:{created}") is None:  # the refresh it asked for
                assert time.monotonic() < deadline
                await pilot.pause(0.05)
            await pilot.press("escape")  # closing the form selects it, after one more poll
            deadline = time.monotonic() + 10
            while app.kind_view("msg").table.cursor_key != f"msg:{created}":
                assert time.monotonic() < deadline, app.kind_view("msg").table.cursor_key
                await pilot.pause(0.05)
            assert highlighted(app).key == key
    finally:
        if created is not None:
            from ipcscope.core import msg

            msg.remove(created)


async def test_quitting_ends_a_blocked_operation_and_says_so(capfd) -> None:
    semid = sem.create(unique_key(), 1)
    runner = OperationRunner()
    try:
        app = IpcScopeApp(source=sysv_source(), poll=False, runner=runner)
        async with app.run_test(size=SIZE) as pilot:
            await pilot.press("3")
            await pilot.pause()
            assert highlighted(app).id == semid
            await pilot.press("O", "ctrl+r")  # semop(semid, {{0, -1, 0}}, 1): waits
            await pilot.pause()
            op = runner.active[0]
            deadline = time.monotonic() + 10
            while sem.getncnt(semid, 0) != 1:
                assert time.monotonic() < deadline
                await pilot.pause(0.02)
            started = time.monotonic()
            await pilot.press("q")
            await pilot.pause()
        assert time.monotonic() - started < 3.0
        assert not pid_exists(op.pid)  # ended and reaped
        assert runner.active == ()
        assert "ended 1 running operation(s)" in capfd.readouterr().err  # printed on exit
        assert sem.getncnt(semid, 0) == 0
    finally:
        runner.cancel_all()
        sem.remove(semid)

