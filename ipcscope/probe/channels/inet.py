"""Which TCP and UDP sockets are channels between local processes, and which pairs they form.

Pure functions over the records of a dump. A socket is kept when its other end is a socket of
this machine (the reversed address tuple is in the same dump), or when it listens on a local
address: loopback or the wildcard (UDP: bound and unconnected there, waiting for datagrams).
Traffic with other machines is not a channel between processes here and is left out.

Addresses are compared after mapping `::ffff:a.b.c.d` to `a.b.c.d`: an IPv4 client of a
dual-stack IPv6 listener shows as IPv4 on one side and v4-mapped IPv6 on the other. A connected
UDP sender pairs with the receiver bound to its destination, or to the wildcard on that port.
"""

from __future__ import annotations

import ipaddress
import socket
from dataclasses import dataclass

from ipcscope.probe.channels.diag import InetRecord

TCP_LISTEN = 10
TCP_ESTABLISHED = 1
TCP_CLOSE = 7

#: TCP state numbers as ss names them (lower case, ESTAB spelled out)
STATE_NAMES = {
    1: "established", 2: "syn-sent", 3: "syn-recv", 4: "fin-wait-1", 5: "fin-wait-2", 6: "time-wait",
    7: "unconnected", 8: "close-wait", 9: "last-ack", 10: "listen", 11: "closing", 12: "syn-recv",
}

_V4_MAPPED = b"\0" * 10 + b"\xff\xff"
_V4_ANY = b"\0" * 4
_V6_ANY = b"\0" * 16
_V6_LOOPBACK = b"\0" * 15 + b"\x01"


def normalise(address: bytes) -> bytes:
    """A v4-mapped IPv6 address as its 4 IPv4 bytes; anything else unchanged."""
    if len(address) == 16 and address.startswith(_V4_MAPPED):
        return address[12:]
    return address


def is_loopback(address: bytes) -> bool:
    address = normalise(address)
    return address[0] == 127 if len(address) == 4 else address == _V6_LOOPBACK


def is_wildcard(address: bytes) -> bool:
    return address in (_V4_ANY, _V6_ANY)


def endpoint(address: bytes, port: int) -> str:
    """"127.0.0.1:5432", "[::1]:80" (v4-mapped addresses shown as IPv4)."""
    address = normalise(address)
    if len(address) == 4:
        return f"{socket.inet_ntop(socket.AF_INET, address)}:{port}"
    return f"[{ipaddress.IPv6Address(address).compressed}]:{port}"


@dataclass(frozen=True)
class LocalSocket:
    """A record kept as a local channel, with the inode of its local peer (None: no single one)."""

    record: InetRecord
    peer: int | None
    listening: bool


def connected(record: InetRecord) -> bool:
    """Whether the socket has a remote address (TCP past LISTEN, or a connect()ed UDP socket)."""
    return record.dport != 0 or not is_wildcard(record.dst)


def local_sockets(records: list[InetRecord]) -> list[LocalSocket]:
    """The sockets that are channels between local processes, each with its local peer."""
    usable = [r for r in records if r.inode != 0]
    by_tuple: dict[tuple[int, bytes, int, bytes, int], InetRecord] = {}
    receivers: dict[tuple[bytes, int], InetRecord] = {}
    listeners: dict[int, list[bytes]] = {}
    # this machine's addresses: loopback, and whatever its own connected sockets are bound to
    own: set[bytes] = set()
    for r in records:
        src = normalise(r.src)
        if not is_wildcard(src):
            own.add(src)
        if r.protocol == socket.IPPROTO_TCP and r.state == TCP_LISTEN:
            listeners.setdefault(r.sport, []).append(src)
    for r in usable:
        src, dst = normalise(r.src), normalise(r.dst)
        if connected(r):
            by_tuple[(r.protocol, src, r.sport, dst, r.dport)] = r
        elif r.protocol == socket.IPPROTO_UDP and r.sport:
            receivers.setdefault((src, r.sport), r)
    kept: list[LocalSocket] = []
    for r in usable:
        src, dst = normalise(r.src), normalise(r.dst)
        reachable = is_loopback(src) or is_wildcard(src)
        if r.protocol == socket.IPPROTO_TCP and r.state == TCP_LISTEN:
            if reachable:
                kept.append(LocalSocket(r, None, True))
            continue
        if not connected(r):
            # UDP bound and unconnected: a receiver, a channel when it can be reached locally
            if r.protocol == socket.IPPROTO_UDP and r.sport and reachable:
                kept.append(LocalSocket(r, None, True))
            continue
        other = by_tuple.get((r.protocol, dst, r.dport, src, r.sport))
        if other is not None and other.inode != r.inode:
            kept.append(LocalSocket(r, other.inode, False))
        elif r.protocol == socket.IPPROTO_UDP and (is_loopback(dst) or dst in own):
            receiver = _udp_receiver(receivers, dst, r.dport)
            if receiver is not None and receiver.inode != r.inode:
                kept.append(LocalSocket(r, receiver.inode, False))
        elif r.state == TCP_ESTABLISHED and (is_loopback(dst) or dst in own) \
                and _listened(listeners.get(r.dport, ()), dst):
            # not accepted yet: the server end waits in a local listener's accept queue and has
            # no socket (no inode) until accept() returns it
            kept.append(LocalSocket(r, None, False))
    return kept


def _udp_receiver(receivers: dict[tuple[bytes, int], InetRecord], address: bytes, port: int) -> InetRecord | None:
    """The unconnected UDP socket a datagram to (address, port) reaches: bound to exactly that
    address, else to the wildcard (IPv6's also takes IPv4 on a dual stack)."""
    exact = receivers.get((address, port))
    if exact is not None:
        return exact
    for wildcard in ((_V4_ANY, _V6_ANY) if len(address) == 4 else (_V6_ANY,)):
        found = receivers.get((wildcard, port))
        if found is not None:
            return found
    return None


def _listened(addresses: list[bytes] | tuple[()], destination: bytes) -> bool:
    """Whether a listener bound to one of `addresses` accepts connections to `destination`."""
    for address in addresses:
        if address in (destination, _V6_ANY) or (address == _V4_ANY and len(destination) == 4):
            return True
    return False


def protocol_name(record: InetRecord) -> str:
    """"tcp" or "udp"."""
    return "tcp" if record.protocol == socket.IPPROTO_TCP else "udp"
