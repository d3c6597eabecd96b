"""The namespace picker (`n`), the All namespaces view with its NS column, and the default that
stays ipcscope's own namespace: Pilot tests and SVG snapshots on the demo's two containers."""

from __future__ import annotations

import pytest

from ipcscope.demo import DEMO_DB_NS, DEMO_HOST_NS
from ipcscope.ui.app import IpcScopeApp
from ipcscope.ui.demo_app import demo_app
from ipcscope.ui.screens.help import HelpScreen
from ipcscope.ui.screens.namespaces import NamespacePicker
from ipcscope.ui.widgets.object_table import ObjectTable

SIZE = (160, 50)


def rows(app: IpcScopeApp, kind: str) -> list[str]:
    table = app.kind_view(kind).table  # a hidden view catches up when asked, not every poll
    return [table.coordinate_to_cell_key((row, 0)).row_key.value for row in range(table.row_count)]


def header(app: IpcScopeApp) -> str:
    return str(app.query_one("#where").render())


async def open_picker(pilot) -> NamespacePicker:
    await pilot.press("n")
    for _ in range(50):  # the census runs in a worker
        await pilot.pause(0.02)
        if isinstance(pilot.app.screen, NamespacePicker):
            return pilot.app.screen
    raise AssertionError("the picker did not open")


async def test_the_default_is_own_namespace_and_picking_all_adds_the_ns_column() -> None:
    app = demo_app(namespaces=True)
    async with app.run_test(size=SIZE) as pilot:
        assert "shm:3" in rows(app, "shm") and "All namespaces" not in header(app)
        picker = await open_picker(pilot)
        listed = [picker.query_one("OptionList").get_option_at_index(i).id
                  for i in range(picker.query_one("OptionList").option_count)]
        assert listed == ["all", "own", str(DEMO_DB_NS), "4026532190"]
        await pilot.press("up", "enter")
        await pilot.pause()
        assert "All namespaces (3)" in header(app)
        table = app.query_one("#table-shm", ObjectTable)
        assert [column.key for column in table.spec][:2] == ["ns", "key"]
        keys = rows(app, "shm")
        assert f"shm:3@{DEMO_HOST_NS}" in keys and f"shm:3@{DEMO_DB_NS}" in keys  # the same id twice
        assert not table._born and not table._gone  # a new view: nothing flashes or lingers
        findings = app.query_one("#findings").query_one("#findings-table")
        assert findings.row_count == 14  # the host's thirteen and the container's stuck semaphore

        await open_picker(pilot)
        await pilot.press("down", "enter")  # back to ipcscope's own
        await pilot.pause()
        assert "shm:3" in rows(app, "shm") and [c.key for c in table.spec][0] == "key"
        assert "All namespaces" not in header(app)


async def test_one_container_alone_names_it_in_the_header() -> None:
    app = demo_app(ns="docker:3f2a9c1b7e4d")
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        assert f"ipc:[{DEMO_DB_NS}] (docker:3f2a9c1b7e4d)" in header(app)
        assert rows(app, "sem") == [f"sem:2@{DEMO_DB_NS}"]
        table = app.query_one("#table-sem", ObjectTable)
        assert [column.key for column in table.spec][0] == "key"  # one namespace: no NS column


async def test_the_key_is_listed_where_there_are_namespaces() -> None:
    for app, listed in ((demo_app(namespaces=True), True), (demo_app(), False)):
        async with app.run_test(size=SIZE) as pilot:
            await pilot.press("question_mark")
            assert isinstance(app.screen, HelpScreen)
            actions = {row.action for section in app.screen.sections for row in section.rows}
            assert ("namespaces" in actions) is listed


async def test_a_lab_keeps_n_for_its_next_step() -> None:
    app = demo_app(namespaces=True)
    async with app.run_test(size=SIZE):
        bindings = app._bindings.key_to_bindings["n"]
        assert [b.action for b in bindings] == ["lab_next", "namespaces"]


async def test_filter_by_container_name_in_all_view() -> None:
    app = demo_app(ns="all")
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("3", "slash", *"docker", "enter")
        await pilot.pause()
        assert rows(app, "sem") == [f"sem:2@{DEMO_DB_NS}"]


@pytest.mark.parametrize("size", [(80, 24), (160, 50)], ids=["80x24", "160x50"])
def test_picker_snapshot(snap_compare, size) -> None:
    async def run_before(pilot) -> None:
        await open_picker(pilot)

    assert snap_compare(demo_app(namespaces=True), run_before=run_before, terminal_size=size)


@pytest.mark.parametrize("view", ["1", "3", "7"])
def test_all_namespaces_snapshot(snap_compare, view) -> None:
    assert snap_compare(demo_app(ns="all"), press=[view], terminal_size=(160, 50))


async def test_actions_on_a_containers_object_run_in_its_namespace() -> None:
    """The panels' runner for a container's object joins its namespace; ipcscope's own objects
    keep the plain runner; creating while one container alone is shown creates there."""
    from ipcscope.actions.runner import InNamespace

    app = demo_app(ns="all")
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        snapshot = app.snapshot
        assert snapshot is not None
        theirs = snapshot.find(f"shm:3@{DEMO_DB_NS}")
        ours = snapshot.find(f"shm:3@{DEMO_HOST_NS}")
        runner = app.runner_for(theirs)
        assert isinstance(runner, InNamespace) and runner.where.inode == DEMO_DB_NS
        assert app.runner_for(ours) is app.runner
        assert app.runner_for(None) is app.runner  # creating in All namespaces: here
    app = demo_app(ns="docker:3f2a9c1b7e4d")
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        runner = app.runner_for(None)
        assert isinstance(runner, InNamespace) and runner.where.inode == DEMO_DB_NS
