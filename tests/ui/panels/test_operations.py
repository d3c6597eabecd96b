"""Blocking calls from a form go to the runner; the operations panel shows how they end."""

from __future__ import annotations

from ipcscope.actions import MsgReceive
from ipcscope.actions.lookup import find_object
from ipcscope.actions.runner import RunningOperation
from ipcscope.core import msg
from ipcscope.model import ObjectRef
from ipcscope.ui.panels.action_form import ActionForm
from ipcscope.ui.panels.operations import OperationsScreen, age_text, outcome_text
from tests.actions.support import blocked_syscalls, pid_exists
from tests.helpers import unique_key
from tests.ui.panels.harness import LIMITS, DialogApp, operation_cells, text_of, wait_for

SIZE = (120, 30)
MSGRCV = 70


async def test_a_waiting_msgrcv_from_a_form_completes_in_the_panel(runner) -> None:
    msqid = msg.create(unique_key())
    try:
        queue = find_object(ObjectRef("msg", msqid))
        app = DialogApp(lambda: ActionForm(MsgReceive, target=queue, runner=runner, limits=LIMITS))
        async with app.run_test(size=SIZE) as pilot:
            form = app.screen
            form.set_field("type", "5")
            await pilot.pause()
            assert text_of(form.query_one("#c-call")) == f"C msgrcv({msqid}, buf, 8192, 5, 0)"
            await pilot.press("ctrl+r")
            await pilot.pause()
            op = app.results[0]
            assert isinstance(op, RunningOperation) and app.screen is not form
            panel = OperationsScreen(runner, interval=0.05)
            await app.push_screen(panel)
            await wait_for(pilot, lambda: MSGRCV in blocked_syscalls(op.pid), what="helper in msgrcv")
            msg.send(msqid, 5, b"for you")
            await wait_for(pilot, lambda: runner.get(op.op_id).status == "done", what="received")
            await pilot.pause(0.1)
            row = operation_cells(panel, op)
            assert row[2] == "done" and row[5] == "message type 5, 7 bytes: 'for you'"
            assert msg.stat(msqid).lrpid == op.pid  # the kernel saw the helper receive it
            assert [m.operation.status for m in app.changed] == ["running", "done"]
            assert not panel.check_action("cancel_operation", ())
        await wait_for(pilot, lambda: not pid_exists(op.pid), what="reaped")
    finally:
        msg.remove(msqid)


async def test_a_failed_operation_shows_errno_and_explanation(runner) -> None:
    msqid = msg.create(unique_key())
    try:
        queue = find_object(ObjectRef("msg", msqid))
        app = DialogApp(lambda: ActionForm(MsgReceive, target=queue, runner=runner, limits=LIMITS))
        async with app.run_test(size=SIZE) as pilot:
            await pilot.press("ctrl+r")
            await pilot.pause()
            op = app.results[0]
            panel = OperationsScreen(runner, interval=0.05)
            await app.push_screen(panel)
            await wait_for(pilot, lambda: MSGRCV in blocked_syscalls(op.pid), what="helper in msgrcv")
            msg.remove(msqid)
            await wait_for(pilot, lambda: runner.get(op.op_id).status == "failed", what="EIDRM")
            await pilot.pause(0.1)
            assert operation_cells(panel, op)[5].startswith("EIDRM: ")
    finally:
        try:
            msg.remove(msqid)
        except OSError:
            pass


async def test_an_empty_panel_says_what_goes_there(runner) -> None:
    app = DialogApp(lambda: OperationsScreen(runner, interval=0))
    async with app.run_test(size=SIZE) as pilot:
        panel = app.screen
        assert panel.query_one("#operations-empty").display
        assert "in its own process" in text_of(panel.query_one("#operations-empty"))
        assert not panel.check_action("cancel_operation", ())
        await pilot.press("escape")
        assert app.results == [None]


def test_outcome_and_age_texts() -> None:
    from ipcscope.actions import SemOp
    from ipcscope.actions.results import Done
    from ipcscope.actions.runner import OperationError
    from ipcscope.model import SemOpSpec

    request = SemOp(id=3, ops=(SemOpSpec(0, -1, 0x1000),))
    base = RunningOperation(1, 4242, request, request.c_call(), started_at=100.0)
    assert outcome_text(base) == "waiting in the kernel" and age_text(base, 100.5) == "<1s"
    assert age_text(base, 172.0) == "1m 12s"
    held = RunningOperation(1, 4242, request, "", 100.0, status="holding")
    assert "holds its SEM_UNDO" in outcome_text(held)
    done = RunningOperation(1, 4242, request, "", 100.0, status="done", result=Done("semop", "ok"),
                            ended_at=103.0, undo_applied=True)
    assert outcome_text(done) == "ok; SEM_UNDO adjustments applied" and age_text(done, 999) == "3s"
    failed = RunningOperation(1, 4242, request, "", 100.0, status="failed",
                              error=OperationError("x", errno=43, errno_name="EIDRM", explanation="removed"))
    assert outcome_text(failed) == "EIDRM: removed"
