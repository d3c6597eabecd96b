"""The channel probe's pure parts: sock_diag replies (crafted and random bytes), the /proc/net
fallback, which inet sockets are local channels, descriptor links, and which end may be duplicated."""

from __future__ import annotations

import socket
import struct
import sys

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from ipcscope.probe.channels import diag, inet, procnet
from ipcscope.probe.channels.blocked import read_c_string
from ipcscope.probe.channels.descriptors import end_mode, fifo_path, link_inode, may_be_fifo
from ipcscope.probe.channels.diag import InetRecord, UnixRecord
from ipcscope.probe.channels.pipes import end_to_duplicate
from ipcscope.probe.channels.sockets import SocketSource
from ipcscope.probe.syscalls import CHANNEL_SYSCALLS

# --------------------------------------------------------------------------- sock_diag bytes


def nlmsg(kind: int, payload: bytes) -> bytes:
    body = struct.pack("=IHHII", 16 + len(payload), kind, 2, 1, 0) + payload
    return body + b"\0" * (-len(body) % 4)


def rtattr(kind: int, value: bytes) -> bytes:
    raw = struct.pack("=HH", 4 + len(value), kind) + value
    return raw + b"\0" * (-len(raw) % 4)


def unix_msg(inode: int, kind: int = 1, state: int = 1, **attrs: bytes) -> bytes:
    header = struct.pack("=BBBxI8x", socket.AF_UNIX, kind, state, inode)
    numbers = {"name": 0, "peer": 2, "icons": 3, "rqlen": 4, "shutdown": 6, "uid": 7}
    return nlmsg(20, header + b"".join(rtattr(numbers[k], v) for k, v in attrs.items()))


def test_a_unix_reply_decodes_every_attribute() -> None:
    data = (unix_msg(11, name=b"/run/x.sock\0", peer=struct.pack("=I", 12), rqlen=struct.pack("=II", 7, 0),
                     uid=struct.pack("=I", 1000), shutdown=b"\0")
            + unix_msg(20, state=10, name=b"\0abstract", icons=struct.pack("=II", 31, 32),
                       rqlen=struct.pack("=II", 2, 128))
            + nlmsg(3, b"\0" * 4))
    reply = diag.split_messages(data)
    assert reply.done and reply.error is None and not reply.warnings
    records, warnings = diag.parse_dump(reply.payloads, "unix")
    assert not warnings
    first, second = records
    assert first == UnixRecord(inode=11, type=1, state=1, name=b"/run/x.sock\0", peer=12, rq=7, wq=0,
                               icons=(), uid=1000, shutdown=0)
    assert diag.unix_name(first.name) == "/run/x.sock" and diag.unix_name(second.name) == "@abstract"
    assert (second.state, second.icons, second.rq, second.wq) == (10, (31, 32), 2, 128)


def test_an_error_reply_carries_its_errno() -> None:
    reply = diag.split_messages(nlmsg(2, struct.pack("=i", -2) + b"\0" * 16))
    assert reply.done and reply.error == 2


def test_a_truncated_reply_is_skipped_with_a_warning() -> None:
    data = unix_msg(11)[:-2]
    reply = diag.split_messages(data)
    assert reply.payloads == [] and "claims" in reply.warnings[0]
    records, warnings = diag.parse_dump([b"\1\2\3"], "unix")
    assert records == [] and warnings == [
        "sock_diag: 1 unix socket record could not be decoded and was skipped "
        "(a unix_diag message of 3 bytes is shorter than its header)"]


def test_an_inet_message_decodes_addresses_ports_and_queues() -> None:
    sockid = struct.pack(">HH", 5432, 40000) + socket.inet_aton("127.0.0.1") + b"\0" * 12 \
        + socket.inet_aton("127.0.0.2") + b"\0" * 12 + b"\0" * 12
    payload = struct.pack("=BBBB", socket.AF_INET, 1, 0, 0) + sockid + struct.pack("=IIIII", 0, 10, 20, 1000, 77)
    [record], warnings = diag.parse_dump([payload], "inet", socket.IPPROTO_TCP)
    assert not warnings
    assert record == InetRecord(socket.AF_INET, 6, 1, socket.inet_aton("127.0.0.1"), 5432,
                                socket.inet_aton("127.0.0.2"), 40000, 10, 20, 1000, 77)


@settings(max_examples=300, deadline=None)
@given(st.binary(max_size=512))
def test_random_reply_bytes_never_crash(data: bytes) -> None:
    reply = diag.split_messages(data)
    for decode in ("unix", "inet"):
        records, warnings = diag.parse_dump(reply.payloads, decode, socket.IPPROTO_TCP)
        assert len(records) + (1 if warnings else 0) <= max(len(reply.payloads), 1) + 1
        for warning in warnings:
            assert warning.startswith("sock_diag: ") and "could not be decoded" in warning
    for warning in reply.warnings or ():
        assert warning.startswith("sock_diag reply: ")


@settings(max_examples=300, deadline=None)
@given(st.lists(st.binary(max_size=160), max_size=8))
def test_random_payloads_in_well_formed_messages_never_crash(payloads: list[bytes]) -> None:
    data = b"".join(nlmsg(20, p) for p in payloads) + nlmsg(3, b"\0" * 4)
    reply = diag.split_messages(data)
    assert reply.done and len(reply.payloads) == len(payloads)
    for decode in ("unix", "inet"):
        records, warnings = diag.parse_dump(reply.payloads, decode, socket.IPPROTO_UDP)
        bad = len(payloads) - len(records)
        assert bool(warnings) == (bad > 0)
        if bad:
            assert f"{bad} {decode} socket record" in warnings[0]


@settings(max_examples=200, deadline=None)
@given(st.binary(max_size=64), st.binary(max_size=64))
def test_random_attributes_after_a_valid_header_never_crash(attrs: bytes, name: bytes) -> None:
    payload = struct.pack("=BBBxI8x", socket.AF_UNIX, 1, 1, 5) + rtattr(0, name) + attrs
    records, warnings = diag.parse_dump([payload], "unix")
    assert len(records) + len(warnings) == 1
    if records:
        diag.unix_name(records[0].name)


# --------------------------------------------------------------------------- /proc/net


PROC_NET_UNIX = """\
Num       RefCount Protocol Flags    Type St Inode Path
0000000000000000: 00000002 00000000 00010000 0001 01 15810 /tmp/srv.sock
0000000000000000: 00000003 00000000 00000000 0001 03 15811
0000000000000000: 00000002 00000000 00000000 0002 01 15812 @abstract
garbage line
"""

PROC_NET_TCP = """\
  sl  local_address rem_address   st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode
   0: 0100007F:1538 00000000:0000 0A 00000000:00000002 00:00000000 00000000     0        0 4242 1 0 100 0 0 10 0
   1: 0100007F:9C40 0100007F:1538 01 00000000:00000010 00:00000000 00000000  1000        0 4243 1 0 20 4 30 10 -1
"""

PROC_NET_TCP6 = """\
  sl  local_address                         remote_address                        st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode
   0: 00000000000000000000000001000000:0050 00000000000000000000000000000000:0000 0A 00000000:00000000 00:00000000 00000000     0        0 5000 1 0 100 0 0 10 0
"""  # noqa: E501


def test_proc_net_unix_lines() -> None:
    records, bad = procnet.parse_unix(PROC_NET_UNIX)
    assert bad == 1
    assert [(r.inode, r.type, r.state, diag.unix_name(r.name), r.peer, r.rq) for r in records] == [
        (15810, 1, 10, "/tmp/srv.sock", None, None), (15811, 1, 1, None, None, None),
        (15812, 2, 7, "@abstract", None, None)]


@pytest.mark.skipif(sys.byteorder != "little", reason="the sample lines are a little-endian machine's")
def test_proc_net_tcp_lines() -> None:
    records, bad = procnet.parse_inet(PROC_NET_TCP, socket.AF_INET, socket.IPPROTO_TCP)
    assert bad == 0
    listener, client = records
    assert (inet.endpoint(listener.src, listener.sport), listener.state, listener.rq, listener.wq) == \
        ("127.0.0.1:5432", 10, 2, None)
    assert (inet.endpoint(client.dst, client.dport), client.rq, client.uid, client.inode) == \
        ("127.0.0.1:5432", 16, 1000, 4243)
    [v6], _ = procnet.parse_inet(PROC_NET_TCP6, socket.AF_INET6, socket.IPPROTO_TCP)
    assert inet.endpoint(v6.src, v6.sport) == "[::1]:80"


def test_a_fixture_tree_is_read_from_its_net_files(tmp_path) -> None:
    (tmp_path / "net").mkdir()
    (tmp_path / "net" / "unix").write_text(PROC_NET_UNIX)
    (tmp_path / "net" / "tcp").write_text(PROC_NET_TCP)
    source = SocketSource(str(tmp_path), live=False)
    unix = source.unix()
    assert [r.inode for r in unix.records] == [15810, 15811, 15812] and not unix.detailed
    assert any("net/unix" in note and "unknown" in note for note in unix.notes)
    assert any("1 unrecognised line" in note for note in unix.notes)
    listed = source.inet()
    assert [r.inode for r in listed.records] == [4242, 4243]
    assert any("backlog" in note for note in listed.notes)


# --------------------------------------------------------------------------- local inet channels


def v4(text: str) -> bytes:
    return socket.inet_aton(text)


def v6(text: str) -> bytes:
    return socket.inet_pton(socket.AF_INET6, text)


def tcp(src: bytes, sport: int, dst: bytes, dport: int, state: int, inode: int) -> InetRecord:
    family = socket.AF_INET if len(src) == 4 else socket.AF_INET6
    return InetRecord(family, socket.IPPROTO_TCP, state, src, sport, dst, dport, 0, 0, 0, inode)


def udp(src: bytes, sport: int, dst: bytes, dport: int, inode: int) -> InetRecord:
    family = socket.AF_INET if len(src) == 4 else socket.AF_INET6
    return InetRecord(family, socket.IPPROTO_UDP, 1 if dport else 7, src, sport, dst, dport, 0, 0, 0, inode)


ANY4, ANY6 = v4("0.0.0.0"), v6("::")


def kept(records: list[InetRecord]) -> dict[int, int | None]:
    return {k.record.inode: k.peer for k in inet.local_sockets(records)}


def test_remote_traffic_and_listeners_on_other_addresses_are_not_channels() -> None:
    records = [
        tcp(v4("10.0.0.5"), 50000, v4("93.184.216.34"), 443, 1, 1),  # to another machine
        tcp(v4("10.0.0.5"), 8080, ANY4, 0, 10, 2),  # listening on an interface address only
        tcp(ANY4, 22, ANY4, 0, 10, 3),  # listening on every address: reachable locally
        tcp(v4("10.0.0.5"), 40000, v4("10.0.0.9"), 22, 1, 4),  # ssh to another machine's port 22
        tcp(v4("127.0.0.1"), 6000, ANY4, 0, 7, 5),  # bound, neither listening nor connected
        tcp(v4("127.0.0.1"), 1, v4("127.0.0.1"), 2, 6, 0),  # TIME_WAIT: inode 0
    ]
    assert kept(records) == {3: None}


def test_pairs_across_v4_mapped_addresses_and_pending_clients() -> None:
    mapped = v6("::ffff:127.0.0.1")
    records = [
        tcp(ANY6, 80, ANY6, 0, 10, 1),
        tcp(v4("127.0.0.1"), 40000, v4("127.0.0.1"), 80, 1, 2),  # the client, IPv4
        tcp(mapped, 80, mapped, 40000, 1, 3),  # the accepted end, seen by the IPv6 listener
        tcp(v4("127.0.0.1"), 40001, v4("127.0.0.1"), 80, 1, 4),  # a client not accepted yet
        tcp(mapped, 80, mapped, 40001, 1, 0),  # ... whose server end has no inode
    ]
    assert kept(records) == {1: None, 2: 3, 3: 2, 4: None}
    assert inet.endpoint(mapped, 80) == "127.0.0.1:80"


def test_a_connected_udp_sender_reaches_a_wildcard_or_exact_receiver() -> None:
    records = [
        udp(ANY4, 5353, ANY4, 0, 1),
        udp(v4("127.0.0.1"), 40000, v4("127.0.0.1"), 5353, 2),
        udp(v6("::1"), 9999, ANY6, 0, 3),
        udp(v6("::1"), 40001, v6("::1"), 9999, 4),
        udp(v4("10.0.0.5"), 40002, v4("8.8.8.8"), 5353, 5),  # to another machine, same port
    ]
    assert kept(records) == {1: None, 2: 1, 3: None, 4: 3}


# --------------------------------------------------------------------------- small rules


def test_descriptor_links() -> None:
    assert link_inode("pipe:[4242]", "pipe:[") == 4242 and link_inode("socket:[9]", "socket:[") == 9
    assert link_inode("pipe:[x]", "pipe:[") is None and link_inode("/tmp/pipe:[1]", "pipe:[") is None
    assert may_be_fifo("/tmp/f") and may_be_fifo("/dev/shm/f") and may_be_fifo("/dev/initctl")
    assert not may_be_fifo("/dev/null") and not may_be_fifo("/dev/pts/3") and not may_be_fifo("anon_inode:[eventfd]")
    assert fifo_path("/tmp/f (deleted)") == ("/tmp/f", True) and fifo_path("/tmp/f") == ("/tmp/f", False)
    assert [end_mode(m) for m in (0o120500, 0o120300, 0o120700, 0o120000)] == ["r", "w", "rw", None]


def test_only_a_read_end_is_duplicated_unless_nobody_could_read() -> None:
    assert end_to_duplicate([(1, 4, "w"), (2, 3, "r")], False) == (2, 3, "r")
    assert end_to_duplicate([(1, 4, "rw"), (2, 3, "r")], False) == (2, 3, "r")
    assert end_to_duplicate([(1, 4, "w"), (1, 5, "rw")], False) == (1, 5, "rw")
    assert end_to_duplicate([(1, 4, "w")], False) is None  # a hidden process may hold the read end
    assert end_to_duplicate([(1, 4, "w")], True) == (1, 4, "w")
    assert end_to_duplicate([], True) is None


def test_a_c_string_is_read_in_chunks_that_stop_at_page_ends() -> None:
    start, mapped_end = 0x1000 - 4, 0x1100  # "/tmp" ends a page; the mapping ends soon after
    memory = b"/tmp/fifo\0"
    reads: list[tuple[int, int]] = []

    def read(address: int, length: int) -> bytes | None:
        reads.append((address, length))
        if address + length > mapped_end:
            return None  # a read that runs past the mapping fails whole (EIO)
        offset = address - start
        return (memory + b"\xff" * 0x1000)[offset:offset + length]

    assert read_c_string(read, start) == b"/tmp/fifo"
    assert reads == [(start, 4), (0x1000, 256)]
    assert read_c_string(lambda a, n: None, 0x4000) is None
    assert read_c_string(lambda a, n: b"x" * n, 0x4000, limit=600) is None
    assert read_c_string(read, 0) is None


def test_every_architecture_table_has_the_same_calls() -> None:
    generic, x86 = CHANNEL_SYSCALLS["aarch64"], CHANNEL_SYSCALLS["x86_64"]
    assert set(generic.values()) == set(x86.values()) - {"open"}
    assert CHANNEL_SYSCALLS["riscv64"] is generic
