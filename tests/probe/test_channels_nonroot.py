"""Channels as uid 65534: its own processes fully, other users' ends missing and counted, never
mispaired, and the bytes of a pipe whose read end it cannot see left unknown."""

from __future__ import annotations

import os
import socket

import pytest

# imported before dropping to nobody, who cannot read the interpreter's library under /root
import ipcscope.doctor.channels
import ipcscope.probe.channels  # noqa: F401
from tests.helpers import NOBODY, run_as_user
from tests.probe.channel_helpers import empty_snapshot, poll_channels, scanner, socket_inode, wait_for_state
from tests.probe.scan_helpers import children, sleep_forever

pytestmark = pytest.mark.usefixtures("root_only")  # root sets the scene, then drops to nobody


def hold(*close: int):
    def run() -> None:
        for fd in close:
            os.close(fd)
        sleep_forever()
    return run


def test_nobody_sees_its_own_pipes_with_bytes_and_a_blocked_reader() -> None:
    full_read, full_write = os.pipe()
    empty_read, empty_write = os.pipe()
    os.write(full_write, b"q" * 42)
    ours = (full_read, full_write, empty_read, empty_write)

    def blocked_reader() -> None:
        for fd in (full_read, full_write, empty_write):
            os.close(fd)
        os.read(empty_read, 1)

    with children() as kids:
        writer = kids.spawn(hold(full_read, empty_read), uid=NOBODY)
        reader = kids.spawn(hold(full_write, empty_read, empty_write), uid=NOBODY)
        blocked = kids.spawn(blocked_reader, uid=NOBODY)
        for fd in ours:
            os.close(fd)
        wait_for_state(blocked, "pipe_read")

        def look():
            watcher = scanner()
            scan = poll_channels(watcher, lambda c: any(p.blocked for p in c.pipes
                                                        if blocked in {e.pid for e in p.ends}), kinds=("pipe",))
            mine = [p for p in scan.channels.pipes if {e.pid for e in p.ends} & {writer, reader, blocked}]
            return mine, scan.channels.complete, scan.channels.notes

        pipes, complete, notes = run_as_user(look)
    by_ends = {frozenset((e.pid, e.mode) for e in p.ends): p for p in pipes}
    full = by_ends[frozenset({(writer, "w"), (reader, "r")})]
    assert (full.queued, full.capacity) == (42, 65536)  # measured through its owner's read end
    empty = by_ends[frozenset({(writer, "w"), (blocked, "r")})]
    assert [(t.pid, t.op, t.fd, t.state) for t in empty.blocked] == [(blocked, "read", empty_read, "waiting")]
    assert empty.queued == 0
    assert not complete and any("could not be inspected" in note for note in notes)


def test_a_pipe_whose_reader_is_hidden_is_not_measured_and_not_called_readerless() -> None:
    read_end, write_end = os.pipe()
    with children() as kids:
        writer = kids.spawn(hold(read_end), uid=NOBODY)
        os.close(write_end)  # the read end stays with root (this test process)
        inode = os.fstat(read_end).st_ino

        def look():
            from ipcscope.doctor import diagnose

            os.close(read_end)
            watcher = scanner()
            scan = poll_channels(watcher, lambda c: any(p.inode == inode for p in c.pipes), kinds=("pipe",))
            snapshot = empty_snapshot()
            snapshot = type(snapshot)(taken_at=snapshot.taken_at, processes=scan)
            return ([p for p in scan.channels.pipes if p.inode == inode][0],
                    [f.kind for f in diagnose(snapshot, now=snapshot.taken_at, stuck_after=0)
                     if f.object.ident == inode])

        try:
            pipe, kinds = run_as_user(look)
        finally:
            os.close(read_end)
    assert [(e.pid, e.mode) for e in pipe.ends] == [(writer, "w")]
    assert (pipe.queued, pipe.capacity) == (None, None)  # a write end's duplicate could hide EOF from it
    assert kinds == []  # pipe-no-reader needs every process inspected


def test_sockets_of_other_users_have_no_ends_and_are_counted_never_mispaired() -> None:
    mine, roots = socket.socketpair()
    with mine, roots, children() as kids:
        holder = kids.spawn(hold(roots.fileno()), uid=NOBODY)
        mine_inode, roots_inode = socket_inode(mine), socket_inode(roots)
        mine.close()  # now only the nobody child holds `mine`; root (this process) holds `roots`

        def look():
            roots.close()
            scan = poll_channels(scanner(), lambda c: any(s.inode == mine_inode and s.ends for s in c.unix),
                                 kinds=("unix",))
            by_inode = {s.inode: s for s in scan.channels.unix}
            return by_inode[mine_inode], by_inode[roots_inode], scan.channels.hidden_ends, scan.channels.notes

        visible, hidden, count, notes = run_as_user(look)
    assert [(e.pid, e.mode) for e in visible.ends] == [(holder, "rw")]
    assert visible.peer == roots_inode and hidden.peer == mine_inode  # pairs come from the kernel
    assert hidden.ends == ()  # root's descriptor is not guessed, nor given nobody's
    assert count >= 1 and any("no visible owner" in note for note in notes)
