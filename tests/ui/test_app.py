"""Pilot tests of the app shell: views, filter, sort, pause, cursor stability, linger, help, palette."""

from __future__ import annotations

import time
from dataclasses import replace

import pytest
from textual.widgets import Input

from ipcscope.demo import DEMO_NOW, demo_snapshot
from ipcscope.model import ShmSegment, Snapshot
from ipcscope.ui import app as app_module
from ipcscope.ui.app import IpcScopeApp
from ipcscope.ui.data.sources import StaticSource
from ipcscope.ui.messages import SnapshotReady
from ipcscope.ui.screens.help import HelpScreen
from ipcscope.ui.widgets.kind_view import DetailScroll, FilterBar, KindView
from ipcscope.ui.widgets.object_table import ObjectTable
from ipcscope.ui.widgets.status import StatusHeader
from tests.ui.conftest import FakeClock, make_app

SIZE = (160, 50)


def table(app: IpcScopeApp, kind: str = "shm") -> ObjectTable:
    return app.query_one(f"#table-{kind}", ObjectTable)


def shown_keys(app: IpcScopeApp, kind: str = "shm") -> list[str]:
    t = table(app, kind)
    return [t.coordinate_to_cell_key((row, 0)).row_key.value for row in range(t.row_count)]


def segment(shmid: int, **fields) -> ShmSegment:
    base = dict(key=0x1C000000 + shmid, id=shmid, mode=0o600, uid=0, gid=0, cuid=0, cgid=0,
                owner="root", group="root", size=4096, cpid=100, nattch=0, ctime=DEMO_NOW - 60)
    return ShmSegment(**{**base, **fields})


def with_shm(snapshot: Snapshot, *add: ShmSegment, drop: tuple[int, ...] = ()) -> Snapshot:
    kept = tuple(s for s in snapshot.shm if s.id not in drop)
    return replace(snapshot, shm=kept + add)


async def push(app: IpcScopeApp, pilot, snapshot: Snapshot) -> None:
    """Deliver a snapshot the way the poll worker does."""
    app.post_message(SnapshotReady(snapshot))
    await pilot.pause()


# --------------------------------------------------------------------------- views


async def test_number_keys_switch_views_and_focus_the_table() -> None:
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        assert app.active_view == "shm"
        for key, view in [("2", "msg"), ("3", "sem"), ("4", "pmq"), ("5", "pshm"), ("6", "psem"),
                          ("1", "shm")]:
            await pilot.press(key)
            await pilot.pause()
            assert app.active_view == view
            assert app.focused is table(app, view)
        await pilot.press("0")
        assert app.active_view == "overview"
        await pilot.press("7")
        assert app.active_view == "findings"
        await pilot.press("2", "exclamation_mark")
        assert app.active_view == "findings"


async def test_clicking_a_tab_switches_view() -> None:
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        await pilot.click("#--content-tab-view-sem")
        await pilot.pause()
        assert app.active_view == "sem"
        assert app.focused is table(app, "sem")
        await pilot.click("#--content-tab-view-overview")
        assert app.active_view == "overview"


@pytest.mark.parametrize(("width", "first", "then"), [(160, "-wide", "-narrow"), (100, "-narrow", "-wide")])
async def test_breakpoint_class_is_set_from_the_start_and_follows_resizes(width: int, first: str,
                                                                          then: str) -> None:
    app = make_app()
    async with app.run_test(size=(width, 40)) as pilot:
        assert first in app.screen.classes and then not in app.screen.classes
        await pilot.resize_terminal(260 - width, 40)
        assert then in app.screen.classes and first not in app.screen.classes


def test_breakpoint_classes_pick_the_widest_that_fits() -> None:
    breakpoints = [(0, "-narrow"), (140, "-wide")]
    assert app_module.breakpoint_classes(139, breakpoints) == {"-wide": False, "-narrow": True}
    assert app_module.breakpoint_classes(140, breakpoints) == {"-wide": True, "-narrow": False}


async def test_tabs_show_counts() -> None:
    app = make_app()
    async with app.run_test(size=SIZE):
        tabs = app.query_one("#views")
        assert "5" in tabs.get_tab("view-shm").label.plain
        assert "3" in tabs.get_tab("view-msg").label.plain


# --------------------------------------------------------------------------- filter


async def test_filter_as_you_type_and_escape_clears() -> None:
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("slash")
        await pilot.pause()
        assert isinstance(app.focused, FilterBar)
        await pilot.press(*"ALICE")  # case-insensitive
        await pilot.pause()
        assert shown_keys(app) == ["shm:4", "shm:5"]
        box = app.query_one("#kind-shm .table-box")
        assert "2/5 shown" in str(box.border_title)
        await pilot.press("escape")
        assert shown_keys(app) == ["shm:1", "shm:2", "shm:3", "shm:4", "shm:5"]
        assert app.focused is table(app)
        assert not app.query_one("#kind-shm .filter-row").display


@pytest.mark.parametrize("text, expected", [
    ("deadbeef", ["shm:4"]),   # key
    ("0x0000162e", ["shm:3"]),  # key as ipcs prints it
    ("root", ["shm:1", "shm:2", "shm:3"]),  # owner
])
async def test_filter_matches_key_id_owner(text: str, expected: list[str]) -> None:
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("slash", *text, "enter")
        await pilot.pause()
        assert shown_keys(app) == expected
        assert app.focused is table(app)  # enter keeps the filter and goes back to the table
        await pilot.press("escape")  # escape in the table clears it
        assert len(shown_keys(app)) == 5


async def test_filter_by_name_and_empty_match_message() -> None:
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("4", "slash", *"job")
        await pilot.pause()
        assert shown_keys(app, "pmq") == ["pmq:/jobs"]
        await pilot.press(*"zzz")
        await pilot.pause()
        view = app.query_one("#kind-pmq", KindView)
        assert view.has_class("-empty")
        assert "Nothing matches" in str(view.query_one(".empty").render())


# --------------------------------------------------------------------------- sort


async def test_sort_key_cycles_and_reverses() -> None:
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        t = table(app)
        assert (t.sort_column, t.sort_reverse) == ("id", False)
        await pilot.press("s", "s")  # id -> perms -> owner
        assert t.sort_column == "owner"
        await pilot.press("s")
        assert t.sort_column == "size"
        assert shown_keys(app) == ["shm:3", "shm:1", "shm:5", "shm:4", "shm:2"]  # by bytes, not text
        await pilot.press("S")
        assert t.sort_reverse
        assert shown_keys(app) == ["shm:2", "shm:4", "shm:5", "shm:1", "shm:3"]
        assert "▼" in t.columns["size"].label.plain
        assert "SIZE ▼" in str(app.query_one("#kind-shm .table-box").border_subtitle)


async def test_clicking_a_header_sorts_and_again_reverses() -> None:
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        t = table(app)
        x = sum(c.get_render_width(t) for c in t.ordered_columns[:4]) + 2  # inside SIZE
        await pilot.click(t, offset=(x, 0))
        await pilot.pause()
        assert (t.sort_column, t.sort_reverse) == ("size", False)
        await pilot.click(t, offset=(x, 0))
        await pilot.pause()
        assert (t.sort_column, t.sort_reverse) == ("size", True)
        assert shown_keys(app)[0] == "shm:2"  # 64M first


async def test_unknown_values_sort_last_both_ways() -> None:
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("2")
        t = table(app, "msg")
        t.sort_by("use")
        await pilot.pause()
        assert shown_keys(app, "msg")[-1] == "msg:9"  # qbytes unknown
        t.sort_by("use")
        await pilot.pause()
        assert shown_keys(app, "msg") == ["msg:3", "msg:7", "msg:9"]


# --------------------------------------------------------------------------- live updates


async def test_cursor_stays_on_object_when_rows_are_inserted_above_and_sorted() -> None:
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        t = table(app)
        await pilot.press("j", "j", "j")
        assert t.cursor_key == "shm:4"
        snapshot = with_shm(demo_snapshot(), segment(0), segment(10 ** 6 + 1, size=1))
        await push(app, pilot, snapshot)
        assert shown_keys(app)[0] == "shm:0"
        assert t.cursor_key == "shm:4"
        await pilot.press("S")  # reverse: the object moves, the cursor follows it
        assert t.cursor_key == "shm:4"
        assert t.cursor_row == shown_keys(app).index("shm:4")


async def test_cursor_stays_when_a_row_above_is_removed() -> None:
    clock = FakeClock()
    app = make_app(clock=clock)
    async with app.run_test(size=SIZE) as pilot:
        t = table(app)
        await pilot.press("j", "j", "j")
        assert t.cursor_key == "shm:4"
        await push(app, pilot, with_shm(demo_snapshot(), drop=(1, 2)))
        clock.advance(ObjectTable.LINGER_SECONDS + 1)
        await push(app, pilot, with_shm(demo_snapshot(), drop=(1, 2)))
        assert shown_keys(app) == ["shm:3", "shm:4", "shm:5"]
        assert t.cursor_key == "shm:4"


async def test_new_rows_highlighted_then_plain() -> None:
    clock = FakeClock()
    app = make_app(clock=clock)
    async with app.run_test(size=SIZE) as pilot:
        t = table(app)
        new_style = t.get_component_rich_style("object-table--new")
        await push(app, pilot, with_shm(demo_snapshot(), segment(7)))
        assert new_style.bgcolor is not None
        assert t.get_cell("shm:7", "id").style.bgcolor == new_style.bgcolor
        assert t.get_cell("shm:3", "id").style.bgcolor is None  # the first load is not "new"
        clock.advance(ObjectTable.NEW_SECONDS + 0.1)
        await push(app, pilot, with_shm(demo_snapshot(), segment(7)))
        assert t.get_cell("shm:7", "id").style.bgcolor is None


async def test_removed_rows_linger_greyed_then_go() -> None:
    clock = FakeClock()
    app = make_app(clock=clock)
    async with app.run_test(size=SIZE) as pilot:
        t = table(app)
        gone = with_shm(demo_snapshot(), drop=(3,))
        await push(app, pilot, gone)
        assert "shm:3" in shown_keys(app)
        assert t.get_cell("shm:3", "id").style.strike
        assert t.total == 4
        assert "(4)" in str(app.query_one("#kind-shm .table-box").border_title)
        clock.advance(ObjectTable.LINGER_SECONDS - 1)
        await push(app, pilot, gone)
        assert "shm:3" in shown_keys(app)
        clock.advance(2)
        app._expire()  # what the expiry timer does when no poll comes first
        await pilot.pause()
        assert "shm:3" not in shown_keys(app)


async def test_detail_pane_follows_cursor_and_marks_removed(monkeypatch) -> None:
    calls: list[tuple[str | None, bool]] = []
    from ipcscope.ui.widgets.detail import DetailPane

    def record(self, obj, snapshot, *, now, history, removed=False):
        calls.append((obj.ref.row_key if obj is not None else None, removed))

    monkeypatch.setattr(DetailPane, "show", record)
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        assert calls[-1] == ("shm:1", False)
        await pilot.press("j")
        assert calls[-1] == ("shm:2", False)
        await push(app, pilot, with_shm(demo_snapshot(), drop=(2,)))
        assert calls[-1] == ("shm:2", True)


async def test_pause_freezes_the_table_and_resume_applies_the_latest() -> None:
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("space")
        assert app.paused
        header = app.query_one(StatusHeader)
        assert header.has_class("-paused")
        assert header.query_one("#paused").display
        await push(app, pilot, with_shm(demo_snapshot(), segment(7)))
        assert "shm:7" not in shown_keys(app)
        await pilot.press("space")
        await pilot.pause()
        assert not app.paused and not header.has_class("-paused")
        assert "shm:7" in shown_keys(app)


async def test_refresh_polls_the_source_and_steps_while_paused() -> None:
    app = make_app()
    source: StaticSource = app.source  # type: ignore[assignment]
    async with app.run_test(size=SIZE) as pilot:
        source.set(with_shm(demo_snapshot(), segment(7)))
        await pilot.press("r")
        await app.workers.wait_for_complete()
        await pilot.pause()
        assert "shm:7" in shown_keys(app)
        await pilot.press("space")
        source.set(with_shm(demo_snapshot(), segment(8)))
        await pilot.press("r")
        await app.workers.wait_for_complete()
        await pilot.pause()
        assert "shm:8" in shown_keys(app) and app.paused


async def test_interval_keys_are_bounded_and_shown() -> None:
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("plus")
        assert app.interval == 2
        await pilot.press(*["plus"] * 20)
        assert app.interval == app_module.INTERVAL_STEPS[-1]
        await pilot.press(*["minus"] * 20)
        assert app.interval == app_module.INTERVAL_STEPS[0]
        assert "0.25s" in str(app.query_one("#rate").render())


async def test_source_errors_are_notified_once_and_polling_goes_on() -> None:
    attempts = []

    def broken():
        attempts.append(1)
        raise OSError("probe exploded")

    messages = []
    app = IpcScopeApp(source=broken, clock=FakeClock(), poll=True, interval=0.25)
    app.notify = lambda message, **kw: messages.append(message)  # type: ignore[method-assign]
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause(0.8)
    assert len(attempts) >= 2
    assert len(messages) == 1 and "probe exploded" in messages[0]


# --------------------------------------------------------------------------- keys


async def test_enter_focuses_detail_and_escape_goes_back() -> None:
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("enter")
        assert isinstance(app.focused, DetailScroll)
        await pilot.press("escape")
        assert app.focused is table(app)


async def test_vim_keys_move() -> None:
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        t = table(app)
        await pilot.press("G")
        assert t.cursor_key == "shm:5"
        await pilot.press("k")
        assert t.cursor_key == "shm:4"
        await pilot.press("g")
        assert t.cursor_key == "shm:1"
        await pilot.press("down")
        assert t.cursor_key == "shm:2"


async def test_help_lists_every_binding() -> None:
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("question_mark")
        assert isinstance(app.screen, HelpScreen)
        rows = [row for section in app.screen.sections for row in section.rows]
        actions = {row.action for row in rows}
        for cls in (IpcScopeApp, KindView, ObjectTable, DetailScroll, FilterBar):
            for binding in cls.BINDINGS:
                assert binding.action in actions, (cls.__name__, binding.action)
        assert "scroll_top" in actions and "cursor_down" in actions  # DataTable's own keys too
        await pilot.press("escape")
        assert not isinstance(app.screen, HelpScreen)


async def palette_choose(pilot, search: str) -> None:
    """Open the command palette, type `search`, wait for its results and take the first."""
    await pilot.press("ctrl+p", *search)
    await pilot.pause(0.3)
    await pilot.press("enter")
    await pilot.pause()


async def test_palette_jumps_to_an_object_of_another_kind() -> None:
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        await palette_choose(pilot, "jump to sem 49")
        assert app.active_view == "sem"
        assert table(app, "sem").cursor_key == "sem:49"
        assert app.focused is table(app, "sem")


async def test_jump_clears_a_filter_that_hides_the_object() -> None:
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("slash", *"alice", "enter")
        app.jump_to("shm:3")
        await pilot.pause()
        assert table(app).cursor_key == "shm:3"
        assert table(app).filter == ""


async def test_palette_lists_actions() -> None:
    app = make_app()
    async with app.run_test(size=SIZE):
        titles = {command.title for command in app.get_system_commands(app.screen)}
        assert {"Pause", "Refresh", "Filter", "Sort", "Show POSIX message queues"} <= titles
        assert "Resume" not in titles  # not paused: only what can run now


async def test_palette_offers_filter_while_it_is_open() -> None:
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("1", "ctrl+p")
        await pilot.pause()
        assert len(app.screen_stack) == 2  # the palette is a screen of its own
        titles = {command.title for command in app.get_system_commands(app.screen_stack[0])}
        assert "Filter" in titles
        await pilot.press(*"filter")
        await pilot.pause(0.3)
        await pilot.press("enter")
        await pilot.pause()
        assert isinstance(app.focused, Input)


async def test_read_only_disables_changing_actions(monkeypatch) -> None:
    monkeypatch.setattr(app_module, "CHANGING_ACTIONS", frozenset({"remove"}))
    for read_only, allowed in ((True, False), (False, True)):
        app = make_app(read_only=read_only)
        async with app.run_test(size=SIZE):
            assert app.check_action("remove", ()) is allowed
            assert app.check_action("refresh", ()) is True


async def test_q_quits_within_a_second_while_a_poll_is_stuck() -> None:
    started = []

    def slow():
        started.append(time.monotonic())
        time.sleep(5)
        return demo_snapshot()

    app = IpcScopeApp(source=slow, clock=FakeClock(), poll=True)
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause(0.2)
        assert started, "the first poll should be in flight"
        t0 = time.monotonic()
        await pilot.press("q")
        await pilot.pause()
    # the run_test context has also shut the worker down here
    assert time.monotonic() - t0 < 1.0
    assert app.return_code == 0


async def test_new_rows_land_in_sort_order_both_ways() -> None:
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        t = table(app)
        await pilot.press("S")  # ID descending
        await push(app, pilot, with_shm(demo_snapshot(), segment(0), segment(100)))
        assert shown_keys(app) == ["shm:100", "shm:5", "shm:4", "shm:3", "shm:2", "shm:1", "shm:0"]
        await pilot.press("S")  # ascending again, then a row that belongs at the end
        await push(app, pilot, with_shm(demo_snapshot(), segment(0), segment(100), segment(101)))
        assert shown_keys(app)[-2:] == ["shm:100", "shm:101"] and shown_keys(app)[0] == "shm:0"
        assert t.sort_column == "id"


# --------------------------------------------------------------------------- findings


async def test_findings_view_lists_the_demo_findings_and_jumps_to_their_objects() -> None:
    from ipcscope.doctor import diagnose
    from ipcscope.ui.widgets.findings import FindingsView

    app = make_app()
    expected = diagnose(demo_snapshot(), now=DEMO_NOW)
    async with app.run_test(size=SIZE) as pilot:
        view = app.query_one(FindingsView)
        assert view.findings == expected
        label = app.query_one("#views").get_tab("view-findings").label.plain
        assert label == f"7 Findings {len(expected)}"
        await pilot.press("7")
        await pilot.pause()
        assert app.focused is view.table
        await pilot.press("down")
        target = view.current
        assert target is not None and target.object.kind in ("shm", "msg", "sem", "pmq", "pshm", "psem")
        await pilot.press("enter")
        await pilot.pause()
        kind = target.object.kind
        assert app.active_view == kind
        shown = table(app, kind)
        assert app.focused is shown
        row_key = shown.coordinate_to_cell_key(shown.cursor_coordinate).row_key.value
        assert row_key == target.object.row_key


# --------------------------------------------------------------------------- a process's objects


async def test_pid_filter_shows_what_a_process_holds_or_waits_on() -> None:
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("2", "slash", *"pid:4238", "enter")
        await pilot.pause()
        assert shown_keys(app, "msg") == ["msg:3"]  # producer 4238 is blocked sending to msg 3
        await pilot.press("1", "slash", *"pid:4101", "enter")
        await pilot.pause()
        assert shown_keys(app, "shm") == ["shm:3"]  # attached
        await pilot.press("escape")
        await pilot.press("slash", *"pid:999", "enter")
        await pilot.pause()
        assert shown_keys(app, "shm") == []


async def test_palette_process_entry_filters_every_view_it_touches() -> None:
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        await palette_choose(pilot, "process 4238")
        assert app.active_view == "msg"
        assert shown_keys(app, "msg") == ["msg:3"]
        assert table(app, "pmq").filter == "pid:4238" and shown_keys(app, "pmq") == ["pmq:/jobs"]
        assert table(app, "shm").filter == ""  # views with none of its objects are left alone
