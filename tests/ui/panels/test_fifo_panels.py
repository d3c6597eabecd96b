"""The FIFO panels on the Channels view, on real FIFOs in a private directory (removed afterwards):
the keys open the right panel for the FIFO under the cursor and nothing on other rows, writes and
reads run (blocking ones in a helper process), removal confirms and unlinks, --read-only hides all."""

from __future__ import annotations

import os
from dataclasses import replace

import pytest

from ipcscope.actions import FifoRead, FifoWrite, MakeFifo
from ipcscope.actions.runner import RunningOperation
from ipcscope.core import fifo
from ipcscope.demo import demo_snapshot
from ipcscope.model import ChannelEnd, ChannelScan, Fifo, Pipe
from ipcscope.ui.app import IpcScopeApp
from ipcscope.ui.app_channels import CHANNEL_CHANGING
from ipcscope.ui.panels.action_form import ActionForm
from ipcscope.ui.panels.confirm_fifo_remove import ConfirmFifoRemove
from tests.fifo_helpers import nonblocking_reader, temp_fifo_dir
from tests.ui.conftest import make_app

SIZE = (120, 36)


@pytest.fixture
def fifo_dir():
    with temp_fifo_dir() as path:
        yield path


@pytest.fixture
def made(fifo_dir):
    path = fifo_dir / "panel.fifo"
    fifo.mkfifo(str(path))
    return path


def scan_with(path, *, ends=()) -> object:
    """The demo snapshot whose channel scan shows a pipe and the FIFO at `path` (as it is on disk)."""
    st = os.stat(path)
    shown = Fifo(str(path), st.st_ino, st.st_dev, ends=ends, queued=0)
    pipe = Pipe(77, 15, ends=(ChannelEnd(4801, "wc", 4, "w"), ChannelEnd(4801, "wc", 0, "r")), queued=0)
    snapshot = demo_snapshot()
    return replace(snapshot, processes=replace(snapshot.processes, channels=ChannelScan(pipes=(pipe,),
                                                                                         fifos=(shown,))))


async def on_fifo(app: IpcScopeApp, pilot, path) -> None:
    await pilot.press("8")
    await pilot.pause()
    assert app.channels_view.table.move_to(f"fifo:{path}")
    await pilot.pause()


async def close(app: IpcScopeApp, pilot) -> None:
    while len(app.screen_stack) > 1:
        app.pop_screen()
        await pilot.pause()


async def test_the_keys_open_the_panels_for_the_fifo_and_nothing_on_a_pipe(made, runner) -> None:
    app = make_app(scan_with(made), runner=runner)
    async with app.run_test(size=SIZE) as pilot:
        await on_fifo(app, pilot, made)
        for key, cls in (("w", FifoWrite), ("v", FifoRead), ("c", MakeFifo)):
            await pilot.press(key)
            await pilot.pause()
            assert isinstance(app.screen, ActionForm) and app.screen.action_class is cls, key
            assert app.screen.target == (None if cls is MakeFifo else app.highlighted_fifo())
            await close(app, pilot)
        await pilot.press("x")
        await pilot.pause()
        assert isinstance(app.screen, ConfirmFifoRemove)
        await close(app, pilot)
        app.channels_view.table.move_to("pipe:77")
        await pilot.pause()
        for action in ("fifo_write", "fifo_read", "fifo_remove"):
            assert app.check_action(action, ()) is None  # shown, dimmed: not a FIFO
        assert app.check_action("fifo_create", ()) is True
        await pilot.press("w", "v", "x")
        await pilot.pause()
        assert len(app.screen_stack) == 1  # ipcscope never writes into a process's pipe


async def test_a_write_without_a_reader_says_enxio_then_works_with_one(made, runner) -> None:
    app = make_app(scan_with(made), runner=runner)
    async with app.run_test(size=SIZE) as pilot:
        await on_fifo(app, pilot, made)
        await pilot.press("w", *"hello")
        await pilot.pause()
        form = app.screen
        assert str(form.query_one("#c-call").content).endswith(
            f'fd = open("{made}", O_WRONLY|O_NONBLOCK); write(fd, "hello", 5)')
        await pilot.press("ctrl+r")
        await pilot.pause()
        outcome = str(form.query_one("#outcome").content)
        assert "ENXIO" in outcome and "nobody has the FIFO open for reading" in outcome
        held = nonblocking_reader(made)
        try:
            await pilot.press("ctrl+r")
            await pilot.pause()
            assert "wrote 5 bytes" in str(form.query_one("#outcome").content)
            await close(app, pilot)
            await pilot.press("v", "ctrl+r")
            await pilot.pause()
            assert "read 5 bytes" in str(app.screen.query_one("#outcome").content)
        finally:
            os.close(held)


async def test_a_read_that_waits_goes_to_a_helper_process(made, runner) -> None:
    app = make_app(scan_with(made), runner=runner)
    results = []
    async with app.run_test(size=SIZE) as pilot:
        await on_fifo(app, pilot, made)
        await pilot.press("v")
        await pilot.pause()
        app.screen.set_field("timeout", "")
        await pilot.pause()
        assert "O_NONBLOCK" not in str(app.screen.query_one("#c-call").content)
        app.screen.dismiss = lambda result=None: results.append(result) or None  # type: ignore[method-assign]
        await pilot.press("ctrl+r")
        await pilot.pause()
        assert results and isinstance(results[0], RunningOperation)
        op = runner.get(results[0].op_id)
        assert op is not None and op.status == "running"
        assert runner.cancel(op).status == "cancelled"


async def test_mkfifo_from_the_panel_creates_it(fifo_dir, runner) -> None:
    path = fifo_dir / "new.fifo"
    app = make_app(scan_with(_any_fifo(fifo_dir)), runner=runner)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("8", "c")
        await pilot.pause()
        app.screen.set_field("path", str(path))
        await pilot.pause()
        assert str(app.screen.query_one("#c-call").content).endswith(f'mkfifo("{path}", 0600)')
        await pilot.press("ctrl+r")
        await pilot.pause()
        assert app.screen.last_result.ident == str(path)
    assert fifo.stat(str(path)).st_mode & 0o170000 == 0o010000


def _any_fifo(fifo_dir):
    other = fifo_dir / "other.fifo"
    fifo.mkfifo(str(other))
    return other


async def test_remove_names_who_has_it_open_and_unlinks_it(made, runner) -> None:
    ends = (ChannelEnd(4801, "wc", 5, "r"),)
    app = make_app(scan_with(made, ends=ends), runner=runner)
    async with app.run_test(size=SIZE) as pilot:
        await on_fifo(app, pilot, made)
        await pilot.press("x")
        await pilot.pause()
        dialog = app.screen
        assert isinstance(dialog, ConfirmFifoRemove)
        assert "pid 4801 wc (fd 5, r)" in dialog.plan.text
        assert app.focused.id == "cancel"
        await pilot.click("#remove")
        await pilot.pause()
        assert len(app.screen_stack) == 1
    assert not made.exists()


async def test_remove_of_a_replaced_fifo_removes_nothing(made, runner) -> None:
    app = make_app(scan_with(made), runner=runner)
    async with app.run_test(size=SIZE) as pilot:
        await on_fifo(app, pilot, made)
        fifo.mkfifo(str(made) + ".new")
        os.rename(str(made) + ".new", made)
        await pilot.press("x")
        await pilot.pause()
        await pilot.click("#remove")
        await pilot.pause()
        assert "Nothing was removed" in str(app.screen.query_one("#remove-outcome").content)
    assert made.exists()


async def test_read_only_hides_every_fifo_key(made) -> None:
    app = make_app(scan_with(made), read_only=True)
    async with app.run_test(size=SIZE) as pilot:
        await on_fifo(app, pilot, made)
        for action in CHANNEL_CHANGING:
            assert app.check_action(action, ()) is False
        shown = {binding.action for _, binding, enabled, _ in app.screen.active_bindings.values() if enabled}
        assert not shown & CHANNEL_CHANGING
        await pilot.press("c", "w", "v", "x")
        await pilot.pause()
        assert len(app.screen_stack) == 1
        titles = [command.title for command in app.get_system_commands(app.screen)]
        assert "mkfifo" not in titles and "Write" not in titles


async def test_the_fifo_keys_live_on_the_channels_view_only(made, runner) -> None:
    app = make_app(scan_with(made), runner=runner)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("1")
        await pilot.pause()
        for action in CHANNEL_CHANGING:
            assert app.check_action(action, ()) is False
        await pilot.press("c")
        await pilot.pause()
        assert app.screen.action_class.action == "create-shm"  # the object view's create
