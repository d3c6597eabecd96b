"""The /proc/net fallback when sock_diag is unavailable (a diag module missing, netlink refused,
or a fixture tree): /proc/net/unix and /proc/net/{tcp,udp}{,6}, parsed into the records sock_diag
would give, with what those files do not say left None (UNIX peers and queues, TCP backlogs).

Formats (net/unix/af_unix.c unix_seq_show, net/ipv4/tcp_ipv4.c get_tcp4_sock, udp.c):
  unix: "Num RefCount Protocol Flags Type St Inode Path": Flags 00010000 = listening, St is the
        socket state (1 unconnected, 2 connecting, 3 connected, 4 disconnecting), abstract names
        start with "@" (their NULs shown as "@")
  inet: "sl local_address rem_address st tx_queue:rx_queue tr:tm->when retrnsmt uid timeout inode"
        with addresses as %08X of each 32-bit word in host order, ports %04X
"""

from __future__ import annotations

import socket
import sys

from ipcscope.probe.channels.diag import InetRecord, UnixRecord

_ACCEPTCON = 0x10000
#: /proc/net/unix's St column -> the TCP state number sock_diag reports
_UNIX_STATES = {1: 7, 2: 2, 3: 1, 4: 11}
TCP_LISTEN = 10


def parse_unix(text: str) -> tuple[list[UnixRecord], int]:
    """Records of a /proc/net/unix text, and how many lines could not be parsed."""
    records: list[UnixRecord] = []
    bad = 0
    for line in text.splitlines()[1:]:
        fields = line.split(None, 7)
        if not fields:
            continue
        try:
            flags = int(fields[3], 16)
            kind = int(fields[4], 16)
            state = 10 if flags & _ACCEPTCON else _UNIX_STATES.get(int(fields[5], 16), 7)
            inode = int(fields[6])
        except (ValueError, IndexError):
            bad += 1
            continue
        name = None
        if len(fields) > 7:
            path = fields[7]
            name = b"\0" + path[1:].encode() if path.startswith("@") else path.encode("utf-8", "surrogateescape")
        records.append(UnixRecord(inode=inode, type=kind, state=state, name=name))
    return records, bad


def parse_inet(text: str, family: int, protocol: int) -> tuple[list[InetRecord], int]:
    """Records of a /proc/net/{tcp,udp}{,6} text, and how many lines could not be parsed."""
    records: list[InetRecord] = []
    bad = 0
    for line in text.splitlines()[1:]:
        fields = line.split()
        if not fields:
            continue
        try:
            src, sport = _address(fields[1], family)
            dst, dport = _address(fields[2], family)
            state = int(fields[3], 16)
            tx, rx = (int(value, 16) for value in fields[4].split(":"))
            uid = int(fields[7])
            inode = int(fields[9])
        except (ValueError, IndexError):
            bad += 1
            continue
        listening = protocol == socket.IPPROTO_TCP and state == TCP_LISTEN
        records.append(InetRecord(family, protocol, state, src, sport, dst, dport,
                                  rq=rx, wq=None if listening else tx, uid=uid, inode=inode))
    return records, bad


def _address(text: str, family: int) -> tuple[bytes, int]:
    host, port = text.split(":")
    words = 1 if family == socket.AF_INET else 4
    if len(host) != 8 * words:
        raise ValueError(f"address {text!r}")
    raw = b"".join(int(host[i:i + 8], 16).to_bytes(4, sys.byteorder) for i in range(0, 8 * words, 8))
    return raw, int(port, 16)


#: (file under /proc/net, address family, protocol)
INET_FILES = (
    ("tcp", socket.AF_INET, socket.IPPROTO_TCP),
    ("tcp6", socket.AF_INET6, socket.IPPROTO_TCP),
    ("udp", socket.AF_INET, socket.IPPROTO_UDP),
    ("udp6", socket.AF_INET6, socket.IPPROTO_UDP),
)


def read_text(path: str) -> str | None:
    """A /proc/net file's text, None when it does not exist or cannot be read."""
    try:
        with open(path, encoding="utf-8", errors="surrogateescape") as handle:
            return handle.read()
    except OSError:
        return None
