"""The detail pane and the overview mounted alone (no app shell), fed with the demo snapshot."""

from __future__ import annotations

from dataclasses import replace

import pytest
from rich.console import Console
from textual.widgets import DataTable, Static

from ipcscope.core.constants import MSG_EXCEPT
from ipcscope.demo import DEMO_NOW, demo_snapshot
from ipcscope.model import Snapshot, Waiter
from ipcscope.ui.data.history import History
from ipcscope.ui.render.waits import STOPPED_NOTE
from ipcscope.ui.widgets.detail import DetailPane, peek_queue
from ipcscope.ui.widgets.overview import Overview
from tests.ui.detail_harness import DetailApp, FakePeek, OverviewApp


def visible_text(root) -> str:
    """The plain text of every displayed Static under `root`, as a wide terminal would show it."""
    console = Console(width=160, record=True, file=open("/dev/null", "w"))
    for static in root.query(Static):
        if static.display and static.parent.display:
            console.print(static.content)
    return console.export_text()


async def detail_text(row_key: str | None, **kw) -> str:
    app = DetailApp(row_key, **kw)
    async with app.run_test(size=(160, 60)) as pilot:
        await pilot.pause()
        return visible_text(app.query_one(DetailPane))


@pytest.mark.parametrize(("row_key", "facts"), [
    ("shm:3", ["Shared memory segment 3 · key 0x0000162e", "27 bytes", "2 (kernel nattch) · 2 processes",
               "4101 shm_server (root)", "4102 shm_client (root)", "4K resident · 0B swapped",
               "Attached processes (2)", "uid 0 (root) · gid 0 (root)", "cuid 0 (root) · cgid 0 (root)",
               "0666 rw-rw-rw-", "2026-11-22 02:49:48 UTC (12s ago)"]),
    ("shm:1", ["marked for destruction; freed at the last detach (original key 0x30bf698a)",
               "0x00000000 (IPC_RMID reset it; was 0x30bf698a)", "kernel mode 01600", "3412 ora_pmon",
               "3301 exited"]),
    ("shm:4", ["locked in memory (SHM_LOCK", "1M (1048576 bytes)", "renderer (alice)"]),
    ("msg:3", ["15000 / 16384 bytes (91.6%)", "messages 12", "4238 producer (root)",
               "Queued messages (12)", '"job-0000 render frame 0"…', "f0 f1 f2 f3",
               "msgsnd: sending type 1, 2000 bytes; the queue is full", "blocked for 1m 15s"]),
    ("msg:9", ["limit unknown (msg_qbytes needs read permission)", "last send never", "empty"]),
    ("sem:2", ["Semaphore set 2 · key 0x5e5e0001", "Semaphores (3)", "4410 exited", "4412 checker (root)",
               "Waiters (3)", "semop: sem 0: -1 (SEM_UNDO)  ◀ blocks", "thread 4420",
               "semop of 2 operations, all or none:", "blocked for 4m 12s"]),
    ("pmq:/jobs", ["POSIX message queue /jobs", "10 / 10 (100.0%)", "10 messages of at most 64 bytes",
                   "480 bytes (QSIZE)", "none (no process registered with mq_notify)", "Open by (1)"]),
    ("pmq:/events", ["4700 notifier (alice)", "SIGEV_SIGNAL: it gets signal 12 (SIGUSR2)",
                     "inode 16070 on device 0:20"]),
    ("pshm:/ring", ["POSIX shared memory /ring", "64K (65536 bytes)", "Mapped or open by (2)", "ring_writer"]),
    ("psem:/ring-lock", ["POSIX semaphore /ring-lock", "0 (sem_getvalue)", "futex wait", "Mapped by (2)"]),
])
async def test_each_kind_renders_its_key_facts(row_key: str, facts: list[str]) -> None:
    text = await detail_text(row_key)
    for fact in facts:
        assert fact in text, f"{fact!r} missing from {row_key}:\n{text}"


async def test_nothing_selected() -> None:
    text = await detail_text(None)
    assert "Nothing selected" in text
    assert "Permissions" not in text


async def test_removed_banner_and_greyed_state() -> None:
    app = DetailApp("sem:2", removed=True)
    async with app.run_test(size=(100, 40)) as pilot:
        await pilot.pause()
        pane = app.query_one(DetailPane)
        assert pane.has_class("-removed")
        banner = pane.query_one("#detail-banner", Static)
        assert banner.display and "REMOVED" in str(banner.content)
        assert "Semaphores (3)" in visible_text(pane)  # the last known state stays readable
        pane.show(app.snapshot.find("sem:2"), app.snapshot, now=DEMO_NOW, history=app.history)
        await pilot.pause()
        assert not pane.has_class("-removed") and not banner.display


async def test_unreadable_set_says_why_for_a_non_root_user() -> None:
    text = await detail_text("sem:49", snapshot=demo_snapshot(root=False))
    assert "values hidden: this set is not readable by alice; run as root or as its owner" in text


async def test_stopped_waiter_is_not_shown_as_waiting() -> None:
    text = await detail_text("sem:2")
    line = next(line for line in text.splitlines() if line.startswith("4419"))
    assert "STOPPED" in line and "waiting" not in line
    assert STOPPED_NOTE in text
    assert "semop: sem 2: wait for 0  ◀ blocks" in text


def with_receiver(msgtyp: int, msgflg: int) -> Snapshot:
    snap = demo_snapshot()
    scan = snap.processes
    receiver = Waiter(4350, 4350, "dispatcher", "msgrcv", uid=1000, user="alice", msgtyp=msgtyp,
                      msgflg=msgflg, since=DEMO_NOW - 240)
    return replace(snap, processes=replace(scan, waiters={**scan.waiters, "msg:7": (receiver,)}))


@pytest.mark.parametrize(("msgtyp", "msgflg", "wants", "matches"), [
    (5, 0, "waiting for a message of type 5", False),
    (5, MSG_EXCEPT, "waiting for a message of any type except 5", True),
    (-3, 0, "waiting for a message of type <= 3", True),
    (1, MSG_EXCEPT, "waiting for a message of any type except 1", True),
])
async def test_receiver_wants(msgtyp: int, msgflg: int, wants: str, matches: bool) -> None:
    text = await detail_text("msg:7", snapshot=with_receiver(msgtyp, msgflg))
    assert f"msgrcv: {wants}" in text
    assert ("no queued message matches (queued types: 1, 2)" in text) is not matches


async def test_peek_is_used_for_queues_and_only_when_they_change() -> None:
    peek = FakePeek()
    app = DetailApp("msg:7", peek=peek)
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.pause()
        pane = app.query_one(DetailPane)
        assert peek.calls == [7]
        text = visible_text(pane)
        assert '"hello dispatcher"' in text and "00 01 02 03 ff" in text
        assert "peeked with MSG_COPY: nothing consumed" in text
        queue = app.snapshot.find("msg:7")
        pane.show(queue, app.snapshot, now=DEMO_NOW + 1, history=app.history)
        assert peek.calls == [7]  # same queue state: no new syscall
        changed = replace(queue, qnum=3, cbytes=30)
        pane.show(changed, replace(app.snapshot, msg=(changed,)), now=DEMO_NOW + 2, history=app.history)
        assert peek.calls == [7, 7]
        pane.show(app.snapshot.find("shm:3"), app.snapshot, now=DEMO_NOW, history=app.history)
        assert peek.calls == [7, 7]  # other kinds are never peeked


async def test_unpeekable_queue_falls_back_to_the_probes_types() -> None:
    app = DetailApp("msg:7", peek=lambda msqid: [])
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.pause()
        text = visible_text(app.query_one(DetailPane))
    assert "types in queue order: 1 2" in text
    assert "contents not readable: peeking (MSG_COPY) needs read permission" in text
    assert "no queued message matches (queued types: 1, 2)" in text


async def test_default_peek_never_raises() -> None:
    assert peek_queue(2_000_000_000) == []  # no such queue (or no core yet): nothing, no error


async def test_without_a_process_scan() -> None:
    text = await detail_text("shm:3", snapshot=demo_snapshot(processes=False))
    assert "Attached processes: Process scan not available yet" in text
    assert "2 (kernel nattch) · processes: scan not available yet" in text
    text = await detail_text("sem:2", snapshot=demo_snapshot(processes=False))
    assert "Waiters: Process scan not available yet" in text


async def test_denied_processes_are_counted() -> None:
    text = await detail_text("sem:2", snapshot=demo_snapshot(root=False))
    assert "14 processes of other users were not inspected" in text
    snap = demo_snapshot()
    text = await detail_text("sem:2", snapshot=replace(snap, processes=replace(snap.processes, denied=3)))
    assert "3 process(es) could not be inspected" in text


async def test_sparklines_follow_the_history() -> None:
    text = await detail_text("msg:3")
    assert "3..12 over 20 polls" in text
    app = DetailApp("msg:3")
    app.history = History()
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.pause()
        assert "collecting…" in visible_text(app.query_one(DetailPane))


async def test_theme_change_rerenders_in_the_new_colours() -> None:
    app = DetailApp("msg:3")
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.pause()
        state = app.query_one("#detail-state", Static)
        before = state.content
        app.theme = "textual-light"
        await pilot.pause()
        assert state.content is not before


# --------------------------------------------------------------------------- overview


async def test_overview_limits_counts_and_totals() -> None:
    app = OverviewApp()
    async with app.run_test(size=(120, 50)) as pilot:
        await pilot.pause()
        limits = app.query_one("#overview-limits", DataTable)
        assert [str(k.value) for k in limits.rows] == ["MSGMNI", "SHMMNI", "SHMALL", "SEMMNI", "SEMMNS", "MQUMNI"]
        assert str(limits.get_cell("MQUMNI", "USE%")).endswith("25.0%")
        counts = app.query_one("#overview-counts", DataTable)
        assert str(counts.get_cell("shm", "OBJECTS")) == "5"
        assert str(counts.get_cell("all", "OBJECTS")) == "17"
        assert counts.get_cell("msg", "TOTALS") == "14.7K queued in 14 messages"
        assert counts.get_cell("sem", "TOTALS") == "7 semaphores"
        text = visible_text(app.query_one(Overview))
        assert "Per-object limits: MSGMAX 8K" in text and "No warnings." in text


async def test_overview_updates_in_place_and_colours_by_level() -> None:
    app = OverviewApp()
    async with app.run_test(size=(120, 50)) as pilot:
        await pilot.pause()
        overview = app.query_one(Overview)
        limits = app.query_one("#overview-limits", DataTable)
        snap = demo_snapshot(root=False)
        rows = tuple(replace(r, used=7) if r.resource == "MQUMNI" else r
                     for r in snap.limits.rows if r.resource != "SEMMNS")
        overview.update_snapshot(replace(snap, limits=replace(snap.limits, rows=rows), msg=()), now=DEMO_NOW)
        await pilot.pause()
        assert app.query_one("#overview-limits", DataTable) is limits
        assert "SEMMNS" not in limits.rows
        use = limits.get_cell("MQUMNI", "USE%")
        assert use.plain.endswith("87.5%")
        assert use.spans[0].style.color.name.lower() == app.theme_variables["warning"].lower()
        assert str(app.query_one("#overview-counts", DataTable).get_cell("msg", "OBJECTS")) == "0"
        text = visible_text(overview)
        assert "1 semaphore set is not readable by uid 1000" in text
        assert "14 processes of other users were not inspected" in text


async def test_overview_cuts_descriptions_only_when_narrow() -> None:
    app = OverviewApp()
    async with app.run_test(size=(160, 40)) as pilot:
        await pilot.pause()
        limits = app.query_one("#overview-limits", DataTable)
        assert limits.get_cell("SEMMNI", "DESCRIPTION") == "Number of semaphore identifiers"
        await pilot.resize_terminal(80, 24)
        await pilot.pause()
        assert limits.get_cell("SEMMNI", "DESCRIPTION") == "Number of semaphore ident…"


async def test_scroll_stays_on_refresh_and_resets_for_another_object() -> None:
    app = DetailApp("sem:2")
    async with app.run_test(size=(80, 20)) as pilot:
        await pilot.pause()
        pane = app.query_one(DetailPane)
        scroll = app.query_one("#detail-scroll")
        scroll.scroll_to(y=5, animate=False)
        await pilot.pause()
        pane.show(app.snapshot.find("sem:2"), app.snapshot, now=DEMO_NOW + 1, history=app.history)
        await pilot.pause()
        assert scroll.scroll_y == 5
        pane.show(app.snapshot.find("msg:3"), app.snapshot, now=DEMO_NOW + 1, history=app.history)
        await pilot.pause()
        assert scroll.scroll_y == 0
