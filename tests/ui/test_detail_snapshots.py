"""SVG snapshots of the detail pane and the overview, deterministic: demo data, fixed "now",
injected process names and peeked messages, a synthetic history."""

from __future__ import annotations

import pytest

from tests.ui.detail_harness import DetailApp, OverviewApp, busy_snapshot

SIZES = pytest.mark.parametrize("size", [(80, 24), (160, 50)], ids=["80x24", "160x50"])


@SIZES
def test_semaphore_detail(snap_compare, size: tuple[int, int]) -> None:
    assert snap_compare(DetailApp("sem:2"), terminal_size=size)


@SIZES
def test_msg_detail_with_peeked_messages(snap_compare, size: tuple[int, int]) -> None:
    assert snap_compare(DetailApp("msg:3"), terminal_size=size)


@SIZES
def test_dest_shm_detail_with_holders(snap_compare, size: tuple[int, int]) -> None:
    assert snap_compare(DetailApp("shm:1"), terminal_size=size)


@SIZES
def test_overview(snap_compare, size: tuple[int, int]) -> None:
    assert snap_compare(OverviewApp(), terminal_size=size)


def test_removed_queue_detail(snap_compare) -> None:
    assert snap_compare(DetailApp("msg:7", removed=True), terminal_size=(80, 24))


def test_overview_usage_levels(snap_compare) -> None:
    """Bars at 3% (ok), 56% (careful), 74% (warning), 94% and 100% (critical)."""
    assert snap_compare(OverviewApp(busy_snapshot()), terminal_size=(80, 24))


def test_narrow_semaphore_detail(snap_compare) -> None:
    """The width a side pane gets in an 80-column terminal."""
    assert snap_compare(DetailApp("sem:2"), terminal_size=(46, 30))
