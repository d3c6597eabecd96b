"""NETLINK_SOCK_DIAG requests and replies as bytes: building the dump requests, splitting replies
into messages and decoding unix_diag and inet_diag records. Pure functions, no sockets: the I/O
is in `netlink`, and tests can feed these any bytes.

Layouts (include/uapi/linux/{netlink,sock_diag,unix_diag,inet_diag}.h):
  nlmsghdr        u32 len, u16 type, u16 flags, u32 seq, u32 pid                          16 bytes
  unix_diag_req   u8 family, u8 protocol, u16 pad, u32 states, u32 ino, u32 show, u32 cookie[2]
  unix_diag_msg   u8 family, u8 type, u8 state, u8 pad, u32 ino, u32 cookie[2], then rtattrs
  inet_diag_req_v2  u8 family, u8 protocol, u8 ext, u8 pad, u32 states, inet_diag_sockid
  inet_diag_sockid  be16 sport, be16 dport, be32 src[4], be32 dst[4], u32 if, u32 cookie[2]  48 bytes
  inet_diag_msg   u8 family, u8 state, u8 timer, u8 retrans, sockid, u32 expires, rqueue,
                  wqueue, uid, inode                                                         72 bytes
A malformed reply is never fatal: what cannot be decoded is skipped and said in a warning.
"""

from __future__ import annotations

import socket
import struct
from dataclasses import dataclass
from typing import NamedTuple

NETLINK_SOCK_DIAG = 4
SOCK_DIAG_BY_FAMILY = 20
NLMSG_ERROR = 2
NLMSG_DONE = 3
NLM_F_REQUEST = 0x1
NLM_F_DUMP = 0x300  # NLM_F_ROOT | NLM_F_MATCH

# unix_diag "show" flags, and the attribute types they produce
UDIAG_SHOW_NAME = 0x01
UDIAG_SHOW_PEER = 0x04
UDIAG_SHOW_ICONS = 0x08
UDIAG_SHOW_RQLEN = 0x10
UDIAG_SHOW_UID = 0x40
UNIX_DIAG_NAME = 0
UNIX_DIAG_PEER = 2
UNIX_DIAG_ICONS = 3
UNIX_DIAG_RQLEN = 4
UNIX_DIAG_SHUTDOWN = 6  # always sent: the socket's sk_shutdown (3: both directions shut)
UNIX_DIAG_UID = 7

#: TCP states (include/net/tcp_states.h) that have a socket with an inode: TIME_WAIT (6),
#: SYN_RECV (3) and NEW_SYN_RECV (12) are kernel-only minisockets with inode 0, left out of the
#: dump so that a busy server's thousands of them cost nothing.
TCP_STATES_WITH_INODES = 0xFFE & ~((1 << 3) | (1 << 6))
ALL_STATES = 0xFFFFFFFF

_NLMSGHDR = struct.Struct("=IHHII")
_NLMSGERR = struct.Struct("=i")
_UNIX_REQ = struct.Struct("=BBHIIIII")
_UNIX_MSG = struct.Struct("=BBBxI8x")
_RTATTR = struct.Struct("=HH")
_U32 = struct.Struct("=I")
_RQLEN = struct.Struct("=II")
_INET_REQ = struct.Struct("=BBBxI48x")
_INET_MSG = struct.Struct("=BBxx")
_PORTS = struct.Struct(">HH")
_INET_TAIL = struct.Struct("=4xIIII")  # after the sockid: expires (skipped), rqueue, wqueue, uid, inode
INET_MSG_SIZE = 72


def _aligned(length: int) -> int:
    return (length + 3) & ~3


def request(body: bytes, seq: int = 1) -> bytes:
    """A SOCK_DIAG_BY_FAMILY dump request: the netlink header, then `body`."""
    return _NLMSGHDR.pack(_NLMSGHDR.size + len(body), SOCK_DIAG_BY_FAMILY,
                          NLM_F_REQUEST | NLM_F_DUMP, seq, 0) + body


def unix_request_body() -> bytes:
    """Every UNIX socket of the namespace, with its name, peer, pending clients, queue and uid."""
    show = UDIAG_SHOW_NAME | UDIAG_SHOW_PEER | UDIAG_SHOW_ICONS | UDIAG_SHOW_RQLEN | UDIAG_SHOW_UID
    return _UNIX_REQ.pack(socket.AF_UNIX, 0, 0, ALL_STATES, 0, show, 0xFFFFFFFF, 0xFFFFFFFF)


def inet_request_body(family: int, protocol: int, states: int) -> bytes:
    """Every TCP or UDP socket of one address family in `states` (a bit mask of TCP states)."""
    return _INET_REQ.pack(family, protocol, 0, states)


# --------------------------------------------------------------------------- messages


@dataclass
class Reply:
    """What one or more chunks of a dump reply held: the payloads of its SOCK_DIAG_BY_FAMILY
    messages, whether NLMSG_DONE came, the errno of an NLMSG_ERROR, and what was skipped."""

    payloads: list[bytes]
    done: bool = False
    error: int | None = None
    warnings: list[str] | None = None

    def warn(self, text: str) -> None:
        if self.warnings is None:
            self.warnings = []
        self.warnings.append(text)


def split_messages(data: bytes, reply: Reply | None = None) -> Reply:
    """Split one received chunk into netlink messages (added to `reply` when given).

    Stops at NLMSG_DONE or NLMSG_ERROR; a message whose length field is impossible ends the chunk
    with a warning, since nothing after it can be located.
    """
    reply = reply if reply is not None else Reply([])
    offset, end = 0, len(data)
    while offset < end and not reply.done:
        if end - offset < _NLMSGHDR.size:
            reply.warn(f"sock_diag reply: {end - offset} trailing bytes are shorter than a message header")
            break
        length, kind, _flags, _seq, _pid = _NLMSGHDR.unpack_from(data, offset)
        if length < _NLMSGHDR.size or length > end - offset:
            reply.warn(f"sock_diag reply: a message claims {length} bytes where {end - offset} remain; "
                       "the rest of the reply was skipped")
            break
        if kind == NLMSG_DONE:
            reply.done = True
        elif kind == NLMSG_ERROR:
            reply.done = True
            if length >= _NLMSGHDR.size + _NLMSGERR.size:
                code = _NLMSGERR.unpack_from(data, offset + _NLMSGHDR.size)[0]
                reply.error = -code if code < 0 else code
            else:
                reply.warn("sock_diag reply: an error message without its error code")
                reply.error = 0
        elif kind == SOCK_DIAG_BY_FAMILY:
            reply.payloads.append(data[offset + _NLMSGHDR.size:offset + length])
        else:
            reply.warn(f"sock_diag reply: a message of unexpected type {kind} was skipped")
        offset += _aligned(length)
    return reply


# --------------------------------------------------------------------------- UNIX


class UnixRecord(NamedTuple):
    """One UNIX socket as sock_diag (or /proc/net/unix) describes it; None: not reported.
    (Named tuples: a dump builds one per socket of the machine, and they build fastest.)"""

    inode: int
    type: int  # SOCK_STREAM 1, SOCK_DGRAM 2, SOCK_SEQPACKET 5
    state: int  # TCP_* numbers: 1 established, 2 syn-sent, 7 close, 10 listen
    #: the bound name: a path, or b"\0name" for an abstract one; None when unbound
    name: bytes | None = None
    peer: int | None = None
    #: listeners: pending connections; others: unread bytes (stream) or first datagram (dgram)
    rq: int | None = None
    #: listeners: the backlog; others: send buffer memory
    wq: int | None = None
    icons: tuple[int, ...] = ()
    uid: int | None = None
    #: sk_shutdown: 1 no more receives, 2 no more sends, 3 both (its peer has closed)
    shutdown: int | None = None


def parse_unix(payload: bytes) -> UnixRecord:
    """Decode one unix_diag_msg with its attributes. Raises ValueError when it is malformed.

    One pass over the attributes, without an intermediate dict: a dump holds one message per
    socket of the machine."""
    if len(payload) < _UNIX_MSG.size:
        raise ValueError(f"a unix_diag message of {len(payload)} bytes is shorter than its header")
    _family, kind, state, inode = _UNIX_MSG.unpack_from(payload)
    name: bytes | None = None
    peer = rq = wq = uid = shutdown = None
    icons: tuple[int, ...] = ()
    offset, end = _UNIX_MSG.size, len(payload)
    while end - offset >= _RTATTR.size:
        length, attr = _RTATTR.unpack_from(payload, offset)
        if length < _RTATTR.size or offset + length > end:
            raise ValueError(f"an attribute claims {length} bytes where {end - offset} remain")
        start, size = offset + _RTATTR.size, length - _RTATTR.size
        if attr == UNIX_DIAG_NAME:
            name = payload[start:start + size]
        elif attr == UNIX_DIAG_PEER:
            peer = _u32_at(payload, start, size)
        elif attr == UNIX_DIAG_RQLEN:
            if size < _RQLEN.size:
                raise ValueError("a RQLEN attribute is too short")
            rq, wq = _RQLEN.unpack_from(payload, start)
        elif attr == UNIX_DIAG_ICONS:
            icons = tuple(v for (v,) in _U32.iter_unpack(payload[start:start + size - size % 4]))
        elif attr == UNIX_DIAG_UID:
            uid = _u32_at(payload, start, size)
        elif attr == UNIX_DIAG_SHUTDOWN and size:
            shutdown = payload[start]
        offset += _aligned(length)
    return UnixRecord(inode=inode, type=kind, state=state, name=name, peer=peer or None,
                      rq=rq, wq=wq, icons=icons, uid=uid, shutdown=shutdown)


def _u32_at(payload: bytes, start: int, size: int) -> int:
    if size < 4:
        raise ValueError("a 32-bit attribute is too short")
    return int(_U32.unpack_from(payload, start)[0])


def unix_name(raw: bytes | None) -> str | None:
    """A bound name as ss shows it: the path, "@name" for an abstract one (its leading NUL), or
    None when unbound. Names bound from Python may carry a trailing NUL: it is not part of them."""
    if not raw:
        return None
    if raw[0] == 0:
        return "@" + raw[1:].rstrip(b"\0").decode("utf-8", "backslashreplace")
    return raw.rstrip(b"\0").decode("utf-8", "surrogateescape")


# --------------------------------------------------------------------------- inet


class InetRecord(NamedTuple):
    """One TCP or UDP socket as inet_diag (or /proc/net/{tcp,udp}{,6}) describes it."""

    family: int  # AF_INET or AF_INET6
    protocol: int  # IPPROTO_TCP 6, IPPROTO_UDP 17
    state: int  # TCP_* number (UDP: 7 unconnected, 1 connected)
    src: bytes  # 4 or 16 bytes, network order
    sport: int
    dst: bytes
    dport: int
    #: TCP listeners: accept queue; TCP: unread bytes; UDP: receive buffer memory
    rq: int | None
    #: TCP listeners: the backlog (None when the source does not say); others: send queue
    wq: int | None
    uid: int | None
    inode: int


def parse_inet(payload: bytes, protocol: int) -> InetRecord:
    """Decode one inet_diag_msg. Raises ValueError when it is malformed."""
    if len(payload) < INET_MSG_SIZE:
        raise ValueError(f"an inet_diag message of {len(payload)} bytes is shorter than its {INET_MSG_SIZE}")
    family, state = _INET_MSG.unpack_from(payload)
    if family not in (socket.AF_INET, socket.AF_INET6):
        raise ValueError(f"an inet_diag message of address family {family}")
    size = 4 if family == socket.AF_INET else 16
    sport, dport = _PORTS.unpack_from(payload, 4)
    src = payload[8:8 + size]
    dst = payload[24:24 + size]
    rq, wq, uid, inode = _INET_TAIL.unpack_from(payload, 52)
    return InetRecord(family, protocol, state, src, sport, dst, dport, rq, wq, uid, inode)


def parse_dump(payloads: list[bytes], decode: str,
               protocol: int = 0) -> tuple[list[UnixRecord | InetRecord], list[str]]:
    """Decode every payload of a dump with `parse_unix` ("unix") or `parse_inet` ("inet");
    records that do not decode are skipped and counted in one warning."""
    records: list[UnixRecord | InetRecord] = []
    bad = 0
    first = ""
    for payload in payloads:
        try:
            records.append(parse_unix(payload) if decode == "unix" else parse_inet(payload, protocol))
        except (ValueError, struct.error) as error:
            bad += 1
            first = first or str(error)
    warnings = [f"sock_diag: {bad} {decode} socket record{'s' if bad != 1 else ''} could not be decoded "
                f"and {'were' if bad != 1 else 'was'} skipped ({first})"] if bad else []
    return records, warnings
