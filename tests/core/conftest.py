"""Fixtures for core tests: objects with unique keys/names that are removed even when a test fails."""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator

import pytest

from ipcscope.core.errors import IpcError
from tests.helpers import unique_key


@pytest.fixture
def cleanup() -> Iterator[Callable[[Callable[[], object]], None]]:
    """`cleanup(fn)` registers a removal; all run at teardown, newest first, ignoring IpcError."""
    actions: list[Callable[[], object]] = []
    yield actions.append
    for action in reversed(actions):
        try:
            action()
        except IpcError:
            pass


@pytest.fixture
def new_shm(cleanup):
    from ipcscope.core import shm

    def make(size: int = 4096, mode: int = 0o600) -> tuple[int, int]:
        key = unique_key()
        shmid = shm.create(key, size, mode, exclusive=True)
        cleanup(lambda: shm.remove(shmid))
        return key, shmid

    return make


@pytest.fixture
def new_msg(cleanup):
    from ipcscope.core import msg

    def make(mode: int = 0o600) -> tuple[int, int]:
        key = unique_key()
        msqid = msg.create(key, mode, exclusive=True)
        cleanup(lambda: msg.remove(msqid))
        return key, msqid

    return make


@pytest.fixture
def new_sem(cleanup):
    from ipcscope.core import sem

    def make(nsems: int = 1, mode: int = 0o600, values=None) -> tuple[int, int]:
        key = unique_key()
        semid = sem.create(key, nsems, mode, exclusive=True, values=values)
        cleanup(lambda: sem.remove(semid))
        return key, semid

    return make


def sysvipc_row(kind: str, ident: int) -> dict[str, str] | None:
    """The /proc/sysvipc/<kind> line for `ident`, as {column: text}; None when absent."""
    with open(f"/proc/sysvipc/{kind}") as handle:
        header = handle.readline().split()
        for line in handle:
            fields = line.split()
            if int(fields[1]) == ident:
                return dict(zip(header, fields))
    return None


def reap(pid: int, timeout: float = 5.0) -> int:
    """Wait for a child; kill it if it does not exit in time. Returns its wait status."""
    import time

    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        done, status = os.waitpid(pid, os.WNOHANG)
        if done:
            return status
        time.sleep(0.005)
    os.kill(pid, 9)
    return os.waitpid(pid, 0)[1]
