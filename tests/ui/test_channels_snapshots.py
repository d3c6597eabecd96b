"""SVG snapshots of the Channels view's other states, on the demo channels (fixed pids, inodes and
clock): what a user who is not root sees, a listener with a full backlog, the sub-kind filter.
The view itself at 80x24 and 160x50 is test_snapshots.test_view[8-...]."""

from __future__ import annotations

from ipcscope.ui.demo_app import demo_app


def test_channels_not_root(snap_compare) -> None:
    assert snap_compare(demo_app(root=False), press=["8"], terminal_size=(160, 50))


def test_channels_listener_with_a_full_backlog(snap_compare) -> None:
    assert snap_compare(demo_app(), press=["8", "t", "t", "t"], terminal_size=(80, 24))
