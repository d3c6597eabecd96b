"""Running a teaching lab inside the app: the `l`, `n`, `b` and escape keys, the panel, the cleanup.

A mixin of IpcScopeApp, so app.py only gains the bindings and a few calls. LabSession.start(),
next(), back() and stop() start, signal and reap processes and may take seconds: each runs in a
thread worker, one at a time (`lab_busy`), and reports back with a message (ui.messages). A timer
refreshes the panel's process list and asks the session, off the UI thread, whether the kernel
shows what the step promises. Quitting stops the lab synchronously but bounded (STOP_ON_QUIT_TIMEOUT); whatever a
killed app leaves is cleaned by the next start (cleanup_stale) and the workers' lifeline pipe.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from typing import TYPE_CHECKING, TypeVar, cast

from textual.app import App
from textual.binding import Binding
from textual.message import Message
from textual.timer import Timer
from textual.widgets import Input

from ipcscope.model import CHANNEL_KINDS
from ipcscope.ui.data.sources import LiveSource
from ipcscope.ui.messages import LabChecked, LabStarted, LabStepped, LabStopped, StaleLabsCleaned
from ipcscope.ui.widgets.kind_view import DetailScroll, FilterBar

if TYPE_CHECKING:
    from ipcscope.labs.lab import Check
    from ipcscope.labs.session import LabSession
    from ipcscope.ui.shell import Shell
    from ipcscope.ui.widgets.lab_panel import LabPanel

T = TypeVar("T")

LAB_BINDINGS = [
    Binding("l", "labs", "Labs", show=False, tooltip="Teaching labs: pick one to run", id="app.labs"),
    Binding("n", "lab_next", "Next step", tooltip="The lab's next step", id="app.lab.next"),
    Binding("b", "lab_back", "Step back", tooltip="Show the lab's previous step again", id="app.lab.back"),
    # Priority, so it works from the tables; check_action lets escape through to a filter or the
    # detail pane that still has something to close.
    Binding("escape", "lab_leave", "Leave lab", priority=True,
            tooltip="Stop the lab's processes and remove its objects", id="app.lab.leave"),
]
LAB_ACTIONS = frozenset({"lab_next", "lab_back", "lab_leave"})

READ_ONLY_REFUSAL = ("Labs start processes and create IPC objects; --read-only (and --demo) forbid that. "
                     "Run ipcscope without --read-only.")
#: Longest wait for the lab's cleanup when quitting; what is left is cleaned at the next start.
STOP_ON_QUIT_TIMEOUT = 8.0
TICK = 0.5
CHECK_EVERY = 1.0


class AppLabs(App[None]):
    """The app's lab state and keys; what it needs of the app shell is `shell` (ui.shell.Shell)."""

    shell: Shell
    lab_session: LabSession | None
    #: `ipcscope serve --lab NAME`: this lab may run its own steps (create its objects, start its
    #: processes) although the app is read-only; the panels stay read-only and no other lab starts
    served_lab: str | None = None

    def _init_labs(self, lab: str | None, session_factory: Callable[[str], LabSession] | None = None) -> None:
        self._initial_lab = lab
        self.lab_session_factory = session_factory
        self.lab_session = None
        self.lab_busy: str | None = None
        self._lab_timer: Timer | None = None
        self._checking = False
        self._last_check = 0.0
        self._focused_step: tuple[int, str] | None = None

    def _mount_labs(self) -> None:
        if isinstance(self.shell.source, LiveSource):
            self.run_worker(self._clean_stale, thread=True, group="lab-stale", exit_on_error=False)
        if self._initial_lab is not None:
            self.start_lab(self._initial_lab)

    def _clean_stale(self) -> None:
        from ipcscope.labs.session import cleanup_stale

        try:
            notice = cleanup_stale()
        except Exception as error:  # noqa: BLE001 - a notice, never a crash
            notice = f"Could not clean up after earlier labs: {error}"
        if notice:
            self._post_from_thread(StaleLabsCleaned(notice))

    def on_stale_labs_cleaned(self, message: StaleLabsCleaned) -> None:
        self.notify(message.notice, title="Labs", severity="warning", timeout=15)

    # ------------------------------------------------------------------ keys

    def action_labs(self) -> None:
        from ipcscope.labs import LABS
        from ipcscope.ui.screens.labs import LabsScreen

        if isinstance(self.screen, LabsScreen):
            return
        running = self.lab_session.lab.name if self.lab_session is not None else None
        self.push_screen(LabsScreen(LABS, running=running, read_only=self.shell.read_only), self._lab_chosen)

    def _lab_chosen(self, name: str | None) -> None:
        if name is not None:
            self.start_lab(name)

    def lab_action_allowed(self, action: str) -> bool:
        if self.lab_session is None or len(self.screen_stack) != 1:
            return False
        if action == "lab_leave":
            if isinstance(self.focused, (Input, DetailScroll)):
                return False
            view = self.shell._active_kind_view()
            return view is None or not (view.query_one(FilterBar).value or view.query_one(".filter-row").display)
        if action == "lab_next":
            return self.lab_session.has_next
        return self.lab_session.has_back

    def action_lab_next(self) -> None:
        self._lab_call("next", "entering the next step…", lambda s: s.next())

    def action_lab_back(self) -> None:
        self._lab_call("back", "going back…", lambda s: s.back())

    def action_lab_leave(self) -> None:
        session = self.lab_session
        if session is None or self.lab_busy == "stopping":
            return
        self.lab_busy = "stopping"
        self._panel_check(busy="stopping the lab's processes and removing its objects…")
        self._in_thread(session.stop, LabStopped)

    # ------------------------------------------------------------------ start, step, stop

    def start_lab(self, name: str) -> None:
        """Start lab `name` (a worker), show its panel; refused under --read-only, but for the
        served lab."""
        if self.shell.read_only and name != self.served_lab:
            self.notify(READ_ONLY_REFUSAL, title="Labs", severity="error", timeout=10)
            return
        if self.lab_session is not None:
            self.notify(f"Lab {self.lab_session.lab.name} is running: leave it (escape) first.",
                        title="Labs", severity="warning")
            return
        try:
            session = self._new_session(name)
        except KeyError as error:
            self.notify(str(error.args[0]), title="Labs", severity="error")
            return
        self.lab_session = session
        self.lab_busy = "start"
        self._focused_step = None
        from ipcscope.ui.widgets.lab_panel import LabPanel  # with rich.syntax: not for every start

        panel = LabPanel(id="lab-panel")
        self.screen_stack[0].mount(panel)
        self.call_after_refresh(self._show_lab_step)
        self.call_after_refresh(self._panel_check, busy="starting the lab's processes…")
        if session.lab.kinds:
            kind = session.lab.kinds[0]
            self.shell.action_view("channels" if kind in CHANNEL_KINDS else kind)
        self._in_thread(session.start, LabStarted)

    def _new_session(self, name: str) -> LabSession:
        if self.lab_session_factory is not None:
            return self.lab_session_factory(name)
        from ipcscope.labs.session import LabSession

        return LabSession(name)

    def on_lab_started(self, message: LabStarted) -> None:
        if self.lab_busy == "stopping":  # left while starting: on_lab_stopped ends it
            return
        self.lab_busy = None
        if message.error is not None:
            self.notify(f"The lab did not start: {message.error}", title="Labs", severity="error", timeout=12)
            self._drop_lab()
            return
        if message.notice:
            self.notify(message.notice, title="Labs", severity="warning", timeout=15)
        self._lab_timer = self.set_interval(TICK, self._lab_tick, name="lab")
        self._after_step()

    def _lab_call(self, what: str, busy: str, call: Callable[[LabSession], object]) -> None:
        session = self.lab_session
        if session is None or self.lab_busy is not None:
            return
        self.lab_busy = what
        self._panel_check(busy=busy)
        self._in_thread(lambda: call(session), LabStepped)

    def on_lab_stepped(self, message: LabStepped) -> None:
        if self.lab_busy == "stopping":
            return
        self.lab_busy = None
        if message.error is not None:
            self._panel_check(error=f"The step failed: {message.error}")
        self._after_step()

    def _after_step(self) -> None:
        self._show_lab_step()
        self._last_check = 0.0
        self.refresh_bindings()
        self.shell.request_poll()
        self._lab_tick()

    def on_lab_stopped(self, message: LabStopped) -> None:
        if message.error is not None:
            self.notify(f"Stopping the lab failed: {message.error}", title="Labs", severity="error", timeout=12)
        else:
            self.notify(f"Lab left: {message.report}", title="Labs", timeout=8)
        self._drop_lab()

    def _drop_lab(self) -> None:
        self.lab_session = None
        self.lab_busy = None
        if self._lab_timer is not None:
            self._lab_timer.stop()
            self._lab_timer = None
        for panel in self.query("#lab-panel"):
            panel.remove()
        self.refresh_bindings()
        self.shell.request_poll()

    def stop_lab_now(self, timeout: float = STOP_ON_QUIT_TIMEOUT) -> None:
        """Stop the running lab before the app exits, waiting at most `timeout` seconds."""
        session = self.lab_session
        if session is None:
            return
        stopper = threading.Thread(target=session.stop, name="lab-stop", daemon=True)
        stopper.start()
        stopper.join(timeout)

    async def action_quit(self) -> None:
        self.stop_lab_now()
        await super().action_quit()

    # ------------------------------------------------------------------ the panel

    def _panel(self) -> LabPanel | None:
        if not self.screen_stack:
            return None
        panel = self.screen_stack[0].query_one_optional("#lab-panel")
        return cast("LabPanel", panel) if panel is not None else None

    def _show_lab_step(self) -> None:
        panel, session = self._panel(), self.lab_session
        if panel is not None and session is not None:
            panel.show_step(session)

    def _panel_check(self, check: Check | None = None, *, busy: str | None = None,
                     error: str | None = None) -> None:
        panel = self._panel()
        if panel is not None:
            panel.show_check(check, busy=busy, error=error)

    def _lab_tick(self) -> None:
        """The processes now; the focus object selected once per step; a check if one is due."""
        session, panel = self.lab_session, self._panel()
        if session is None or panel is None or self.lab_busy is not None:
            return
        panel.show_processes(session.processes())
        ref = session.focus()
        if (ref is not None and self._focused_step != (session.index, ref.row_key)
                and len(self.screen_stack) == 1 and self.shell.shows(ref.row_key)):
            self._focused_step = (session.index, ref.row_key)
            self.shell.jump_to(ref.row_key)
        if not self._checking and time.monotonic() - self._last_check >= CHECK_EVERY:
            self._checking = True
            self._in_thread(session.check, LabChecked)

    def on_lab_checked(self, message: LabChecked) -> None:
        self._checking = False
        self._last_check = time.monotonic()
        if self.lab_session is None or self.lab_busy is not None:
            return
        if message.error is not None:
            self._panel_check(error=f"Could not check the kernel state: {message.error}")
        else:
            self._panel_check(message.check)

    # ------------------------------------------------------------------ threads

    def _in_thread(self, call: Callable[[], T],
                   done: Callable[[T | None, BaseException | None], Message]) -> None:
        """Run `call` in a thread worker; its result (or error) comes back as the message `done`
        makes, handled on the UI thread."""
        def run() -> None:
            try:
                result, error = call(), None
            except Exception as failure:  # noqa: BLE001 - reported by the message's handler
                result, error = None, failure
            self._post_from_thread(done(result, error))

        self.run_worker(run, thread=True, group="lab", exit_on_error=False, description="lab")

    def _post_from_thread(self, message: Message) -> None:
        try:
            self.post_message(message)
        except RuntimeError:
            pass  # the app has closed its event loop: nothing left to show
