"""The Labs screen and the lab panel: a real lab started, stepped and left from the keyboard; the
read-only refusal; and SVG snapshots of the screen and of one step (no processes started)."""

from __future__ import annotations

import os
import time
from pathlib import Path

import pytest

from ipcscope.labs import LabSession
from ipcscope.labs.runtime import RUNTIME_ENV
from ipcscope.ui.demo_app import demo_app
from ipcscope.ui.widgets.lab_panel import LabPanel
from tests.helpers import sysv_ids
from tests.labs.test_labs import object_exists
from tests.ui.conftest import make_app
from tests.ui.lab_demo import show_demo_step

LAB = "shm-server-client"


@pytest.fixture
def runtime(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> str:
    """A private lab state directory: other tests' (and helpers') sessions stay out of sight."""
    path = tmp_path / "runtime"
    path.mkdir(mode=0o700)
    monkeypatch.setenv(RUNTIME_ENV, str(path))
    return str(path)


async def wait_for(pilot, predicate, timeout: float = 15.0) -> None:
    deadline = time.monotonic() + timeout
    while not predicate():
        notes = [n.message for n in pilot.app._notifications]
        assert time.monotonic() < deadline, f"timed out: lab {pilot.app.lab_session} busy {pilot.app.lab_busy} {notes}"
        await pilot.pause(0.05)


def gone(pid: int) -> bool:
    return not os.path.exists(f"/proc/{pid}")


def recorded(session: LabSession):
    return list(session.context._state_file.state.objects)  # what stop() removes, by id/name


def panel_text(app) -> str:
    panel = app.query_one(LabPanel)
    return " ".join(str(static.render()) for static in panel.query("Static"))


async def test_start_step_and_leave_a_lab(runtime: str) -> None:
    app = make_app()
    sessions: list[LabSession] = []
    app.lab_session_factory = lambda name: sessions.append(LabSession(name, runtime=runtime)) or sessions[-1]
    async with app.run_test(size=(160, 50)) as pilot:
        try:
            await pilot.press("l")
            await pilot.pause()
            await pilot.press("enter")  # the first lab: shm-server-client
            await wait_for(pilot, lambda: app.lab_session is not None and app.lab_busy is None)
            session = sessions[0]
            assert session.lab.name == LAB and session.index == 0
            assert "step 1/" in panel_text(app)
            assert app.active_view == "shm"
            # The server creates the segment on its own time: the panel's checks resolve its id.
            await wait_for(pilot, lambda: all(object_exists(record) for record in recorded(session)))
            objects = recorded(session)
            assert objects
            pids = [process.pid for process in session.processes()]
            assert pids

            await pilot.press("n")
            await wait_for(pilot, lambda: session.index == 1 and app.lab_busy is None)
            assert "step 2/" in panel_text(app)
            pids += [p.pid for p in session.processes() if p.pid not in pids]

            await pilot.press("escape")
            await wait_for(pilot, lambda: app.lab_session is None)
            assert not app.query(LabPanel)
            assert not any(object_exists(record) for record in objects)
            assert all(gone(pid) for pid in pids)
        finally:
            for session in sessions:
                session.stop()


async def test_quitting_stops_the_lab(runtime: str) -> None:
    app = make_app(lab=LAB)
    sessions: list[LabSession] = []
    app.lab_session_factory = lambda name: sessions.append(LabSession(name, runtime=runtime)) or sessions[-1]
    try:
        async with app.run_test(size=(120, 40)) as pilot:
            await wait_for(pilot, lambda: app.lab_session is not None and app.lab_busy is None)
            await wait_for(pilot, lambda: all(object_exists(record) for record in recorded(sessions[0])))
            objects = recorded(sessions[0])
            pids = [process.pid for process in sessions[0].processes()]
            await pilot.press("q")
        assert objects and not any(object_exists(record) for record in objects)
        assert pids and all(gone(pid) for pid in pids)
    finally:
        for session in sessions:
            session.stop()


async def test_read_only_refuses_labs() -> None:
    app = make_app(read_only=True)
    app.lab_session_factory = lambda name: pytest.fail("no session may start under --read-only")
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.press("l")
        await pilot.pause()
        await pilot.press("enter")
        await pilot.pause()
        assert app.lab_session is None
        assert any("read-only" in n.message for n in app._notifications)


# --------------------------------------------------------------------------- snapshots


def test_labs_screen(snap_compare) -> None:
    assert snap_compare(demo_app(read_only=False), press=["l"], terminal_size=(120, 40))


def test_lab_step_panel(snap_compare) -> None:
    async def show_step(pilot) -> None:
        await show_demo_step(pilot.app)
        await pilot.pause()

    assert snap_compare(demo_app(), run_before=show_step, terminal_size=(160, 50))


async def test_app_start_cleans_up_a_stale_lab_with_a_notice(runtime: str) -> None:
    from ipcscope.core import shm
    from ipcscope.labs.runtime import ObjectRecord, SessionState, StateFile
    from ipcscope.ui.app import IpcScopeApp
    from tests.helpers import unique_key
    from tests.labs.test_labs import _dead_pid

    key = unique_key()
    shmid = shm.create(key, 64, exclusive=True)
    try:
        dead = _dead_pid()
        state = SessionState(lab="producer-consumer", owner_pid=dead, owner_start_time=1,
                             ipc_namespace=os.readlink("/proc/self/ns/ipc"), log_dir="", started_at=0,
                             objects=(ObjectRecord("ring", "shm", key=key, ident=shmid),))
        StateFile(os.path.join(runtime, f"lab-{dead}.json"), state).save(state)
        app = IpcScopeApp(poll=False)  # the live source: not --demo, so stale labs are cleaned
        async with app.run_test(size=(120, 40)) as pilot:
            await wait_for(pilot, lambda: any("producer-consumer" in n.message for n in app._notifications))
        assert ("shm", shmid) not in sysv_ids()
    finally:
        if ("shm", shmid) in sysv_ids():
            shm.remove(shmid)


def test_lab_run_opens_the_app_in_the_lab(monkeypatch: pytest.MonkeyPatch) -> None:
    import argparse

    from ipcscope.cli import lab_cmd
    from ipcscope.ui.app import IpcScopeApp

    opened: list[tuple[str | None, bool]] = []
    monkeypatch.setattr(IpcScopeApp, "run", lambda self: opened.append((self._initial_lab, self.read_only)))
    args = argparse.Namespace(name="deadlock", auto=False, read_only=False, interval=1.0, step_timeout=10.0)
    assert lab_cmd.run_lab(args) == 0
    assert opened == [("deadlock", False)]
