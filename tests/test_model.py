"""Snapshot.with_objects: objects set by kind, the other fields and kinds kept (no kernel)."""

from __future__ import annotations

import pytest

from ipcscope.demo import demo_snapshot


def test_with_objects_replaces_only_the_kinds_given() -> None:
    snapshot = demo_snapshot()
    changed = snapshot.with_objects({"shm": snapshot.shm[:1], "pmq": ()})
    assert changed.shm == snapshot.shm[:1] and changed.pmq == ()
    assert changed.msg == snapshot.msg and changed.sem == snapshot.sem
    assert (changed.limits, changed.environment, changed.processes) == (
        snapshot.limits, snapshot.environment, snapshot.processes)


def test_with_objects_refuses_an_object_under_another_kind() -> None:
    snapshot = demo_snapshot()
    with pytest.raises(ValueError, match=r"msg:3 is not a shm"):
        snapshot.with_objects({"shm": snapshot.msg})
