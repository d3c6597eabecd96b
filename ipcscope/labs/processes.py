"""The worker processes a lab starts: how they are started, watched, signalled and stopped.

Each worker is `python -m ipcscope.labs.workers ROLE ARGS...` with the same interpreter and the same
ipcscope tree, in its own process group (a ctrl-c in the terminal reaches the session, which stops
the workers in order), with stdout and stderr going to a log file the session reads back.

Every worker also gets the read end of the session's *lifeline* pipe. When the session's process
dies, however it dies, the kernel closes the write end and the worker gets SIGIO and exits (see
`workers.py`): a killed ipcscope leaves no lab process running.
"""

from __future__ import annotations

import os
import re
import signal
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

import ipcscope

#: Environment variable telling a worker which descriptor is its lifeline.
LIFELINE_ENV = "IPCSCOPE_LAB_LIFELINE"
WORKERS_MODULE = "ipcscope.labs.workers"


@dataclass(frozen=True)
class LabProcess:
    """A lab process as the UI lists it."""

    label: str
    role: str
    pid: int
    #: the command line, as `ps` would show it
    command: str
    #: "running", "stopped" (SIGSTOP), "exited 0", "exited 1", "killed by SIGKILL"
    status: str
    returncode: int | None
    #: the last line the process printed ("" before it printed anything)
    last_output: str

    @property
    def alive(self) -> bool:
        return self.returncode is None


def safe_label(label: str) -> str:
    return re.sub(r"[^A-Za-z0-9_.-]", "_", label)


class Worker:
    """One started worker process: its Popen, its log file, and how much of the log was shown."""

    def __init__(self, label: str, role: str, args: tuple[str, ...], log_dir: str, lifeline_fd: int) -> None:
        self.label = label
        self.role = role
        self.args = args
        self.log_path = os.path.join(log_dir, f"{safe_label(label)}.log")
        self.argv = [sys.executable, "-m", WORKERS_MODULE, role, *args]
        env = dict(os.environ)
        package_parent = str(Path(ipcscope.__file__).resolve().parent.parent)
        env["PYTHONPATH"] = os.pathsep.join(p for p in (package_parent, env.get("PYTHONPATH", "")) if p)
        env["PYTHONUNBUFFERED"] = "1"
        env[LIFELINE_ENV] = str(lifeline_fd)
        with open(self.log_path, "wb") as log:
            self.popen = subprocess.Popen(
                self.argv,
                stdin=subprocess.DEVNULL,
                stdout=log,
                stderr=subprocess.STDOUT,
                env=env,
                pass_fds=(lifeline_fd,),
                start_new_session=True,
            )
        self._shown = 0
        self._kept: str | None = None  # the output, kept once the log file is gone

    @property
    def pid(self) -> int:
        return self.popen.pid

    def poll(self) -> int | None:
        return self.popen.poll()

    def output(self) -> str:
        if self._kept is not None:
            return self._kept
        try:
            with open(self.log_path, "rb") as handle:
                return handle.read().decode("utf-8", "replace")
        except FileNotFoundError:
            return ""

    def new_lines(self) -> list[str]:
        """Complete lines printed since the last call."""
        text = self.output()
        end = text.rfind("\n") + 1
        if end <= self._shown:
            return []
        lines = text[self._shown:end].splitlines()
        self._shown = end
        return lines

    def status(self) -> str:
        code = self.popen.poll()
        if code is None:
            return "stopped" if _proc_state(self.pid) == "T" else "running"
        if code < 0:
            try:
                return f"killed by {signal.Signals(-code).name}"
            except ValueError:
                return f"killed by signal {-code}"
        return f"exited {code}"

    def info(self) -> LabProcess:
        lines = self.output().rstrip("\n").splitlines()
        return LabProcess(
            label=self.label,
            role=self.role,
            pid=self.pid,
            command=" ".join(["python3", "-m", WORKERS_MODULE, self.role, *self.args]),
            status=self.status(),
            returncode=self.popen.poll(),
            last_output=lines[-1] if lines else "",
        )

    def send(self, sig: int) -> None:
        """Signal the process (not its group) if it has not been reaped."""
        if self.popen.poll() is None:
            self.popen.send_signal(sig)

    def wait(self, timeout: float) -> int | None:
        try:
            return self.popen.wait(timeout)
        except subprocess.TimeoutExpired:
            return None

    def stop(self, grace: float = 1.0) -> None:
        """SIGTERM the group (a worker exits cleanly on it), SIGKILL after `grace`, and reap.

        The group is signalled only while the leader is unreaped, so its pid cannot be reused yet.
        """
        if self.popen.poll() is None:
            _signal_group(self.pid, signal.SIGCONT)  # a stopped process cannot act on SIGTERM
            _signal_group(self.pid, signal.SIGTERM)
            if self.wait(grace) is None:
                _signal_group(self.pid, signal.SIGKILL)
        self.popen.wait()
        self._kept = self.output()  # the session removes the log files next


def _signal_group(pid: int, sig: int) -> None:
    try:
        os.killpg(pid, sig)
    except ProcessLookupError:
        pass


def _proc_state(pid: int) -> str:
    try:
        with open(f"/proc/{pid}/stat", "rb") as handle:
            data = handle.read()
    except OSError:
        return ""
    return data[data.rfind(b")") + 2:][:1].decode()


def wait_until(predicate, timeout: float, interval: float = 0.02) -> bool:
    """Poll `predicate` until it is true or `timeout` seconds passed; return its last value."""
    deadline = time.monotonic() + timeout
    while True:
        if predicate():
            return True
        if time.monotonic() >= deadline:
            return False
        time.sleep(interval)
