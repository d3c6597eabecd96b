"""Pilot tests of the Channels view on the demo channels: sub-kinds, filters, jumps, live diffing."""

from __future__ import annotations

from dataclasses import replace

from ipcscope.demo import DEMO_NOW, demo_channels, demo_snapshot
from ipcscope.doctor import Finding
from ipcscope.model import ChannelEnd, ChannelScan, ObjectRef, Pipe, ProcessScan, Snapshot
from ipcscope.ui.app import IpcScopeApp
from ipcscope.ui.render.channel_texts import NOT_SCANNED
from ipcscope.ui.screens.help import HelpScreen
from ipcscope.ui.widgets.channel_detail import ChannelDetail
from ipcscope.ui.widgets.channel_table import ChannelTable
from ipcscope.ui.widgets.channels_view import SubkindBar
from ipcscope.ui.widgets.findings import FindingsView
from tests.ui.conftest import FakeClock, make_app
from tests.ui.test_app import palette_choose, push
from tests.ui.test_detail_pane import visible_text

SIZE = (160, 50)


def table(app: IpcScopeApp) -> ChannelTable:
    return app.query_one("#table-channels", ChannelTable)


def shown(app: IpcScopeApp) -> list[str]:
    t = table(app)
    return [t.coordinate_to_cell_key((row, 0)).row_key.value for row in range(t.row_count)]


def box_title(app: IpcScopeApp) -> str:
    return str(app.channels_view.query_one(".table-box").border_title)


def detail_text(app: IpcScopeApp) -> str:
    """The plain text of the detail pane's shown sections."""
    return visible_text(app.query_one(ChannelDetail))


def with_channels(snapshot: Snapshot, channels: ChannelScan | None) -> Snapshot:
    assert snapshot.processes is not None
    return replace(snapshot, processes=replace(snapshot.processes, channels=channels))


async def test_key_8_shows_every_channel_with_its_count_in_the_tab() -> None:
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("8")
        await pilot.pause()
        assert app.active_view == "channels"
        assert app.focused is table(app)
        assert len(shown(app)) == 11
        assert app.query_one("#views").get_tab("view-channels").label.plain == "8 Channels 11"
        assert box_title(app) == "Channels (11)"


async def test_t_steps_through_the_sub_kinds_then_back_to_all() -> None:
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("8", "t")
        assert shown(app) == ["pipe:31337", "pipe:31340", "pipe:31346"]
        await pilot.press("t")
        assert shown(app) == ["fifo:40010", "fifo:40020"]
        assert box_title(app) == "Channels · FIFOs · 2/11 shown"
        await pilot.press("t")
        assert shown(app) == ["unix:7001", "unix:7003", "unix:7025", "unix:7101"]
        await pilot.press("t")
        assert shown(app) == ["inet:9001", "inet:9002"]
        await pilot.press("t")
        assert len(shown(app)) == 11
        await pilot.press("t", "t", "T")
        assert len(shown(app)) == 11


async def test_clicking_a_sub_kind_picks_it() -> None:
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("8")
        await pilot.pause()
        bar = app.query_one(SubkindBar)
        x = str(bar.render()).index("UNIX")
        await pilot.click(SubkindBar, offset=(x + 1 + bar.styles.padding.left, 0))
        await pilot.pause()
        assert table(app).subkind == "unix"
        assert app.focused is table(app)


async def test_pid_filter_shows_every_channel_a_process_is_at_either_end_of() -> None:
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("8", "slash", *"pid:4860", "enter")
        await pilot.pause()
        assert shown(app) == ["pipe:31340", "unix:7001", "unix:7003"]
        await pilot.press("escape", "slash", *"pid:4840", "enter")  # blocked in open(): no fd yet
        await pilot.pause()
        assert shown(app) == ["fifo:40010"]
        await pilot.press("escape", "slash", *"logship", "enter")
        await pilot.pause()
        assert shown(app) == ["pipe:31340"]


async def test_a_finding_on_a_channel_jumps_to_its_row() -> None:
    """Either socket of a pair, and a FIFO by its path, land on the row that shows it; a sub-kind
    that hides the row is dropped."""
    app = make_app()
    findings = [Finding("socket-backlog-full", "warning", ObjectRef("unix", 7004), (4860,), "full"),
                Finding("pipe-full", "warning", ObjectRef("fifo", "/tmp/lab/fifo"), (), "by path")]
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("8", "t")  # pipes only
        view = app.query_one(FindingsView)
        view.update_findings(findings)
        await pilot.press("7", "enter")
        await pilot.pause()
        assert app.active_view == "channels"
        assert table(app).cursor_key == "unix:7003"
        assert table(app).subkind is None
        assert app.focused is table(app)
        await pilot.press("7", "down", "enter")
        await pilot.pause()
        assert table(app).cursor_key == "fifo:40020"


async def test_a_jump_to_a_channel_that_is_gone_says_so() -> None:
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        app.jump_to("pipe:1")
        await pilot.pause()
        assert app.active_view == "shm"


async def test_cursor_sort_and_rows_survive_new_scans() -> None:
    clock = FakeClock()
    app = make_app(clock=clock)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("8")
        t = table(app)
        t.move_to("unix:7003")
        t.sort_by("queued", reverse=True)
        await pilot.pause()
        order = shown(app)
        assert order[0] == "pipe:31340"  # full: the highest fill first
        # a new scan: a pipe appears, a FIFO goes, the UNIX pair's queue grows
        channels = demo_channels()
        unix = tuple(replace(s, queued=20000) if s.inode == 7004 else s for s in channels.unix)
        new_pipe = Pipe(30001, 15, ends=(ChannelEnd(4801, "wc", 5, "w"), ChannelEnd(4800, "pipeline", 6, "r")),
                        queued=0, capacity=65536)
        changed = replace(channels, pipes=(new_pipe, *channels.pipes), fifos=channels.fifos[:1], unix=unix)
        clock.advance(2)
        await push(app, pilot, with_channels(demo_snapshot(), changed))
        assert t.cursor_key == "unix:7003"
        assert (t.sort_column, t.sort_reverse) == ("queued", True)
        assert "pipe:30001" in shown(app) and "fifo:40020" in shown(app)  # new; gone but lingering
        assert t.selected()[0].queued == 20000
        clock.advance(5)
        app._expire()
        await pilot.pause()
        assert "fifo:40020" not in shown(app)
        assert t.cursor_key == "unix:7003"


async def test_the_same_scan_again_rebuilds_nothing() -> None:
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("8")
        snapshot = app.snapshot
        rows = app.channels_view._rows
        await push(app, pilot, replace(snapshot, taken_at=snapshot.taken_at + 1))
        assert app.channels_view._rows is rows


async def test_channels_not_scanned_yet_says_so() -> None:
    app = make_app(with_channels(demo_snapshot(), None))
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("8")
        await pilot.pause()
        assert table(app).row_count == 0
        assert str(app.channels_view.query_one(".empty").content) == NOT_SCANNED
        assert app.query_one("#views").get_tab("view-channels").label.plain == "8 Channels 0"


async def test_not_root_the_hidden_ends_are_counted_in_the_view() -> None:
    app = make_app(demo_snapshot(root=False))
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("8")
        await pilot.pause()
        notice = str(app.channels_view.query_one(".kind-notice").content)
        assert notice.startswith("4 descriptors of other users' processes could not be inspected")
        assert "pipe:31340" not in shown(app)
        table(app).move_to("unix:7003")
        await pilot.pause()
        assert "No receiving end is visible" in detail_text(app)


async def test_detail_shows_the_blocked_task_since_when_and_the_c_calls() -> None:
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("8")
        table(app).move_to("pipe:31340")
        await pilot.pause()
        text = detail_text(app)
        assert "Pipe 31340" in text and "64K of 64K (100.0%)" in text
        assert "4860 appd (root) · write() on fd 9 · blocked for 1m 35s" in text
        assert "pipe(fd);" in text
        table(app).move_to("unix:7001")
        await pilot.pause()
        text = detail_text(app)
        assert "UNIX stream listener /run/app.sock" in text and "listen(s, 1);" in text
        assert "The backlog is full" in text


async def test_palette_process_entry_includes_channels() -> None:
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        await palette_choose(pilot, "process 4860 appd")
        assert app.active_view == "channels"
        assert table(app).filter == "pid:4860"
        assert shown(app) == ["pipe:31340", "unix:7001", "unix:7003"]


async def test_palette_jumps_to_a_channel() -> None:
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        await palette_choose(pilot, "jump to fifo 40020")
        assert app.active_view == "channels"
        assert table(app).cursor_key == "fifo:40020"


async def test_help_lists_the_channel_keys() -> None:
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("question_mark")
        await pilot.pause()
        assert isinstance(app.screen, HelpScreen)
        sections = {section.title: section for section in app.key_sections()}
        assert [row.name for row in sections["Channels view"].rows] == ["Type", "All types", "mkfifo", "Write",
                                                                    "Read", "Remove"]
        assert any(row.name == "Channels" and row.keys == ("8",)
                   for row in sections["Everywhere"].rows)


def test_channels_of_a_scan_without_them_are_none() -> None:
    assert ProcessScan(DEMO_NOW).channels is None


async def test_a_stopped_task_is_said_to_be_stopped() -> None:
    channels = demo_channels()
    pipes = tuple(replace(p, blocked=tuple(replace(t, state="stopped") for t in p.blocked))
                  if p.inode == 31337 else p for p in channels.pipes)
    app = make_app(with_channels(demo_snapshot(), replace(channels, pipes=pipes)))
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("8")
        await pilot.pause()
        text = detail_text(app)
        assert "read() on fd 0 · STOPPED · stopped for 5m 0s" in text
