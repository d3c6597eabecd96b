"""The ipcscope Textual app: the live shell around the per-kind views.

Polling follows memray's and harlequin's shape: a timer only *requests* a poll; one thread worker
calls the source and posts SnapshotReady; the UI thread applies it. A tick that finds a poll still
running is skipped, so slow scans never pile up, and the worker never blocks quitting (see
sources.call_abandonable).

To add a key: a Binding with an id on the widget where it acts, plus its `action_*` method. The
help screen and the command palette pick it up from the bindings. An action that changes IPC
objects must also be listed in CHANGING_ACTIONS so `--read-only` disables it. The action panels'
keys (create, send, semop, remove, ...) come from the base class, ipcscope.ui.app_panels.
"""

from __future__ import annotations

import gc
import time
from collections.abc import Callable, Iterable
from functools import partial
from typing import ClassVar, TypeVar

from textual import on, work
from textual.app import App, ComposeResult, SystemCommand
from textual.binding import Binding, BindingType
from textual.reactive import reactive
from textual.screen import Screen
from textual.timer import Timer
from textual.widgets import Input, TabbedContent, TabPane
from textual.worker import Worker, WorkerState, get_current_worker

from ipcscope.actions.runner import OperationRunner
from ipcscope.model import CHANNEL_KINDS, KINDS, Snapshot
from ipcscope.probe.procinfo import ProcessInfo
from ipcscope.ui.app_channels import CHANNEL_ACTIONS, CHANNEL_BINDINGS, CHANNEL_CHANGING, AppChannels
from ipcscope.ui.app_labs import LAB_ACTIONS, LAB_BINDINGS, AppLabs
from ipcscope.ui.app_namespaces import NAMESPACE_ACTIONS, NAMESPACE_BINDINGS, AppNamespaces
from ipcscope.ui.app_panels import (
    PANEL_ACTIONS,
    PANEL_BINDINGS,
    PANEL_CHANGING,
    AppPanels,
)
from ipcscope.ui.commands import JumpProvider
from ipcscope.ui.data.channel_rows import RowCache
from ipcscope.ui.data.findings_feed import FindingsFeed
from ipcscope.ui.data.history import History
from ipcscope.ui.data.sources import (
    LiveSource,
    ScanningSource,
    ScanResult,
    SnapshotSource,
    call_abandonable,
    view_generation,
    with_scan,
)
from ipcscope.ui.messages import ScanReady, SnapshotReady
from ipcscope.ui.render.keys import KeyRow, KeySection, key_rows, table_bindings
from ipcscope.ui.render.texts import global_notice, hidden_details
from ipcscope.ui.screens.help import HelpScreen
from ipcscope.ui.shell import Shell
from ipcscope.ui.widgets.channels_view import ChannelsView
from ipcscope.ui.widgets.detail import Peek
from ipcscope.ui.widgets.findings import FindingsView
from ipcscope.ui.widgets.footer import SteadyFooter
from ipcscope.ui.widgets.kind_view import DetailScroll, FilterBar, KindView
from ipcscope.ui.widgets.object_table import ObjectTable
from ipcscope.ui.widgets.overview import Overview
from ipcscope.ui.widgets.status import Notice, StatusHeader

#: Short tab names, numbered like the keys that select them.
VIEW_LABELS: dict[str, str] = {
    "overview": "Overview", "shm": "shm", "msg": "msg", "sem": "sem",
    "pmq": "mq", "pshm": "pshm", "psem": "psem", "findings": "Findings", "channels": "Channels",
}
VIEWS: tuple[str, ...] = ("overview", *KINDS, "findings", "channels")
#: Below this width the full tab labels do not fit in one row, and a cut label misleads
#: ("7 Findings 1" for 13): the tabs then drop their object counts and "Channels" is "Chan".
FULL_TAB_LABELS_WIDTH = 100
COMPACT_LABELS: dict[str, str] = {"channels": "Chan"}

#: The intervals `+` and `-` step through (seconds).
INTERVAL_STEPS: tuple[float, ...] = (0.25, 0.5, 1, 2, 3, 5, 10, 30, 60)

#: The process scan runs at most this often (seconds): it walks every process, the tables do not.
MIN_SCAN_INTERVAL = 2.0

#: Tables smaller than this are cheap to collect: no gc.freeze() (see _freeze_long_lived).
FREEZE_FROM_ROWS = 1000

#: With nothing changed, the diagnosis runs this often (seconds): its durations and the stuck
#: threshold follow the clock, so it cannot be skipped for good; a changed snapshot runs it at once.
DIAGNOSE_EVERY = 5.0

#: Seconds after the first applied snapshot when the hidden tables are built once (see apply_snapshot).
WARM_AFTER = 1.0

_V = TypeVar("_V", bound=KindView)

#: Actions that change IPC objects or FIFOs: disabled (and hidden) under --read-only.
CHANGING_ACTIONS: frozenset[str] = PANEL_CHANGING | CHANNEL_CHANGING


def breakpoint_classes(width: int, breakpoints: Iterable[tuple[int, str]]) -> dict[str, bool]:
    """The screen classes Textual sets for `width`: the class of the widest breakpoint that fits."""
    ordered = sorted(breakpoints, reverse=True)
    chosen = next((name for start, name in ordered if width >= start), None)
    return {name: name == chosen for _start, name in ordered}


class IpcScopeApp(AppNamespaces, AppLabs, AppChannels, AppPanels):
    """Live view of the System V and POSIX IPC objects of this IPC namespace."""

    TITLE = "ipcscope"
    CSS_PATH: ClassVar = ["app.tcss", "detail.tcss", "findings.tcss", "labs.tcss", "channels.tcss"]
    COMMANDS = App.COMMANDS | {JumpProvider}
    AUTO_FOCUS = "#table-shm"  # the initial view's table, so keys work from the first frame
    HORIZONTAL_BREAKPOINTS = [(0, "-narrow"), (140, "-wide")]

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("q", "quit", "Quit", id="app.quit"),
        Binding("question_mark,f1", "help", "Help", tooltip="Show every key", id="app.help"),
        # Priority: handled before the keys typed right after it are routed, so they reach the
        # filter; check_action lets "/" through to an Input that has focus (POSIX names).
        Binding("slash", "filter", "Filter", priority=True, id="app.filter",
                tooltip="Filter by key, id, name or owner; pid:N: what process N holds or waits on"),
        Binding("space", "pause", "Pause", tooltip="Stop applying new snapshots", id="app.pause"),
        Binding("space", "resume", "Resume", tooltip="Apply snapshots again", id="app.resume"),
        Binding("r", "refresh", "Refresh", tooltip="Poll now (while paused: one step)", id="app.refresh"),
        Binding("plus,equals_sign", "slower", "Slower", show=False,
                tooltip="Longer refresh interval", id="app.slower"),
        Binding("minus", "faster", "Faster", show=False, tooltip="Shorter refresh interval",
                id="app.faster"),
        Binding("0", "view('overview')", "Overview", show=False, tooltip="Show the overview: limits, usage, totals",
                id="app.view.overview"),
        Binding("1", "view('shm')", "shm", show=False, tooltip="Show System V shared memory", id="app.view.shm"),
        Binding("2", "view('msg')", "msg", show=False, tooltip="Show System V message queues", id="app.view.msg"),
        Binding("3", "view('sem')", "sem", show=False, tooltip="Show System V semaphore sets", id="app.view.sem"),
        Binding("4", "view('pmq')", "mq", show=False, tooltip="Show POSIX message queues", id="app.view.pmq"),
        Binding("5", "view('pshm')", "pshm", show=False, tooltip="Show POSIX shared memory", id="app.view.pshm"),
        Binding("6", "view('psem')", "psem", show=False, tooltip="Show POSIX named semaphores",
                id="app.view.psem"),
        Binding("7,exclamation_mark", "view('findings')", "Findings", show=False,
                tooltip="Show findings: what is stuck and why", id="app.view.findings"),
        Binding("8", "view('channels')", "Channels", show=False,
                tooltip="Show pipes, FIFOs and sockets between processes", id="app.view.channels"),
        *LAB_BINDINGS,
        # Last, so the footer lists the shell's keys first (the FIFO keys, only on the Channels
        # view, before the panels' running operations).
        *CHANNEL_BINDINGS,
        *PANEL_BINDINGS,
    ]

    paused: reactive[bool] = reactive(False, bindings=True)
    """True while new snapshots are received but not applied."""

    interval: reactive[float] = reactive(1.0, init=False)
    """Seconds between polls."""

    def __init__(self, *, interval: float = 1.0, read_only: bool = False,
                 source: SnapshotSource | None = None, clock: Callable[[], float] = time.time,
                 poll: bool = True, process_info: ProcessInfo | None = None,
                 peek: Peek | None = None, lab: str | None = None,
                 runner: OperationRunner | None = None, ns: str | None = None) -> None:
        """`process_info` (PID -> name) and `peek` (msqid -> queued messages) go to the detail
        panes; tests and --demo inject fixed ones so no live process or queue is ever asked.
        `lab`: a teaching lab to start at once (`ipcscope lab run NAME`).
        `runner` runs the calls that can block, in helper processes (one is made if not given).
        `ns`: the IPC namespaces to show first, as `--ns` names them (default: ipcscope's own)."""
        super().__init__(runner=runner)
        self.shell: Shell = self  # what the panels and labs mixins ask of the app
        self._init_labs(lab)
        self._process_info = process_info
        self._peek = peek
        self.set_reactive(IpcScopeApp.interval, interval)
        self.read_only = read_only
        self.source: SnapshotSource = source if source is not None else LiveSource(clock, ns=ns)
        self.clock = clock
        self.poll_enabled = poll
        self.history = History()
        #: the snapshot shown, and the newest one received (differs while paused)
        self.snapshot: Snapshot | None = None
        self.latest: Snapshot | None = None
        self._timer: Timer | None = None
        self._expiry_timer: Timer | None = None
        self._poll_worker: Worker | None = None
        self._poll_again = False
        self._step = False
        self._last_error = ""
        self._frozen_rows = 0
        self._findings_feed = FindingsFeed()
        #: the count each tab shows (None: no count), to relabel the tabs when the width changes
        self._tab_counts: dict[str, int | None] = {}
        self._scan_timer: Timer | None = None
        self._scan_worker: Worker | None = None
        self._scan: ScanResult | None = None
        #: the channel rows of the latest scan, built in the scan worker's thread
        self._channel_rows = RowCache()
        #: the snapshot each table view (by widget id) shows: the hidden ones fall behind
        self._view_snapshot: dict[str, Snapshot] = {}
        #: what the views show (see _fingerprint): an equal snapshot is not applied again
        self._shown_fingerprint: tuple[object, ...] | None = None
        #: when the findings were last diagnosed (clock time)
        self._diagnosed_at = float("-inf")
        self._warmed = False

    # ------------------------------------------------------------------ layout

    def compose(self) -> ComposeResult:
        # The breakpoint class now, before any widget gets its styles. Textual adds it on the
        # screen's first resize, and a class change on the screen restyles every widget of it:
        # a third of the CSS work of a start.
        self.screen.update_classes(breakpoint_classes(self.size.width, self.HORIZONTAL_BREAKPOINTS),
                                   update=False)
        yield StatusHeader(id="status")
        yield Notice(id="notice")
        with TabbedContent(id="views", initial="view-shm"):
            with TabPane(self._tab_label("overview", None), id="view-overview"):
                yield Overview(id="overview")
            for kind in KINDS:
                with TabPane(self._tab_label(kind, 0), id=f"view-{kind}"):
                    yield KindView(kind, id=f"kind-{kind}", process_info=self._process_info,
                                   peek=self._peek)
            with TabPane(self._tab_label("findings", None), id="view-findings"):
                yield FindingsView(id="findings")
            with TabPane(self._tab_label("channels", 0), id="view-channels"):
                yield ChannelsView(id="channels", process_info=self._process_info, rows=self._channel_rows)
        yield SteadyFooter()

    def on_mount(self) -> None:
        self.query_one(Notice).say(None)
        self._show_header()
        if self.poll_enabled:
            self._restart_timer()
            self.request_poll()
            self._restart_scan_timer()
        else:
            # Tests, --demo and screenshots: the source is instant, so the first frame has data.
            self.apply_snapshot(self.source())
        self._mount_labs()

    def _tab_label(self, view: str, count: int | None) -> str:
        number = VIEWS.index(view)
        if self.size.width < FULL_TAB_LABELS_WIDTH:
            label = f"[b]{number}[/b] {COMPACT_LABELS.get(view, VIEW_LABELS[view])}"
            return f"{label} [dim]{count}[/dim]" if view == "findings" and count is not None else label
        label = f"[b]{number}[/b] {VIEW_LABELS[view]}"
        return label if count is None else f"{label} [dim]{count}[/dim]"

    def _count_in_tab(self, view: str, count: int | None) -> None:
        """Show `count` in the view's tab (kept, so a resize can relabel the tabs)."""
        self._tab_counts[view] = count
        tab = self.query_one(TabbedContent).get_tab(f"view-{view}")
        label = self._tab_label(view, count)
        if tab.label.markup != label:
            tab.label = label

    def on_resize(self) -> None:
        for view, count in self._tab_counts.items():
            self._count_in_tab(view, count)

    @property
    def active_view(self) -> str:
        """"overview", a kind ("shm" ...) or "findings"; "" before the views are mounted."""
        tabs = self.query_one_optional(TabbedContent) if self.is_running else None
        return tabs.active.removeprefix("view-") if tabs is not None else ""

    def kind_view(self, kind: str) -> KindView:
        """The kind's view, brought up to date first (hidden views skip polls, see apply_snapshot)."""
        return self._up_to_date(self.query_one(f"#kind-{kind}", KindView))

    @property
    def channels_view(self) -> ChannelsView:
        return self._up_to_date(self.query_one(ChannelsView))

    def _raw_views(self) -> list[KindView]:
        """Every view with a table as it is (possibly behind): one per kind, then the channels."""
        return [*(self.query_one(f"#kind-{kind}", KindView) for kind in KINDS), self.query_one(ChannelsView)]

    def _table_views(self) -> list[KindView]:
        """The views with a table that show the current snapshot (the others catch up when asked)."""
        return [view for view in self._raw_views() if self._view_snapshot.get(view.id or "") is self.snapshot]

    def _up_to_date(self, view: _V) -> _V:
        """`view` showing the snapshot shown now: a hidden view is not refreshed per poll (its
        table's diff costs as much as the shown one's), so whoever looks at it makes it catch up."""
        snapshot = self.snapshot
        if snapshot is not None and self._view_snapshot.get(view.id or "") is not snapshot:
            self._view_snapshot[view.id or ""] = snapshot
            view.apply(snapshot, self.clock(), self.history)
            self._count_in_tab(view.id.removeprefix("kind-") if view.id else "", view.table.total)
        return view

    def _active_kind_view(self) -> KindView | None:
        """The shown view with a table (a kind's, or the channels'), or None."""
        view = self.active_view
        if view == "channels":
            return self.channels_view
        return self.kind_view(view) if view in KINDS else None

    # ------------------------------------------------------------------ polling

    def request_poll(self) -> None:
        """Ask for a snapshot; if one is being taken, ask again when it is done (never two at once)."""
        if self._poll_worker is not None and not self._poll_worker.is_finished:
            self._poll_again = True
            return
        self._poll_worker = self._poll()

    @work(thread=True, exclusive=True, group="poll", exit_on_error=False, description="poll source")
    def _poll(self) -> None:
        worker = get_current_worker()
        generation = view_generation(self.source)  # another namespace chosen: drop it
        snapshot = call_abandonable(self.source, lambda: worker.is_cancelled)
        if snapshot is not None and not worker.is_cancelled and generation == view_generation(self.source):
            self.post_message(SnapshotReady(snapshot))

    @on(Worker.StateChanged)
    def _poll_finished(self, event: Worker.StateChanged) -> None:
        if event.worker.group != "poll" or not event.worker.is_finished:
            return
        if event.state == WorkerState.ERROR:
            message = f"Could not take a snapshot: {event.worker.error}"
            if message != self._last_error:  # once per distinct error, not every second
                self.notify(message, severity="error", timeout=8)
            self._last_error = message
        elif event.state == WorkerState.SUCCESS:
            self._last_error = ""
        if self._poll_again and self.is_running:
            self._poll_again = False
            self.request_poll()

    def on_snapshot_ready(self, message: SnapshotReady) -> None:
        if not self.is_running:  # a worker's last message, delivered while the app shuts down
            return
        self.latest = with_scan(message.snapshot, self._scan)
        if self._scan is None and self._scan_timer is not None:
            self.request_scan()  # the first scan needs the first object snapshot
        if self.paused and not self._step:
            return
        self._step = False
        self.apply_snapshot(self.latest)

    def _restart_timer(self) -> None:
        if self._timer is not None:
            self._timer.stop()
        self._timer = self.set_interval(self.interval, self.request_poll, name="poll")

    # ------------------------------------------------------------------ process scan

    def _restart_scan_timer(self) -> None:
        """Scan on its own, slower cadence, only for a source that can scan."""
        if self._scan_timer is not None:
            self._scan_timer.stop()
            self._scan_timer = None
        if isinstance(self.source, ScanningSource):
            self._scan_timer = self.set_interval(max(self.interval, MIN_SCAN_INTERVAL), self.request_scan,
                                                 name="scan")

    def request_scan(self) -> None:
        """Scan processes against the newest snapshot, unless a scan is still running."""
        if self.latest is None or (self._scan_worker is not None and not self._scan_worker.is_finished):
            return
        self._scan_worker = self._run_scan(self.latest)

    @work(thread=True, exclusive=True, group="scan", exit_on_error=False, description="scan processes")
    def _run_scan(self, snapshot: Snapshot) -> None:
        worker = get_current_worker()
        source = self.source
        assert isinstance(source, ScanningSource)  # the scan timer runs only for such a source
        generation = view_generation(source)
        result = call_abandonable(lambda: source.scan_processes(snapshot), lambda: worker.is_cancelled)
        if result is not None and not worker.is_cancelled and generation == view_generation(self.source):
            if result.processes is not None and result.processes.channels is not None:
                self._channel_rows.rows(result.processes.channels)  # here, not on the UI thread
            self.post_message(ScanReady(result))

    def forget_scan(self) -> None:
        self._scan = None

    def on_scan_ready(self, message: ScanReady) -> None:
        if not self.is_running:
            return
        first = self._scan is None
        self._scan = message.result
        if first:
            self.request_poll()  # show holders and findings now, not a poll later

    # ------------------------------------------------------------------ applying a snapshot

    def apply_snapshot(self, snapshot: Snapshot) -> None:
        """Show `snapshot` everywhere, as a difference to what is shown."""
        now = self.clock()
        self.history.record(snapshot)
        fingerprint = self._fingerprint(snapshot)
        if fingerprint == self._shown_fingerprint and self.snapshot is not None:
            # Nothing the views draw changed (the tables' times are the kernel's, not ours):
            # only the diagnosis, whose messages and thresholds follow the clock, may.
            self._show_findings(self.snapshot, now, changed=False)
            self.panels_snapshot_applied()  # a created object asked for may already be shown
            return
        self._shown_fingerprint = fingerprint
        self.snapshot = snapshot
        active = self.active_view
        with self.batch_update():
            self.namespaces_before_apply(snapshot)
            self._show_header()
            self.query_one(Notice).say(global_notice(snapshot), wrap=False)
            # Only the shown table follows each poll; the others catch up when shown or asked
            # (kind_view, channels_view), and their tabs count from the snapshot meanwhile.
            for view in self._raw_views():
                name = view.id.removeprefix("kind-") if view.id else ""
                if name == active:
                    self._view_snapshot[view.id or ""] = snapshot
                    view.apply(snapshot, now, self.history)
                    self._count_in_tab(name, view.table.total)
                elif name in KINDS:
                    self._count_in_tab(name, len(snapshot.objects(name)))
                else:
                    self._count_in_tab(name, self._channel_count(snapshot))
            if active == "overview":  # hidden, it would only cost time; updated when shown
                self.query_one(Overview).update_snapshot(snapshot, now=now)
            self._show_findings(snapshot, now)
        self._schedule_expiry(now)
        if not self._warmed and self.poll_enabled:
            # Once, after the first frame: build the hidden tables, so that the first switch to a
            # view diffs what changed instead of adding thousands of rows while the user waits.
            self._warmed = True
            self.set_timer(WARM_AFTER, self._warm_hidden_views, name="warm views")
        self._freeze_long_lived(self._row_total())
        self.panels_snapshot_applied()

    def _fingerprint(self, snapshot: Snapshot) -> tuple[object, ...]:
        """What the views show of `snapshot`, to compare with ==: everything but `taken_at`; the
        process scan by identity (a new scan is a new object, and comparing scans costs more
        than applying them); the namespace choice, since the same data can be shown another way."""
        return (*(snapshot.objects(kind) for kind in KINDS), snapshot.limits, snapshot.environment,
                snapshot.mqueue_source, snapshot.warnings, id(snapshot.processes), snapshot.namespaces,
                view_generation(self.source))

    def _warm_hidden_views(self) -> None:
        with self.batch_update():
            for view in self._raw_views():
                self._up_to_date(view)
        self._freeze_long_lived(self._row_total())

    def _channel_count(self, snapshot: Snapshot) -> int:
        """What the Channels tab counts, without building its table: the rows of the scan."""
        scan = snapshot.processes
        channels = scan.channels if scan is not None else None
        return len(self._channel_rows.rows(channels)) if channels is not None else 0

    def _show_findings(self, snapshot: Snapshot, now: float, *, changed: bool = True) -> None:
        """Diagnose (at once when the snapshot changed, else every DIAGNOSE_EVERY seconds: only
        durations and the stuck threshold move then) and count in the tab."""
        if not changed and now - self._diagnosed_at < DIAGNOSE_EVERY:
            return
        self._diagnosed_at = now
        update = self._findings_feed.update(snapshot, now)
        if update is None:
            return
        findings, notes = update
        self.query_one(FindingsView).update_findings(findings, notes=notes)
        self._count_in_tab("findings", len(findings))

    @on(FindingsView.JumpToObject)
    def _jump_to_finding(self, message: FindingsView.JumpToObject) -> None:
        self.jump_to(message.ref.row_key)

    def _row_total(self) -> int:
        return sum(view.table.row_count for view in self._table_views())

    def _freeze_long_lived(self, rows: int) -> None:
        """Move what is alive now (widgets, table rows) out of the garbage collector's sight.

        With thousands of rows, every full collection walks hundreds of thousands of long-lived
        objects (200 ms at 5,000 rows), and each poll's fresh objects trigger one every few polls:
        a periodic stutter. gc.freeze() after the table has grown (the first load, then each
        doubling) leaves the collector only the young objects. The cost is that a frozen object
        which later becomes cyclic garbage is never freed; table cells and model objects hold no
        cycles, and a freeze happens only a few times per session.
        """
        if rows >= max(2 * self._frozen_rows, FREEZE_FROM_ROWS):
            gc.collect()
            gc.freeze()
            self._frozen_rows = rows

    def _schedule_expiry(self, now: float) -> None:
        """Highlights and lingering rows must end on time even if the next poll is far away."""
        delays = [d for view in self._table_views() if (d := view.table.next_expiry(now)) is not None]
        if self._expiry_timer is not None:
            self._expiry_timer.stop()
            self._expiry_timer = None
        if delays:
            self._expiry_timer = self.set_timer(min(delays) + 0.05, self._expire, name="expiry")

    def _expire(self) -> None:
        if self.paused:
            return
        now = self.clock()
        with self.batch_update():
            for view in self._table_views():
                view.expire(now)
        self._schedule_expiry(now)

    def _show_header(self) -> None:
        environment = self.snapshot.environment if self.snapshot is not None else None
        self.query_one(StatusHeader).show(environment, interval=self.interval, paused=self.paused,
                                          read_only=self.read_only, namespace=self.namespace_label())

    # ------------------------------------------------------------------ actions

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action in LAB_ACTIONS:
            return self.lab_action_allowed(action)
        if action in NAMESPACE_ACTIONS:
            return self.namespaces_available()
        if action in CHANGING_ACTIONS and self.read_only:
            return False
        if action in CHANNEL_ACTIONS:
            return self.check_channel_action(action)
        allowed = self.check_panel_action(action)
        if allowed is not True:
            return allowed
        if action == "filter":
            return (len(self.screen_stack) == 1 and not isinstance(self.focused, Input)
                    and self._active_kind_view() is not None)
        if action == "pause":
            return not self.paused
        if action == "resume":
            return self.paused
        return True

    def action_pause(self) -> None:
        self.paused = True

    def action_resume(self) -> None:
        self.paused = False
        if self.latest is not None and self.latest is not self.snapshot:
            self.apply_snapshot(self.latest)

    def watch_paused(self, paused: bool) -> None:
        self._show_header()

    def action_refresh(self) -> None:
        self._step = self.paused
        if self._timer is not None:
            self._timer.reset()
        self.request_poll()

    def action_slower(self) -> None:
        self.interval = next((s for s in INTERVAL_STEPS if s > self.interval), self.interval)

    def action_faster(self) -> None:
        self.interval = next((s for s in reversed(INTERVAL_STEPS) if s < self.interval), self.interval)

    def watch_interval(self, interval: float) -> None:
        if self._timer is not None:
            self._restart_timer()
        if self._scan_timer is not None:
            self._restart_scan_timer()
        self._show_header()

    def action_view(self, view: str) -> None:
        if view in KINDS or view == "channels":
            self._view_with_table(view)  # catches up before it is drawn
        self.query_one(TabbedContent).active = f"view-{view}"
        self._focus_active_view()

    def action_filter(self) -> None:
        view = self._active_kind_view()
        if view is not None:
            view.action_filter()

    def action_help(self) -> None:
        if not isinstance(self.screen, HelpScreen):
            hidden = hidden_details(self.snapshot) if self.snapshot is not None else ()
            self.push_screen(HelpScreen(self.key_sections(), hidden))

    def jump_to(self, row_key: str) -> None:
        """Show the object `row_key` ("shm:3"): its view, its row (clearing a filter that hides it)."""
        kind = row_key.split(":", 1)[0]
        if kind in CHANNEL_KINDS:
            self._jump_to_channel(row_key)
            return
        if kind not in KINDS:
            return
        view = self.kind_view(kind)
        if not view.table.has_object(row_key):
            self.notify(f"{row_key} is gone.", severity="warning")
            return
        self.action_view(kind)
        if not view.table.move_to(row_key):
            view.clear_filter()
            view.table.move_to(row_key)
        view.focus_table()

    def _jump_to_channel(self, row_key: str) -> None:
        """The channel's row in the Channels view (clearing a filter or sub-kind that hides it)."""
        view = self.channels_view
        table = view.table
        if not table.has_object(row_key):
            self.notify(f"{row_key} is not among the channels now.", severity="warning")
            return
        self.action_view("channels")
        if not table.move_to(row_key):
            if not table.shows_subkind(row_key):
                view.set_subkind(None)
            if not table.move_to(row_key):
                view.clear_filter()
                table.move_to(row_key)
        view.focus_table()

    def shows(self, row_key: str) -> bool:
        """Whether an object or channel `row_key` is in its view now."""
        kind = row_key.split(":", 1)[0]
        if kind in CHANNEL_KINDS:
            return self.channels_view.table.has_object(row_key)
        return kind in KINDS and self.kind_view(kind).table.has_object(row_key)

    def show_process(self, pid: int) -> None:
        """Filter every view holding one of `pid`'s objects to "pid:N"; show the first of them."""
        from ipcscope.ui.commands import process_objects

        keys = process_objects(self.snapshot.processes if self.snapshot else None).get(pid, ("", []))[1]
        views = list(dict.fromkeys(
            "channels" if kind in CHANNEL_KINDS else kind for kind in (key.split(":", 1)[0] for key in keys)))
        if not views:
            self.notify(f"Process {pid} holds and waits on nothing now.", severity="warning")
            return
        for view in views:
            if view == "channels":
                self.channels_view.set_subkind(None)
            self._view_with_table(view).set_filter(f"pid:{pid}")
        self.action_view(views[0])

    def _view_with_table(self, view: str) -> KindView:
        return self.channels_view if view == "channels" else self.kind_view(view)

    @on(TabbedContent.TabActivated)
    def _tab_activated(self, event: TabbedContent.TabActivated) -> None:
        view = self._active_kind_view()
        if view is not None:
            view.refresh_detail()
        elif self.active_view == "overview" and self.snapshot is not None:
            self.query_one(Overview).update_snapshot(self.snapshot, now=self.clock())
        self.call_after_refresh(self._focus_active_view)

    def _focus_active_view(self) -> None:
        view = self._active_kind_view()
        if view is not None and not view.has_focus_within:
            view.focus_table()
        elif self.active_view == "findings":
            self.query_one(FindingsView).table.focus()

    # ------------------------------------------------------------------ keys, help, palette

    def key_sections(self) -> tuple[KeySection, ...]:
        shell = [binding for binding in self.BINDINGS
                 if binding not in PANEL_BINDINGS and binding not in CHANNEL_BINDINGS]
        if self.namespaces_available():  # `n` (AppNamespaces' own binding) where it can act
            shell += NAMESPACE_BINDINGS
        everywhere = key_rows(self, [*shell, *App.BINDINGS])
        palette = KeyRow((self.get_key_display(Binding(self.COMMAND_PALETTE_BINDING, "")),),
                         "command_palette", "Palette", "Jump to an object, run any action")
        return (
            KeySection("Everywhere", (*everywhere, palette)),
            KeySection("Panels", key_rows(self, PANEL_BINDINGS)),
            KeySection("Object views", key_rows(self, KindView.BINDINGS)),
            KeySection("Channels view", key_rows(self, [*ChannelsView.BINDINGS, *CHANNEL_BINDINGS])),
            KeySection("Table", key_rows(self, table_bindings(ObjectTable))),
            KeySection("Detail pane", key_rows(self, DetailScroll.BINDINGS)),
            KeySection("Filter", (*key_rows(self, FilterBar.BINDINGS),
                                  KeyRow(("enter",), "submit", "Done", "Keep the filter, back to the table"))),
        )

    def get_system_commands(self, screen: Screen) -> Iterable[SystemCommand]:
        yield from super().get_system_commands(screen)
        for bindings, target in (
            (self.BINDINGS, lambda: self),
            (KindView.BINDINGS, self._active_kind_view),
            (ChannelsView.BINDINGS, self._active_channels_view),
        ):
            if target() is None and bindings is ChannelsView.BINDINGS:
                continue
            for row in key_rows(self, bindings):
                if row.action == "quit" or not self._palette_allows(row.action, screen):
                    continue
                if row.action in PANEL_ACTIONS:  # listed per action by AppPanels
                    continue
                title = row.detail if row.action.startswith("view(") else row.name
                help_text = f"{row.detail}  (key: {' '.join(row.keys)})" if row.detail else f"key: {' '.join(row.keys)}"
                yield SystemCommand(title, help_text, partial(self._run_in, target, row.action))

    def _active_channels_view(self) -> ChannelsView | None:
        return self.channels_view if self.active_view == "channels" else None

    def _palette_allows(self, action: str, screen: Screen) -> bool:
        """Whether `action` makes sense on `screen`, the one the palette was opened from (while the
        palette is open the stack is one deeper, which `check_action` would count against filter)."""
        name = action.split("(", 1)[0]
        if name == "filter":
            return screen is self.screen_stack[0] and self._active_kind_view() is not None
        return self.check_action(name, ()) is not False

    def _run_in(self, target: Callable[[], object], action: str) -> None:
        node = target()
        if node is not None:
            self.call_later(self.run_action, action, node)
