"""The Channels view's rows, cells and texts, from fixture channel scans (no app, no kernel)."""

from __future__ import annotations

from ipcscope.demo import channels_seen_by, demo_channels
from ipcscope.model import BlockedTask, ChannelEnd, ChannelScan, Fifo, InetSocket, Pipe, ProcessScan, UnixSocket
from ipcscope.ui.data.channel_rows import SOCKETPAIR, channel_rows, row_aliases
from ipcscope.ui.render.channel_columns import blocked_text, end_text, queued_cell, side_text
from ipcscope.ui.render.channel_texts import (
    NOT_SCANNED,
    channels_notice,
    empty_channels_text,
    no_subkind_text,
)
from ipcscope.ui.render.columns import RowContext

CTX = RowContext(None, None, 0.0)


def end(pid: int, fd: int, mode: str = "rw", comm: str = "p", uid: int = 1000) -> ChannelEnd:
    return ChannelEnd(pid, comm, fd, mode, uid)  # type: ignore[arg-type]


def rows_by_key(scan: ChannelScan):
    return {row.key: row for row in channel_rows(scan)}


def test_a_pipe_row_has_its_write_ends_from_and_read_ends_to() -> None:
    pipe = Pipe(10, 15, ends=(end(1, 3, "r"), end(1, 4, "w"), end(2, 3, "r"), end(2, 4, "w"), end(3, 0, "r")),
                queued=3, capacity=65536)
    row = rows_by_key(ChannelScan(pipes=(pipe,)))["pipe:10"]
    assert [e.fd for e in row.senders] == [4, 4] and [e.pid for e in row.receivers] == [1, 2, 3]
    assert side_text(row.senders, row.from_note) == ("1 p fd4 +1", False)
    assert side_text(row.receivers, row.to_note) == ("1 p fd3 +2", False)
    assert row.fill == 3 / 65536


def test_pipe_states_say_what_a_writer_or_reader_will_get() -> None:
    full = Pipe(1, 15, ends=(end(1, 1, "w"), end(2, 0, "r")), queued=4096, capacity=4096)
    no_reader = Pipe(2, 15, ends=(end(1, 1, "w"),), queued=0, capacity=65536)
    no_writer = Pipe(3, 15, ends=(end(2, 0, "r"),), queued=5, capacity=65536)
    rows = rows_by_key(ChannelScan(pipes=(full, no_reader, no_writer)))
    assert (rows["pipe:1"].state, rows["pipe:1"].state_tone) == ("full", "bad")
    assert (rows["pipe:2"].state, rows["pipe:2"].to_note) == ("no reader", "nobody")
    assert rows["pipe:3"].state == "no writer"


def test_hidden_ends_are_never_taken_for_nobody() -> None:
    """Another user's descriptors may be the missing end: no "no reader" verdict, no "nobody"."""
    lonely = Pipe(2, 15, ends=(end(1, 1, "w"),), queued=0, capacity=65536)
    row = rows_by_key(ChannelScan(pipes=(lonely,), hidden_ends=3))["pipe:2"]
    assert row.to_note == "none visible"
    assert row.state != "no reader"


def test_a_fifo_with_an_opener_blocked_in_open_names_it() -> None:
    fifo = Fifo("/tmp/f", 99, 2049, blocked=(BlockedTask(7, 7, "logger", "open", None, since=1.0),), queued=0)
    row = rows_by_key(ChannelScan(fifos=(fifo,)))["fifo:99"]
    assert (row.from_note, row.to_note, row.state) == ("7 logger open()", "no partner yet", "in open()")
    assert blocked_text(row) == "1 open"


def test_an_openers_end_puts_it_on_its_side() -> None:
    writer = Fifo("/tmp/w", 1, 2049, blocked=(BlockedTask(7, 7, "echo", "open", None, mode="w"),))
    reader = Fifo("/tmp/r", 2, 2049, blocked=(BlockedTask(8, 8, "cat", "open", None, mode="r"),))
    rows = rows_by_key(ChannelScan(fifos=(writer, reader)))
    assert (rows["fifo:1"].from_note, rows["fifo:1"].to_note) == ("7 echo open()", "no reader yet")
    assert (rows["fifo:2"].from_note, rows["fifo:2"].to_note) == ("no writer yet", "8 cat open()")


def test_an_incomplete_scan_is_never_taken_for_nobody() -> None:
    lonely = Pipe(2, 15, ends=(end(1, 1, "w"),), queued=0, capacity=65536)
    row = rows_by_key(ChannelScan(pipes=(lonely,), complete=False))["pipe:2"]
    assert row.to_note == "none visible" and row.state != "no reader"
    assert "could not be inspected" in channels_notice(ProcessScan(0.0, channels=ChannelScan(complete=False)))


def test_a_connected_unix_pair_is_one_row_client_first_and_found_by_either_inode() -> None:
    server = UnixSocket(21, "stream", "connected", name="/run/s.sock", peer=20, queued=100,
                        ends=(end(5, 7, comm="server"),))
    client = UnixSocket(20, "stream", "connected", peer=21, queued=7, ends=(end(6, 3, comm="client"),))
    rows = channel_rows(ChannelScan(unix=(server, client)))
    assert len(rows) == 1
    row = rows[0]
    assert row.key == "unix:20" and row.inodes == (20, 21)
    assert row.senders[0].comm == "client" and row.receivers[0].comm == "server"
    assert row.queued == 107 and row.name == "/run/s.sock"
    assert row_aliases(rows) == {"unix:20": "unix:20", "unix:21": "unix:20"}


def test_sockets_that_do_not_name_each_other_are_not_paired() -> None:
    a = UnixSocket(30, "stream", "connected", peer=31, ends=(end(1, 3),))
    b = UnixSocket(31, "stream", "connected", peer=99, ends=(end(2, 3),))
    rows = rows_by_key(ChannelScan(unix=(a, b)))
    assert set(rows) == {"unix:30", "unix:31"}
    assert rows["unix:30"].to_note == "socket 31 (not listed)"


def test_a_socketpair_is_named_so() -> None:
    a = UnixSocket(41, "seqpacket", "connected", peer=40)
    b = UnixSocket(40, "seqpacket", "connected", peer=41)
    (row,) = channel_rows(ChannelScan(unix=(a, b)))
    assert (row.label, row.name, row.key) == ("u_seq", SOCKETPAIR, "unix:40")


def test_clients_in_a_listeners_backlog_fold_into_its_row() -> None:
    listener = UnixSocket(50, "stream", "listen", name="/run/l.sock", pending=2, backlog=2,
                          pending_peers=(51, 52), ends=(end(1, 5, comm="srv"),))
    waiting = UnixSocket(51, "stream", "connected", ends=(end(2, 3, comm="cli"),),
                         blocked=(BlockedTask(2, 2, "cli", "recv", 3),))
    rows = rows_by_key(ChannelScan(unix=(listener, waiting)))
    assert set(rows) == {"unix:50"}
    row = rows["unix:50"]
    assert row.is_listener and (row.queued, row.capacity, row.state_tone) == (2, 2, "bad")
    assert [e.comm for e in row.senders] == ["cli"] and row.inodes == (50, 51)
    assert blocked_text(row) == "1 recv"
    assert queued_cell(row, CTX).text == "2"  # connections, not bytes


def test_tcp_pair_puts_the_client_first_by_the_listeners_address() -> None:
    listener = InetSocket(1, "tcp", "127.0.0.1:8080", None, "listen", pending=0, backlog=5)
    server = InetSocket(3, "tcp", "127.0.0.1:8080", "127.0.0.1:40000", "established", peer=2,
                        ends=(end(10, 4, comm="srv"),))
    client = InetSocket(2, "tcp", "127.0.0.1:40000", "127.0.0.1:8080", "established", peer=3,
                        ends=(end(11, 5, comm="cli"),))
    rows = rows_by_key(ChannelScan(inet=(server, listener, client)))
    assert set(rows) == {"inet:1", "inet:2"}
    assert rows["inet:2"].senders[0].comm == "cli" and rows["inet:2"].name == "127.0.0.1:8080"


def test_an_unmeasured_queue_says_so() -> None:
    row = rows_by_key(ChannelScan(pipes=(Pipe(1, 15, ends=(end(1, 0, "r"),)),)))["pipe:1"]
    cell = queued_cell(row, CTX)
    assert (cell.text, cell.sort, cell.fraction) == ("?", None, None)


def test_the_demo_has_one_row_per_situation() -> None:
    rows = rows_by_key(demo_channels())
    assert list(rows) == ["pipe:31337", "pipe:31340", "pipe:31346", "fifo:40010", "fifo:40020", "unix:7001",
                          "unix:7003", "unix:7025", "unix:7101", "inet:9001", "inet:9002"]
    assert end_text(rows["pipe:31340"].senders[0]) == "4860 appd fd9"
    assert rows["pipe:31340"].state == "full" and rows["unix:7001"].state_tone == "bad"
    assert row_aliases(rows.values())["fifo:/tmp/lab/fifo"] == "fifo:40020"


def test_what_a_non_root_user_sees_is_counted() -> None:
    seen = channels_seen_by(demo_channels(), 1000)
    assert seen.hidden_ends == 4
    rows = rows_by_key(seen)
    assert "pipe:31340" not in rows  # root's pipe: no end of it can be seen
    assert rows["unix:7003"].receivers == () and rows["unix:7003"].to_note == "none visible"
    assert "could not be inspected" in channels_notice(ProcessScan(0.0, channels=seen))


def test_empty_view_texts() -> None:
    assert empty_channels_text(None).startswith("Channels come from the process scan")
    assert empty_channels_text(ProcessScan(0.0)) == NOT_SCANNED
    assert "mkfifo" in empty_channels_text(ProcessScan(0.0, channels=ChannelScan()))
    assert no_subkind_text("fifo", 3).startswith("No FIFOs (3 channels of other kinds hidden")
