"""SVG snapshots of every view and of the honest-about-limits states, at 80x24 and 160x50.

All on the fixed demo Snapshot with the clock frozen at DEMO_NOW and no polling, so the pictures
only change when the UI does. Regenerate with `pytest tests/ui --snapshot-update` and look at
snapshot_report.html before committing.
"""

from __future__ import annotations

import pytest

from ipcscope.ui.demo_app import demo_app

SIZES = pytest.mark.parametrize("size", [(80, 24), (160, 50)], ids=["80x24", "160x50"])


@SIZES
@pytest.mark.parametrize("view", ["0", "1", "2", "3", "4", "5", "6", "7", "8"])
def test_view(snap_compare, size, view) -> None:
    assert snap_compare(demo_app(), press=[view], terminal_size=size)


@SIZES
def test_empty_system(snap_compare, size) -> None:
    assert snap_compare(demo_app(empty=True), terminal_size=size)


@SIZES
def test_not_root_notice(snap_compare, size) -> None:
    assert snap_compare(demo_app(root=False), terminal_size=size)


@SIZES
def test_no_mqueue_notice(snap_compare, size) -> None:
    assert snap_compare(demo_app(mqueue=False), press=["4"], terminal_size=size)


@SIZES
def test_help(snap_compare, size) -> None:
    assert snap_compare(demo_app(), press=["question_mark"], terminal_size=size)


def test_paused_filtered_sorted(snap_compare) -> None:
    keys = ["space", "slash", *"root", "enter", "s", "s", "s", "s", "S"]
    assert snap_compare(demo_app(), press=keys, terminal_size=(160, 50))
