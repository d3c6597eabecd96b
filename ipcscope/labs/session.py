"""`LabSession`: runs one lab step by step, and always cleans up after it.

Life of a session:
    session = LabSession("semaphore-lock")
    notice = session.start()        # cleans up stale labs (notice text or None), runs step 1's action
    session.check(observation)      # does the kernel show what the current step promises?
    session.next(); session.back()  # next runs the next step's action; back only shows an earlier step
    session.processes()             # the lab's processes, for the process list
    session.stop()                  # stops its processes, removes its objects (by recorded id/name)

`start()`, `next()` and `stop()` start or stop processes and may wait for them (at most a few
seconds): the app calls them from a thread worker. `check()`, `processes()`, `step` and the
properties are cheap and safe to call from the UI thread at every refresh.
"""

from __future__ import annotations

import os
import shutil
import threading
import time
from dataclasses import dataclass

from ipcscope.labs.cleanup import kill_stale_processes, remove_objects, remove_paths
from ipcscope.labs.context import LabContext, LabError
from ipcscope.labs.lab import Check, Lab, Step
from ipcscope.labs.observe import Observation, Observer
from ipcscope.labs.processes import LabProcess
from ipcscope.labs.runtime import (
    SessionState,
    StateFile,
    ipc_namespace,
    is_same_process,
    process_start_time,
    read_states,
    runtime_dir,
    state_path,
)
from ipcscope.model import ObjectRef


@dataclass(frozen=True)
class StopReport:
    """What `stop()` did: processes stopped, objects removed, objects left (with the reason)."""

    stopped: tuple[str, ...] = ()
    removed: tuple[str, ...] = ()
    left: tuple[str, ...] = ()

    def __str__(self) -> str:
        parts = []
        if self.stopped:
            parts.append(f"stopped {', '.join(self.stopped)}")
        if self.removed:
            parts.append(f"removed {', '.join(self.removed)}")
        if self.left:
            parts.append(f"could NOT remove {'; '.join(self.left)}")
        return "; ".join(parts) if parts else "nothing to clean up"


class LabSession:
    def __init__(
        self,
        lab: Lab | str,
        *,
        auto: bool = False,
        step_timeout: float = 10.0,
        runtime: str | None = None,
        observer: Observer | None = None,
    ) -> None:
        from ipcscope.labs.catalog import get_lab

        self.lab: Lab = get_lab(lab) if isinstance(lab, str) else lab
        self.auto = auto
        self.step_timeout = step_timeout
        self._runtime = runtime
        self._observer = observer or Observer(self.lab.kinds)
        self._lock = threading.RLock()
        self._index = -1  # the step shown
        self._entered = 0  # how many steps' actions have run
        self._context: LabContext | None = None
        self._state_file: StateFile | None = None
        self._lifeline: tuple[int, int] | None = None
        self._stopped = False
        #: what the first stop() did; later calls (a finally after a failed start) report it again
        self._stop_report = StopReport()
        #: the notice from cleaning up stale labs at start, or None
        self.stale_notice: str | None = None

    # ------------------------------------------------------------------ navigation

    @property
    def index(self) -> int:
        """The shown step, from 0 (-1 before start)."""
        return self._index

    @property
    def step(self) -> Step | None:
        return self.lab.steps[self._index] if 0 <= self._index < len(self.lab.steps) else None

    @property
    def step_count(self) -> int:
        return len(self.lab.steps)

    @property
    def has_next(self) -> bool:
        return self.running and self._index + 1 < len(self.lab.steps)

    @property
    def has_back(self) -> bool:
        return self.running and self._index > 0

    @property
    def running(self) -> bool:
        return self._context is not None and not self._stopped

    @property
    def context(self) -> LabContext:
        if self._context is None:
            raise LabError("the lab session has not started")
        return self._context

    def start(self) -> str | None:
        """Clean up stale labs, claim a state file, and enter step 1. Returns the stale notice.

        On failure (a fixed key taken, a worker that does not start) everything created so far is
        removed before the LabError propagates.
        """
        with self._lock:
            if self._context is not None:
                raise LabError("the lab session was already started")
            directory = runtime_dir(self._runtime)
            self.stale_notice = cleanup_stale(directory)
            log_dir = os.path.join(directory, f"lab-{os.getpid()}")
            os.makedirs(log_dir, mode=0o700, exist_ok=True)
            state = SessionState(
                lab=self.lab.name,
                owner_pid=os.getpid(),
                owner_start_time=process_start_time(os.getpid()),
                ipc_namespace=ipc_namespace(),
                log_dir=log_dir,
                started_at=time.time(),
            )
            self._state_file = StateFile(state_path(directory, os.getpid()), state)
            self._state_file.save(state)
            self._lifeline = os.pipe()
            self._context = LabContext(self._state_file, log_dir, self._lifeline[0],
                                       auto=self.auto, timeout=self.step_timeout)
            try:
                self._enter(0)
            except BaseException:
                self.stop()
                raise
            return self.stale_notice

    def next(self) -> Step | None:
        """Show the next step, running its action the first time it is entered."""
        with self._lock:
            if not self.has_next:
                return None
            if self._index + 1 < self._entered:
                self._index += 1
            else:
                self._enter(self._index + 1)
            return self.step

    def back(self) -> Step | None:
        """Show the previous step again. Its action is not undone: the processes keep running and
        `next()` returns to the later steps without running their actions twice."""
        with self._lock:
            if self.has_back:
                self._index -= 1
            return self.step

    def _enter(self, index: int) -> None:
        step = self.lab.steps[index]
        self._index = index
        self._entered = index + 1
        if step.action is not None:
            step.action(self.context)
        self.context.resolve_all()

    # ------------------------------------------------------------------ what the UI shows

    def processes(self) -> tuple[LabProcess, ...]:
        return self._context.processes() if self._context else ()

    def new_output(self) -> list[tuple[str, str]]:
        """(process label, line) printed since the last call: for a transcript or an output log."""
        return self._context.new_output() if self._context else []

    def output(self, label: str) -> str:
        """Everything process `label` printed so far (kept after it exited)."""
        return self._context.output(label) if self._context else ""

    def objects(self) -> list[tuple[str, ObjectRef | None]]:
        """(label, ObjectRef or None when not created yet) of every object the lab recorded."""
        if self._context is None:
            return []
        return [(record.label, self._context.ref(record.label)) for record in self._context.objects]

    def focus(self) -> ObjectRef | None:
        """The ObjectRef the current step is about (to select it in the live tables), or None."""
        step = self.step
        if step is None or step.focus is None or self._context is None:
            return None
        try:
            return self._context.ref(step.focus)
        except KeyError:
            return None

    # ------------------------------------------------------------------ expectations

    def observe(self) -> Observation:
        """A new Observation of the lab's kinds (what `check()` uses when given none)."""
        queues = [r.ident for r in self._context.objects if r.kind == "msg" and isinstance(r.ident, int)] \
            if self._context else []
        return self._observer.observe(peek=queues)

    def check(self, observation: Observation | None = None) -> Check:
        """Whether the kernel shows what the shown step promises (a new observation if none given)."""
        step = self.step
        if step is None or self._context is None:
            return Check(False, "the lab is not running")
        if step.expect is None:
            return Check(True, "nothing to check in this step")
        self._context.resolve_all()
        return step.expect(self._context, observation or self.observe())

    def wait_until_expected(self, timeout: float | None = None, interval: float = 0.05) -> Check:
        """Poll `check()` until it holds or `timeout` (default: step_timeout) passes."""
        deadline = time.monotonic() + (self.step_timeout if timeout is None else timeout)
        while True:
            result = self.check()
            if result.ok or time.monotonic() >= deadline:
                return result
            time.sleep(interval)

    # ------------------------------------------------------------------ the end

    def stop(self) -> StopReport:
        """Stop and reap the lab's processes, remove its recorded objects, drop its state file.

        Safe to call more than once and from `finally`/signal paths.
        """
        with self._lock:
            if self._stopped or self._context is None or self._state_file is None:
                self._stopped = True
                return self._stop_report
            self._stopped = True
            context = self._context
            stopped = context.stop_processes()
            try:
                removed, left = remove_objects(self._state_file.state.objects, context.pids())
                gone, stay = remove_paths(self._state_file.state.paths)
                removed, left = removed + gone, left + stay
            except Exception as error:  # noqa: BLE001 - keep the state file: the next start retries
                removed, left = [], [f"cleanup failed ({error}); it is retried at the next start"]
            if self._lifeline is not None:
                for fd in self._lifeline:
                    os.close(fd)
                self._lifeline = None
            if not left:
                self._state_file.remove()
                shutil.rmtree(self._state_file.state.log_dir, ignore_errors=True)
            self._stop_report = StopReport(tuple(stopped), tuple(removed), tuple(left))
            return self._stop_report

    def __enter__(self) -> LabSession:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.stop()


def cleanup_stale(runtime: str | None = None) -> str | None:
    """Clean up after lab sessions whose ipcscope process died without stopping them.

    Kills their processes that are still alive and removes their recorded objects; returns a notice
    saying what was done (None when there was nothing). Sessions whose owner is alive, and sessions
    of another IPC namespace (their ids mean other objects here), are left alone.
    """
    directory = runtime_dir(runtime)
    here = ipc_namespace()
    notices: list[str] = []
    for path, state in read_states(directory):
        if state is None:
            notices.append(f"ignored an unreadable lab state file {path}")
            continue
        if is_same_process(state.owner_pid, state.owner_start_time):
            continue  # still running (this process's own sessions too)
        if state.ipc_namespace and here and state.ipc_namespace != here:
            continue
        killed = kill_stale_processes(state.processes)
        removed, left = remove_objects(state.objects, {p.pid for p in state.processes})
        gone, stay = remove_paths(state.paths)
        removed, left = removed + gone, left + stay
        parts = [f"Lab {state.lab!r} was left running by ipcscope (pid {state.owner_pid}), "
                 "which ended without stopping it."]
        if killed:
            parts.append(f"Killed its processes {', '.join(killed)}.")
        if removed:
            parts.append(f"Removed {', '.join(removed)}.")
        if left:
            parts.append(f"Could not remove {'; '.join(left)}.")
        if killed or removed or left:
            notices.append(" ".join(parts))
        # Said once: what could not be removed is named in the notice, not retried forever.
        os.unlink(path)
        if state.log_dir.startswith(directory + os.sep):
            shutil.rmtree(state.log_dir, ignore_errors=True)
    return "\n".join(notices) if notices else None


__all__ = ["LabSession", "StopReport", "cleanup_stale"]
