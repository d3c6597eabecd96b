"""Real IPC namespaces for tests: child processes that unshare(CLONE_NEWIPC) (and a mount
namespace with a private /dev/shm), create objects of every kind inside and stay alive until the
test ends. A namespace and everything in it dies with its last process, so ending the children
(and closing every reader ipcscope opened) removes all of it; nothing is left on the machine.
"""

from __future__ import annotations

import ctypes
import json
import os
import signal
import subprocess
import sys
from dataclasses import dataclass, field

CLONE_NEWNS = 0x00020000
CLONE_NEWIPC = 0x08000000
CLONE_NEWUSER = 0x10000000
MEMBER_SCRIPT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "member_main.py")

@dataclass
class Member:
    """One process alone in a new IPC namespace, with one object of each kind."""

    process: subprocess.Popen
    ids: dict = field(default_factory=dict)

    @property
    def pid(self) -> int:
        return self.process.pid

    @property
    def inode(self) -> int:
        return int(self.ids["ipc"][5:-1])

    @property
    def waiter(self) -> int:
        return int(self.ids["waiter"])

    def end(self) -> None:
        if self.process.poll() is None:
            try:
                assert self.process.stdin is not None
                self.process.stdin.close()
                self.process.wait(timeout=5)
            except (OSError, subprocess.TimeoutExpired):
                self.process.kill()
                self.process.wait(timeout=5)


def start_member(key: int, *, mount: bool = True, user: bool = False, waiter: bool = False,
                 python: str | None = None, become: int | None = None) -> Member:
    """A member of a fresh IPC namespace (and mount namespace with its own /dev/shm, and a user
    namespace, when asked); `become`: the uid it runs as once the objects exist. Raises OSError
    when this user may not make them."""
    flags = CLONE_NEWIPC | (CLONE_NEWNS if mount else 0) | (CLONE_NEWUSER if user else 0)
    extra = [] if become is None else [str(become)]
    process = subprocess.Popen([python or sys.executable, MEMBER_SCRIPT, str(flags), str(key),
                                "1" if waiter else "0", *extra],
                               stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                               text=True, preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_IGN))
    assert process.stdout is not None
    line = process.stdout.readline()
    if not line:
        error = process.stderr.read() if process.stderr else ""
        process.wait(timeout=5)
        raise OSError(f"the namespace member failed: {error.strip().splitlines()[-1:] or process.returncode}")
    return Member(process, json.loads(line))


def wait_blocked(pid: int, timeout: float = 5.0) -> bool:
    """Whether `pid` is asleep in a syscall within `timeout` (its semop)."""
    import time

    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            with open(f"/proc/{pid}/stat") as handle:
                if handle.read().rsplit(")", 1)[1].split()[0] == "S":
                    with open(f"/proc/{pid}/syscall") as calls:
                        if calls.read().split()[0] in ("64", "65", "220"):
                            return True
        except (OSError, IndexError):
            return False
        time.sleep(0.02)
    return False


def can_unshare(flags: int) -> bool:
    libc = ctypes.CDLL(None, use_errno=True)
    pid = os.fork()
    if pid == 0:
        os._exit(0 if libc.unshare(flags) == 0 else 1)
    return os.waitpid(pid, 0)[1] == 0
