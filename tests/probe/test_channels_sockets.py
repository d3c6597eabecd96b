"""UNIX sockets (stream, dgram, seqpacket; path, abstract, socketpair) and TCP/UDP on 127.0.0.1 and
::1 between real processes: pairing, bytes queued, listeners' pending connections, blocked calls."""

from __future__ import annotations

import os
import socket
import uuid

import pytest

from tests.probe.channel_helpers import (
    empty_snapshot,
    inet_of,
    poll_channels,
    private_dir,
    scanner,
    socket_inode,
    unix_of,
)
from tests.probe.scan_helpers import children, sleep_forever

pytestmark = pytest.mark.usefixtures("root_only")

UNIX = ("unix",)
INET = ("inet",)


def has_ipv6_loopback() -> bool:
    try:
        with socket.socket(socket.AF_INET6, socket.SOCK_STREAM) as probe:
            probe.bind(("::1", 0))
        return True
    except OSError:
        return False


# --------------------------------------------------------------------------- UNIX


@pytest.mark.parametrize("kind, name", [(socket.SOCK_STREAM, "stream"), (socket.SOCK_DGRAM, "dgram"),
                                        (socket.SOCK_SEQPACKET, "seqpacket")])
def test_a_socketpair_names_each_other_with_bytes_queued(kind: int, name: str) -> None:
    a, b = socket.socketpair(socket.AF_UNIX, kind)
    with a, b:
        a.send(b"x" * 100)
        a.send(b"y" * 300)
        with children() as kids:
            holder = kids.spawn(lambda: (a.close(), sleep_forever()))
            ia, ib, fd = socket_inode(a), socket_inode(b), a.fileno()
            scan = poll_channels(scanner(), lambda c: unix_of(c, ib) is not None
                                 and holder in {e.pid for e in unix_of(c, ib).ends}, kinds=UNIX)
    left, right = unix_of(scan.channels, ia), unix_of(scan.channels, ib)
    assert (left.type, left.state, left.peer, left.name) == (name, "connected", ib, None)
    assert (right.peer, right.pending, right.backlog) == (ia, None, None)
    # stream and seqpacket: unread bytes; a datagram socket says only the first datagram's length
    assert right.queued == (100 if name == "dgram" else 400)
    assert left.queued == 0
    assert {(e.pid, e.fd, e.mode) for e in left.ends} == {(os.getpid(), fd, "rw")}
    assert {(e.pid, e.mode) for e in right.ends} == {(os.getpid(), "rw"), (holder, "rw")}


def test_a_path_listener_its_pending_client_then_the_accepted_pair() -> None:
    with private_dir() as directory:
        path = f"{directory}/server.sock"
        server = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        client = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        with server, client:
            server.bind(path)
            server.listen(4)
            client.connect(path)
            listener, mine = socket_inode(server), socket_inode(client)
            watcher = scanner()
            scan = poll_channels(watcher, lambda c: unix_of(c, listener) is not None, kinds=UNIX)
            found = unix_of(scan.channels, listener)
            assert (found.state, found.name, found.pending, found.backlog) == ("listen", path, 1, 4)
            assert found.pending_peers == (mine,) and found.queued is None
            waiting = unix_of(scan.channels, mine)
            assert (waiting.state, waiting.peer) == ("connected", None)  # not accepted yet
            accepted, _ = server.accept()
            with accepted:
                client.send(b"hello")
                scan = watcher.scan(empty_snapshot(), UNIX)
                theirs = socket_inode(accepted)
                assert unix_of(scan.channels, mine).peer == theirs
                assert unix_of(scan.channels, theirs).peer == mine
                assert unix_of(scan.channels, theirs).queued == 5
                assert unix_of(scan.channels, theirs).name == path  # the accepted end shares the name
                assert unix_of(scan.channels, listener).pending == 0


def test_an_abstract_name_shows_as_at_name() -> None:
    name = f"ipcscope_test_{os.getpid()}_{uuid.uuid4().hex[:8]}"
    with socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM) as sock:
        sock.bind("\0" + name)
        inode = socket_inode(sock)
        scan = poll_channels(scanner(), lambda c: unix_of(c, inode) is not None, kinds=UNIX)
    found = unix_of(scan.channels, inode)
    assert (found.name, found.type, found.state) == (f"@{name}", "dgram", "unconnected")


def test_a_closed_peer_leaves_a_closing_stream() -> None:
    a, b = socket.socketpair()
    with b:
        inode = socket_inode(b)
        a.close()
        scan = poll_channels(scanner(), lambda c: unix_of(c, inode) is not None, kinds=UNIX)
    assert (unix_of(scan.channels, inode).state, unix_of(scan.channels, inode).peer) == ("closing", None)


def test_blocked_accept_recv_read_send_and_connect() -> None:
    with private_dir() as directory:
        path = f"{directory}/srv"
        listener = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        full = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        recv_a, recv_b = socket.socketpair()
        read_a, read_b = socket.socketpair()
        send_a, send_b = socket.socketpair()
        with listener, full, recv_a, recv_b, read_a, read_b, send_a, send_b:
            listener.bind(path)
            listener.listen(4)
            full.bind(f"{directory}/full")
            full.listen(0)
            filler = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
            filler.connect(f"{directory}/full")  # backlog 0 admits one: the next connect blocks
            send_a.setblocking(False)
            try:
                while True:
                    send_a.send(b"s" * 65536)
            except BlockingIOError:
                pass
            send_a.setblocking(True)

            def connect() -> None:
                socket.socket(socket.AF_UNIX, socket.SOCK_STREAM).connect(f"{directory}/full")
                sleep_forever()

            with filler, children() as kids:
                acceptor = kids.spawn(lambda: (listener.accept(), sleep_forever()))
                receiver = kids.spawn(lambda: (recv_a.recv(10), sleep_forever()))
                reader = kids.spawn(lambda: (os.read(read_a.fileno(), 10), sleep_forever()))
                sender = kids.spawn(lambda: (send_a.send(b"more" * 100000), sleep_forever()))
                connector = kids.spawn(connect)
                expected = {acceptor: "accept", receiver: "recv", reader: "read", sender: "send",
                            connector: "connect"}

                def all_blocked(channels) -> bool:
                    ops = {t.pid: t.op for s in channels.unix for t in s.blocked}
                    return all(ops.get(pid) == op for pid, op in expected.items())

                scan = poll_channels(scanner(), all_blocked, kinds=UNIX)
                where = {t.pid: (s.inode, t.fd) for s in scan.channels.unix for t in s.blocked}
                assert where[acceptor] == (socket_inode(listener), listener.fileno())
                assert where[receiver] == (socket_inode(recv_a), recv_a.fileno())
                assert where[reader] == (socket_inode(read_a), read_a.fileno())
                assert where[sender] == (socket_inode(send_a), send_a.fileno())
                assert unix_of(scan.channels, socket_inode(full)).pending == 1


# --------------------------------------------------------------------------- TCP and UDP


@pytest.mark.parametrize("family, host", [(socket.AF_INET, "127.0.0.1"), (socket.AF_INET6, "::1")])
def test_tcp_between_processes_is_paired_with_bytes_and_accept_queue(family: int, host: str) -> None:
    if family == socket.AF_INET6 and not has_ipv6_loopback():
        pytest.skip("no IPv6 loopback")
    server = socket.socket(family, socket.SOCK_STREAM)
    with server:
        server.bind((host, 0))
        server.listen(8)
        port = server.getsockname()[1]
        with children() as kids:
            def client() -> None:
                server.close()
                sock = socket.create_connection((host, port))
                sock.sendall(b"c" * 5000)
                sleep_forever()

            pid = kids.spawn(client)
            listener = socket_inode(server)
            watcher = scanner()
            # The fd walk precedes the sock_diag dump: one scan may count the connection pending
            # before it has seen the client's new descriptor (or while the child still holds its
            # inherited copy of the listener), so wait for both.
            def connected_and_owned(c) -> bool:
                found = inet_of(c, listener)
                return (found is not None and found.pending == 1
                        and any(pid in {e.pid for e in s.ends} and s.inode != listener for s in c.inet))

            scan = poll_channels(watcher, connected_and_owned, kinds=INET)
            found = inet_of(scan.channels, listener)
            shown = f"[{host}]:{port}" if family == socket.AF_INET6 else f"{host}:{port}"
            assert (found.proto, found.state, found.local, found.remote) == ("tcp", "listen", shown, None)
            assert (found.backlog, found.queued) == (8, None)
            waiting = [s for s in scan.channels.inet if pid in {e.pid for e in s.ends}]
            assert [(w.state, w.peer) for w in waiting] == [("established", None)]  # not accepted yet
            accepted, _ = server.accept()
            with accepted:
                mine = socket_inode(accepted)
                scan = poll_channels(watcher, lambda c: (s := inet_of(c, mine)) is not None and s.queued == 5000,
                                     kinds=INET)
                theirs = inet_of(scan.channels, mine)
                other = inet_of(scan.channels, theirs.peer)
                assert other.peer == mine and pid in {e.pid for e in other.ends}
                assert (theirs.local, theirs.remote) == (other.remote, other.local)
                assert inet_of(scan.channels, listener).pending == 0


def test_an_ipv4_client_of_a_dual_stack_listener_is_paired_ipv4() -> None:
    if not has_ipv6_loopback():
        pytest.skip("no IPv6")
    server = socket.socket(socket.AF_INET6, socket.SOCK_STREAM)
    with server:
        server.setsockopt(socket.IPPROTO_IPV6, socket.IPV6_V6ONLY, 0)
        server.bind(("::", 0))
        server.listen(1)
        port = server.getsockname()[1]
        client = socket.create_connection(("127.0.0.1", port))
        accepted, _ = server.accept()
        with client, accepted:
            mine, theirs, listening = socket_inode(client), socket_inode(accepted), socket_inode(server)
            scan = poll_channels(scanner(), lambda c: inet_of(c, theirs) is not None, kinds=INET)
    server_end = inet_of(scan.channels, theirs)
    assert server_end.local == f"127.0.0.1:{port}"  # ::ffff:127.0.0.1 normalised
    assert server_end.peer == mine and inet_of(scan.channels, mine).peer == theirs
    assert inet_of(scan.channels, listening).local == f"[::]:{port}"


@pytest.mark.parametrize("family, wildcard, host", [(socket.AF_INET, "0.0.0.0", "127.0.0.1"),
                                                    (socket.AF_INET6, "::", "::1")])
def test_a_connected_udp_sender_pairs_with_the_receiver_bound_to_the_wildcard(family, wildcard, host) -> None:
    if family == socket.AF_INET6 and not has_ipv6_loopback():
        pytest.skip("no IPv6")
    receiver = socket.socket(family, socket.SOCK_DGRAM)
    with receiver:
        receiver.bind((wildcard, 0))
        port = receiver.getsockname()[1]
        theirs = socket_inode(receiver)

        def send() -> None:
            receiver.close()
            sender = socket.socket(family, socket.SOCK_DGRAM)
            sender.connect((host, port))
            sender.send(b"d" * 133)
            sleep_forever()

        with children() as kids:
            pid = kids.spawn(send)
            # A dump is not atomic: the sender may be dumped still unconnected, the receiver a
            # moment later with the datagram queued; wait until one scan shows both done.
            scan = poll_channels(scanner(), lambda c: any(pid in {e.pid for e in s.ends}
                                                          and s.state == "established" for s in c.inet)
                                 and inet_of(c, theirs).queued, kinds=INET)
    [out] = [s for s in scan.channels.inet if pid in {e.pid for e in s.ends}]
    into = inet_of(scan.channels, theirs)
    assert (out.proto, out.state, out.peer, out.remote) == ("udp", "established", theirs,
                                                            f"[{host}]:{port}" if ":" in host else f"{host}:{port}")
    assert (into.state, into.remote, into.peer) == ("unconnected", None, None)
    assert os.getpid() in {e.pid for e in into.ends}
    assert into.queued > 133  # UDP reports buffer memory, not payload bytes
