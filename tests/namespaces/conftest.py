"""Fixtures for tests/namespaces: real IPC namespaces with objects inside (root only)."""

from __future__ import annotations

import os
from collections.abc import Iterator

import pytest

from tests.helpers import unique_key
from tests.namespaces.members import CLONE_NEWIPC, CLONE_NEWNS, Member, can_unshare, start_member, wait_blocked


def _need_root() -> None:
    if os.geteuid() != 0:
        pytest.skip("making IPC namespaces for other processes needs root (unshare(CLONE_NEWIPC))")
    if not can_unshare(CLONE_NEWIPC | CLONE_NEWNS):
        pytest.skip("unshare(CLONE_NEWIPC|CLONE_NEWNS) is refused here")


@pytest.fixture(scope="module")
def two_namespaces() -> Iterator[tuple[Member, Member]]:
    """Two namespaces holding objects with the same key and ids; the first has a waiter blocked in
    semop on its set. Both end (with all their objects) after the module."""
    _need_root()
    key = unique_key()
    first = start_member(key, waiter=True)
    try:
        second = start_member(key)
    except BaseException:
        first.end()
        raise
    try:
        assert wait_blocked(first.waiter), "the waiter did not block"
        yield first, second
    finally:
        first.end()
        second.end()


@pytest.fixture
def probe() -> Iterator[object]:
    """A NamespaceProbe whose readers are all closed after the test (they hold namespaces alive)."""
    from ipcscope.probe.ns_snapshot import NamespaceProbe

    found = NamespaceProbe()
    try:
        yield found
    finally:
        found.close()
