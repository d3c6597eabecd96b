"""Listening addresses for `ipcscope export --listen` and `ipcscope serve --host`: parsed, and told
apart as loopback (this machine only) or reachable from elsewhere. No I/O beyond a name lookup.
"""

from __future__ import annotations

import ipaddress
import socket

LOOPBACK = "127.0.0.1"


def parse_listen(text: str) -> tuple[str, int]:
    """ "9464" -> (127.0.0.1, 9464); "0.0.0.0:9464", "[::1]:9464", "localhost:9464" as given.

    ":9464" is refused rather than guessed: Go exporters read it as every interface, and this
    tool listens beyond loopback only when told an address. Raises ValueError with the reason.
    """
    text = text.strip()
    if text.isdigit():
        return LOOPBACK, parse_port(text)
    host, sep, port = text.rpartition(":")
    if not sep:
        raise ValueError(f"expected ADDR:PORT or PORT, got {text!r}")
    if not host:
        raise ValueError(f"give the address to listen on: {LOOPBACK}:{port} (this machine only) or "
                         f"0.0.0.0:{port} (every interface)")
    if host.startswith("["):
        if not host.endswith("]"):
            raise ValueError(f"unbalanced brackets in {text!r}")
        host = host[1:-1]
    elif ":" in host:
        raise ValueError(f"write an IPv6 address in brackets: [{host}]:{port}")
    return host, parse_port(port)


def parse_port(text: str, *, allow_zero: bool = True) -> int:
    """A TCP port; 0 asks the kernel for a free one (the chosen port is then printed)."""
    try:
        port = int(text)
    except ValueError:
        raise ValueError(f"not a port number: {text!r}") from None
    low = 0 if allow_zero else 1
    if not low <= port <= 65535:
        raise ValueError(f"port must be between {low} and 65535, got {port}")
    return port


def is_loopback(host: str) -> bool:
    """Whether every address `host` names is a loopback address (127.0.0.0/8, ::1)."""
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        pass
    try:
        infos = socket.getaddrinfo(host, None, type=socket.SOCK_STREAM)
    except (OSError, UnicodeError):
        return False
    return bool(infos) and all(ipaddress.ip_address(info[4][0]).is_loopback for info in infos)


def url_host(host: str) -> str:
    """`host` as it goes into a URL: IPv6 addresses in brackets."""
    return f"[{host}]" if ":" in host and not host.startswith("[") else host
