"""textual-serve's server with its websocket guarded, and page URLs taken from the request.

textual-serve has no authentication and accepts a websocket from any web page: browsers do not
apply the same-origin policy to websockets, so without a check any site open in the user's browser
could drive the app (and, with actions allowed, remove objects). Refused here:
- a websocket whose Origin is not the page's own (a page of another site);
- on a loopback address, a request whose Host is not a loopback name (DNS rebinding: another
  site's name pointed at 127.0.0.1). Clients that send no Origin are not browsers driven by a
  page and are let through.
Its page also builds the websocket URL from the bind address, which breaks for 0.0.0.0 and IPv6;
here it comes from the Host the browser used.
"""

from __future__ import annotations

import ipaddress
import logging
import shlex
import sys
from typing import Any
from urllib.parse import urlsplit

import aiohttp_jinja2
from aiohttp import web
from textual_serve.server import Server, to_int

log = logging.getLogger("ipcscope.serve")


def session_command(*, read_only: bool, lab: str | None, interval: float, demo: bool = False) -> str:
    """The shell command textual-serve runs for each connection (exec: no shell left between the
    server and the app, so signals reach the app)."""
    argv = [sys.executable, "-m", "ipcscope.ui.web.session", "--interval", f"{interval:g}"]
    if read_only:
        argv.append("--read-only")
    if demo:
        argv.append("--demo")
    if lab is not None:
        argv += ["--lab", lab]
    return "exec " + shlex.join(argv)


def is_loopback_name(host_header: str) -> bool:
    """Whether a Host header ("127.0.0.1:8765", "[::1]:8765", "localhost") names this machine's
    loopback, without a DNS lookup (a rebinding attack controls what the lookup answers)."""
    hostname = urlsplit(f"//{host_header}").hostname or ""
    if hostname == "localhost" or hostname.endswith(".localhost"):
        return True
    try:
        return ipaddress.ip_address(hostname).is_loopback
    except ValueError:
        return False


def websocket_refusal(origin: str | None, host_header: str, *, loopback: bool) -> str | None:
    """Why a websocket request must be refused, or None to accept it."""
    if loopback and not is_loopback_name(host_header):
        return f"Host {host_header!r} is not a loopback name, but this server listens on loopback only"
    if origin is None:
        return None
    if urlsplit(origin).netloc.lower() != host_header.lower():
        return f"a page of {origin} may not open this app (its origin is not {host_header})"
    return None


class GuardedServer(Server):
    """textual-serve's Server with the checks above."""

    def __init__(self, command: str, *, host: str, port: int, title: str, loopback: bool) -> None:
        super().__init__(command, host=host, port=port, title=title)
        self.loopback = loopback

    async def handle_websocket(self, request: web.Request) -> web.WebSocketResponse:
        refusal = websocket_refusal(request.headers.get("Origin"), request.host, loopback=self.loopback)
        if refusal is not None:
            log.warning("refused a websocket from %s: %s", request.remote, refusal)
            raise web.HTTPForbidden(text=f"ipcscope serve: {refusal}\n")
        return await super().handle_websocket(request)

    @aiohttp_jinja2.template("app_index.html")
    async def handle_index(self, request: web.Request) -> dict[str, Any]:
        router = request.app.router
        base = f"{request.scheme}://{request.host}"
        websocket = "wss" if request.scheme == "https" else "ws"
        static = f"{base}{router['static'].url_for(filename='/')}".rstrip("/") + "/"
        return {
            "font_size": to_int(request.query.get("fontsize", "16"), 16),
            "app_websocket_url": f"{websocket}://{request.host}{router['websocket'].url_for()}",
            "config": {"static": {"url": static}},
            "application": {"name": self.title},
        }


def serve(command: str, *, host: str, port: int, title: str, loopback: bool) -> None:
    """Serve until SIGINT or SIGTERM; raises OSError when the address cannot be bound."""
    GuardedServer(command, host=host, port=port, title=title, loopback=loopback).serve()
