"""Run possibly-blocking actions in small helper processes the caller can watch and cancel.

    runner = OperationRunner()
    op = runner.start(SemOp.parse({"id": "3", "ops": "0:-1"}))   # returns at once
    ...                                                           # the app keeps answering keys
    for changed in runner.poll():                                 # e.g. from a timer
        show(changed.status, changed.result or changed.error)
    runner.cancel(op)                                             # SIGTERM, then SIGKILL; reaped
    summary = runner.cancel_all()                                 # on quit

Nothing here blocks the caller: results come through non-blocking pipes read by `poll()`, and
`cancel` waits only for a process that was just signalled (milliseconds). Each helper is
`python -m ipcscope.actions.runner_worker` with this interpreter, in its own session (a terminal's ^C or
^Z does not reach it); it exits by itself when this process goes away.
"""

from __future__ import annotations

import itertools
import json
import os
import signal
import subprocess
import sys
import time
from dataclasses import dataclass, field, replace
from typing import Any, Literal

import ipcscope
from ipcscope.actions.base import Request
from ipcscope.actions.results import ActionResult, result_from_json
from ipcscope.model import IpcNamespace

Status = Literal["running", "holding", "done", "failed", "cancelled"]
FINISHED: frozenset[str] = frozenset({"done", "failed", "cancelled"})


@dataclass(frozen=True)
class OperationError:
    """Why an operation failed, as the helper reported it (or as its exit showed)."""

    message: str
    type: str = "IpcError"
    errno: int | None = None
    errno_name: str | None = None
    call: str | None = None
    explanation: str | None = None
    field: str | None = None

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> OperationError:
        known = {name: data.get(name) for name in
                 ("type", "errno", "errno_name", "call", "explanation", "field")}
        return cls(message=str(data.get("message", "unknown error")),
                   **{k: v for k, v in known.items() if v is not None})


@dataclass(frozen=True)
class RunningOperation:
    """One helper process and what became of it. A new instance replaces it at each change."""

    op_id: int
    pid: int
    request: Request
    c_call: str
    started_at: float
    status: Status = "running"
    result: ActionResult | None = None
    error: OperationError | None = None
    ended_at: float | None = None
    #: for a "holding" operation that ended: the kernel applied its SEM_UNDO adjustments
    undo_applied: bool = False

    @property
    def finished(self) -> bool:
        return self.status in FINISHED

    @property
    def uses_undo(self) -> bool:
        return bool(getattr(self.request, "uses_undo", False))

    def describe(self) -> str:
        """One line for a "running operations" list."""
        head = f"[{self.op_id}] pid {self.pid} {self.c_call}"
        if self.status == "running":
            return f"{head}: waiting"
        if self.status == "holding":
            return f"{head}: done, helper holds its SEM_UNDO adjustments until cancelled"
        if self.status == "done":
            text = self.result.describe() if self.result else "done"
            return f"{head}: {text}" + ("; SEM_UNDO adjustments applied" if self.undo_applied else "")
        if self.status == "failed":
            return f"{head}: {self.error.message if self.error else 'failed'}"
        return f"{head}: cancelled"


@dataclass(frozen=True)
class CancelSummary:
    """What `cancel_all` ended, and whether the kernel then applied SEM_UNDO adjustments."""

    cancelled: tuple[RunningOperation, ...]
    #: some ended helper had completed a semop with SEM_UNDO: the kernel reverted it
    undo_applied: bool
    #: some ended helper was still waiting in a semop with SEM_UNDO (nothing to revert yet)
    used_sem_undo: bool

    @property
    def message(self) -> str:
        if not self.cancelled:
            return ""
        text = f"ended {len(self.cancelled)} running operation(s)"
        if self.undo_applied:
            text += "; SEM_UNDO adjustments are then applied by the kernel"
        return text


@dataclass
class _Helper:
    popen: subprocess.Popen
    op: RunningOperation
    out: bytearray = field(default_factory=bytearray)
    err: bytearray = field(default_factory=bytearray)
    changed: bool = False


class OperationRunner:
    """Starts, watches and cancels helper processes for blocking actions (one per action)."""

    def __init__(self, python: str | None = None, *, grace: float = 1.0) -> None:
        self.python = python or sys.executable
        self.grace = grace
        self._helpers: dict[int, _Helper] = {}
        self._ids = itertools.count(1)

    # ---- starting

    def start(self, request: Request, where: IpcNamespace | None = None) -> RunningOperation:
        """Start a helper running `request`; returns at once with status "running". With `where`
        (another IPC namespace) the helper joins it first, and the C call says so."""
        payload = json.dumps(request.to_json()).encode()
        join = [] if where is None or where.pid is None else [
            "--join-pid", str(where.pid), "--join-inode", str(where.inode)]
        request_fd = os.memfd_create("ipcscope-request")  # close-on-exec; pass_fds hands it over
        try:
            os.write(request_fd, payload)
            os.lseek(request_fd, 0, os.SEEK_SET)
            popen = subprocess.Popen(
                [self.python, "-m", "ipcscope.actions.runner_worker", "--request-fd", str(request_fd), *join],
                stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                pass_fds=(request_fd,), start_new_session=True, env=self._environment(),
            )
        finally:
            os.close(request_fd)
        for stream in (popen.stdout, popen.stderr):
            assert stream is not None
            os.set_blocking(stream.fileno(), False)
        call = request.c_call() if where is None else f"in {where.label}: {request.c_call()}"
        op = RunningOperation(next(self._ids), popen.pid, request, call, time.time())
        self._helpers[op.op_id] = _Helper(popen, op)
        return op

    @staticmethod
    def _environment() -> dict[str, str]:
        """This process's environment, with this ipcscope first on the path (same code runs)."""
        env = dict(os.environ)
        root = os.path.dirname(os.path.dirname(os.path.abspath(ipcscope.__file__)))
        env["PYTHONPATH"] = os.pathsep.join(p for p in (root, env.get("PYTHONPATH")) if p)
        return env

    # ---- watching

    @property
    def operations(self) -> tuple[RunningOperation, ...]:
        """Every operation not yet forgotten, in start order (call poll() first for fresh states)."""
        return tuple(helper.op for helper in self._helpers.values())

    @property
    def active(self) -> tuple[RunningOperation, ...]:
        """Operations whose helper is still alive (running or holding)."""
        return tuple(op for op in self.operations if not op.finished)

    def get(self, op_id: int) -> RunningOperation | None:
        helper = self._helpers.get(op_id)
        return helper.op if helper else None

    def poll(self) -> tuple[RunningOperation, ...]:
        """Read what the helpers reported, reap the ones that exited; return the changed ones."""
        changed = []
        for helper in self._helpers.values():
            if not helper.op.finished or helper.popen.returncode is None:
                self._update(helper)  # finished ones too, until their process is reaped
            if helper.changed:
                helper.changed = False
                changed.append(helper.op)
        return tuple(changed)

    def wait(self, op: RunningOperation | int, timeout: float) -> RunningOperation:
        """Poll until `op` is no longer "running" or `timeout` passes (for scripts and tests)."""
        op_id = op if isinstance(op, int) else op.op_id
        deadline = time.monotonic() + timeout
        while True:
            self.poll()
            current = self._helpers[op_id].op
            if current.status != "running" or time.monotonic() >= deadline:
                return current
            time.sleep(0.01)

    def forget(self, op: RunningOperation | int) -> None:
        """Drop a finished operation from `operations`."""
        op_id = op if isinstance(op, int) else op.op_id
        helper = self._helpers.get(op_id)
        if helper is not None and helper.op.finished:
            self._close(helper)
            del self._helpers[op_id]

    # ---- cancelling

    def cancel(self, op: RunningOperation | int) -> RunningOperation:
        """End the helper (SIGTERM, then SIGKILL after `grace` seconds) and reap it."""
        op_id = op if isinstance(op, int) else op.op_id
        helper = self._helpers[op_id]
        self._update(helper)
        if helper.op.finished:
            return helper.op
        was_holding = helper.op.status == "holding"
        popen = helper.popen
        try:
            popen.send_signal(signal.SIGTERM)
            try:
                popen.wait(timeout=self.grace)
            except subprocess.TimeoutExpired:
                popen.kill()
                popen.wait(timeout=5)
        except (ProcessLookupError, subprocess.TimeoutExpired):
            pass
        self._drain(helper)
        now = time.time()
        if was_holding:
            helper.op = replace(helper.op, status="done", ended_at=now, undo_applied=True)
        else:
            reported = self._reported(helper)
            if reported is not None and reported.get("ok"):  # it finished just before the signal
                helper.op = replace(helper.op, status="done", ended_at=now,
                                    result=result_from_json(reported["result"]))
            else:
                helper.op = replace(helper.op, status="cancelled", ended_at=now)
        helper.changed = True
        self._close(helper)
        return helper.op

    def cancel_all(self) -> CancelSummary:
        """End every live helper (on quit). Says whether SEM_UNDO adjustments got applied."""
        live = [helper.op for helper in self._helpers.values() if not helper.op.finished]
        ended = tuple(self.cancel(op) for op in live)
        return CancelSummary(
            cancelled=ended,
            undo_applied=any(op.undo_applied for op in ended),
            used_sem_undo=any(op.uses_undo for op in ended),
        )

    # ---- internals

    def _drain(self, helper: _Helper) -> None:
        for stream, buffer in ((helper.popen.stdout, helper.out), (helper.popen.stderr, helper.err)):
            if stream is None or stream.closed:
                continue
            while True:
                try:
                    chunk = os.read(stream.fileno(), 65536)
                except BlockingIOError:
                    break
                except OSError:
                    break
                if not chunk:
                    break
                buffer.extend(chunk)
        del helper.err[:-4096]

    @staticmethod
    def _reported(helper: _Helper) -> dict[str, Any] | None:
        line, newline, _ = bytes(helper.out).partition(b"\n")
        if not newline:
            return None
        try:
            data = json.loads(line)
        except ValueError:
            return {"ok": False, "error": {"type": "ProtocolError",
                                           "message": f"helper said: {line[:200]!r}"}}
        return data if isinstance(data, dict) else None

    def _update(self, helper: _Helper) -> None:
        exit_status = helper.popen.poll()  # first: after an exit, the pipes hold all it wrote
        self._drain(helper)
        reported = self._reported(helper)
        op = helper.op
        new = op
        if reported is not None and op.status == "running":
            if reported.get("ok"):
                result = result_from_json(reported["result"])
                status: Status = "holding" if reported.get("holding") and exit_status is None else "done"
                new = replace(op, status=status, result=result)
            else:
                new = replace(op, status="failed", error=OperationError.from_json(reported["error"]))
        if exit_status is not None and not new.finished:
            if new.status == "holding":
                new = replace(new, status="done", undo_applied=True)
            else:
                new = replace(new, status="failed", error=self._exit_error(helper, exit_status))
        if new.finished and new.ended_at is None:
            new = replace(new, ended_at=time.time())
        if new != op:
            helper.op = new
            helper.changed = True
        if exit_status is not None:
            self._close(helper)

    @staticmethod
    def _exit_error(helper: _Helper, status: int) -> OperationError:
        if status < 0:
            name = signal.Signals(-status).name if -status in signal.valid_signals() else str(-status)
            return OperationError(f"the helper process was killed by {name}", type="Killed")
        last = bytes(helper.err).decode(errors="replace").strip().splitlines()
        detail = f": {last[-1]}" if last else ""
        return OperationError(f"the helper process exited with status {status}{detail}", type="Crashed")

    @staticmethod
    def _close(helper: _Helper) -> None:
        for stream in (helper.popen.stdin, helper.popen.stdout, helper.popen.stderr):
            if stream is not None and not stream.closed:
                try:
                    stream.close()
                except OSError:
                    pass
        if helper.popen.returncode is None:
            helper.popen.poll()


class InNamespace:
    """An OperationRunner whose operations all run in another IPC namespace `where` (in a helper
    that joined it): what the panels get for a container's object, so that every action on it,
    blocking or not, runs there."""

    def __init__(self, runner: OperationRunner, where: IpcNamespace) -> None:
        self.runner = runner
        self.where = where

    def start(self, request: Request, where: IpcNamespace | None = None) -> RunningOperation:
        return self.runner.start(request, where=where or self.where)

    def __getattr__(self, name: str) -> Any:
        return getattr(self.runner, name)
