"""The semop builder on real semaphore sets: rows, bounds from the set, the live C call, a run
checked with the kernel, and a blocking semop handed to the runner, then cancelled from the
running-operations panel while the app keeps answering keys."""

from __future__ import annotations

import time
from dataclasses import replace

import pytest
from textual.widgets import Button, Checkbox, DataTable, Input

from ipcscope.actions import IPC_NOWAIT, SEM_UNDO
from ipcscope.actions.lookup import find_object
from ipcscope.actions.runner import RunningOperation
from ipcscope.core import sem
from ipcscope.model import ObjectRef, SemOpSpec
from ipcscope.ui.panels.operations import OperationsScreen
from ipcscope.ui.panels.semop_builder import SemopBuilder
from tests.actions.support import blocked_syscalls, pid_exists
from tests.helpers import unique_key
from tests.ui.panels.harness import LIMITS, DialogApp, operation_cells, text_of, wait_for

SIZE = (100, 36)
SEMTIMEDOP, SEMOP = 220, 65


@pytest.fixture
def semset():
    semid = sem.create(unique_key(), 3, values=[1, 0, 0])
    try:
        shown = find_object(ObjectRef("sem", semid))  # as the probe shows it: values included
        yield replace(shown, semaphores=sem.semaphores(semid))
    finally:
        try:
            sem.remove(semid)
        except OSError:
            pass


def c_call(builder: SemopBuilder) -> str:
    return text_of(builder.query_one("#c-call")).removeprefix("C ")


async def test_two_operations_run_atomically_and_the_kernel_shows_them(semset) -> None:
    ops = (SemOpSpec(0, -1, IPC_NOWAIT), SemOpSpec(2, 2, 0))
    app = DialogApp(lambda: SemopBuilder(semset, limits=LIMITS, ops=ops))
    async with app.run_test(size=SIZE) as pilot:
        builder = app.screen
        assert c_call(builder) == f"semop({semset.id}, {{{{0, -1, IPC_NOWAIT}}, {{2, +2, 0}}}}, 2)"
        assert "values when shown: [0]=1, [1]=0, [2]=0" in text_of(builder.query_one("#ops-head"))
        await pilot.click("#run")
        await pilot.pause()
        assert sem.getall(semset.id) == (0, 0, 2)
        assert text_of(builder.query_one("#outcome")) == f"semop on sem {semset.id} done"
        # again: semaphore 0 is now 0 and IPC_NOWAIT says do not wait -> EAGAIN, nothing applied
        await pilot.press("ctrl+r")
        await pilot.pause()
        assert text_of(builder.query_one("#outcome")).startswith("EAGAIN: ")
        assert sem.getall(semset.id) == (0, 0, 2)


async def test_rows_are_bounded_by_the_set_and_can_be_added_and_removed(semset) -> None:
    app = DialogApp(lambda: SemopBuilder(semset, limits=LIMITS))
    async with app.run_test(size=SIZE) as pilot:
        builder = app.screen
        assert len(builder.rows) == 1 and c_call(builder) == f"semop({semset.id}, {{{{0, -1, 0}}}}, 1)"
        row = await builder.add_operation()
        await pilot.pause()
        assert len(builder.rows) == 2 and app.focused is row.query_one(".op-num", Input)
        await pilot.press("ctrl+u", "3")
        await pilot.pause()
        assert text_of(row.query_one(".op-note")) == "semaphore 3 does not exist (the set has 3: numbers 0..2)"
        assert builder.query_one("#run", Button).disabled
        await pilot.press("ctrl+u", "x")
        await pilot.pause()
        assert text_of(row.query_one(".op-note")) == "semaphore number must be a number like 0"
        await pilot.press("ctrl+u", "1")
        row.query_one(".op-undo", Checkbox).value = True
        await pilot.pause()
        assert c_call(builder) == f"semop({semset.id}, {{{{0, -1, 0}}, {{1, +1, SEM_UNDO}}}}, 2)"
        await pilot.click(f"#{builder.rows[0].id} .op-remove")
        await pilot.pause()
        assert len(builder.rows) == 1
        assert c_call(builder) == f"semop({semset.id}, {{{{1, +1, SEM_UNDO}}}}, 1)"
        builder.query_one("#field-timeout", Input).value = "-2"
        await pilot.pause()
        assert "timeout must be between 0 and 86400" in text_of(builder.query_one("#form-problem"))


async def test_a_blocked_semop_goes_to_the_runner_and_is_cancelled_from_the_panel(semset, runner) -> None:
    app = DialogApp(lambda: SemopBuilder(semset, limits=LIMITS, runner=runner,
                                         ops=(SemOpSpec(1, -1, SEM_UNDO),)))
    async with app.run_test(size=SIZE) as pilot:
        builder = app.screen
        assert builder.query_one("#blocking-note").display
        assert str(builder.query_one("#run", Button).label) == "Start"
        started = time.monotonic()
        await pilot.click("#run")
        await pilot.pause()
        assert time.monotonic() - started < 1.0
        assert len(app.results) == 1 and isinstance(app.results[0], RunningOperation)
        op = app.results[0]
        assert [m.operation.op_id for m in app.changed] == [op.op_id]
        # the kernel sees a real waiter: the helper process sleeps in semop
        await wait_for(pilot, lambda: blocked_syscalls(op.pid) & {SEMTIMEDOP, SEMOP}, what="semop")
        await wait_for(pilot, lambda: sem.getncnt(semset.id, 1) == 1, what="semncnt")

        # the app answers keys while the operation blocks: the panel opens and closes on keys
        for _ in range(3):
            panel = OperationsScreen(runner, interval=0.05)
            await app.push_screen(panel)
            await pilot.pause()
            assert app.screen is panel
            before = time.monotonic()
            await pilot.press("escape")
            await pilot.pause()
            assert app.screen is not panel and time.monotonic() - before < 3
        panel = OperationsScreen(runner, interval=0.05)
        await app.push_screen(panel)
        await pilot.pause()
        table = panel.query_one(DataTable)
        assert table.row_count == 1
        row = operation_cells(panel, op)
        assert row[1] == str(op.pid) and row[2] == "running"
        assert row[4] == f"semop({semset.id}, {{{{1, -1, SEM_UNDO}}}}, 1)"
        await pilot.press("c")
        await wait_for(pilot, lambda: not pid_exists(op.pid), what="helper reaped")
        await pilot.pause(0.1)
        assert runner.get(op.op_id).status == "cancelled"
        assert operation_cells(panel, op)[2] == "cancelled"
        assert sem.getncnt(semset.id, 1) == 0 and sem.getall(semset.id) == (1, 0, 0)
        assert [m.operation.status for m in app.changed] == ["running", "cancelled"]


async def test_a_completed_sem_undo_is_held_and_released_on_cancel(semset, runner) -> None:
    app = DialogApp(lambda: SemopBuilder(semset, limits=LIMITS, runner=runner,
                                         ops=(SemOpSpec(0, -1, SEM_UNDO),)))
    async with app.run_test(size=SIZE) as pilot:
        await pilot.click("#run")
        await pilot.pause()
        op = app.results[0]
        panel = OperationsScreen(runner, interval=0.05)
        await app.push_screen(panel)
        await wait_for(pilot, lambda: runner.get(op.op_id).status == "holding", what="holding")
        await pilot.pause(0.1)
        assert sem.getval(semset.id, 0) == 0
        cells = operation_cells(panel, op)
        assert cells[2] == "holding" and "SEM_UNDO" in cells[5]
        await pilot.press("c")
        await wait_for(pilot, lambda: not pid_exists(op.pid), what="helper reaped")
        assert sem.getval(semset.id, 0) == 1  # the kernel undid the -1 as the helper exited
        await pilot.pause(0.1)
        cells = operation_cells(panel, op)
        assert cells[2] == "done" and cells[5].endswith("SEM_UNDO adjustments applied")
        await pilot.press("f")
        await pilot.pause()
        assert runner.operations == () and panel.query_one("#operations-empty").display
