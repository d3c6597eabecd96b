"""The I/O of a sock_diag dump: one NETLINK_SOCK_DIAG socket, one request, replies until DONE.

Written over the socket module (no ctypes, no pyroute2, which is 20 times slower and loses abstract
names). The dump covers the caller's network namespace only.
"""

from __future__ import annotations

import os
import socket

from ipcscope.probe.channels.diag import (
    NETLINK_SOCK_DIAG,
    Reply,
    request,
    split_messages,
)

_CHUNK = 1 << 16  # the kernel fills a dump reply up to ~32 KiB per recv
#: a dump of 10,000 sockets takes ~20 ms; a kernel that stops answering must not hang the scan
_TIMEOUT = 5.0


def dump(body: bytes) -> Reply:
    """Send one dump request and collect its reply. Raises OSError when the socket cannot be
    made or the kernel answers with an error (ENOENT: that family's diag module is missing)."""
    with socket.socket(socket.AF_NETLINK, socket.SOCK_DGRAM | socket.SOCK_CLOEXEC, NETLINK_SOCK_DIAG) as sock:
        sock.settimeout(_TIMEOUT)
        sock.sendto(request(body), (0, 0))
        reply = Reply([])
        while not reply.done:
            chunk = sock.recv(_CHUNK)
            if not chunk:
                reply.warn("sock_diag reply ended without its DONE message")
                break
            split_messages(chunk, reply)
    if reply.error:
        raise OSError(reply.error, f"sock_diag dump refused: {os.strerror(reply.error)}")
    return reply

