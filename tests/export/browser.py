"""Headless Chromium driven over the DevTools protocol (a websocket): load a page, read the text
the served app sent to it, take a screenshot. Used by the serve test and screenshots/.

The app draws into xterm.js's canvas, so its text is not in the DOM: it is read from the frames
the page's own websocket received (Network.webSocketFrameReceived), with the terminal's escape
sequences stripped, and the page is asked whether xterm.js got its first byte.
"""

from __future__ import annotations

import base64
import json
import os
import re
import shutil
import tempfile
import time
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import aiohttp

from tests.export.servers import http_json, started, wait_for

#: flags that work in a container as root, with nothing fetched from the network
FLAGS = ("--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
         "--disable-background-networking", "--disable-component-update", "--disable-sync",
         "--remote-debugging-address=127.0.0.1", "--remote-debugging-port=0")

_ESCAPES = re.compile(r"\x1b\[[0-9;?<>=!]*[ -/]*[@-~]|\x1b\][^\x07\x1b]*(?:\x07|\x1b\\)|\x1b[()][0-9A-Za-z]|\x1b[=>78]")


def plain_text(terminal_output: str) -> str:
    """The characters of a terminal stream, escape sequences removed (cursor moves become gaps)."""
    return _ESCAPES.sub(" ", terminal_output)


@contextmanager
def headless_chromium(binary: str, profile: Path, size: tuple[int, int] = (1280, 800),
             extra: Sequence[str] = ()) -> Iterator[str]:
    """A headless Chromium with a fresh profile; yields its DevTools HTTP address. Always stopped."""
    argv = [binary, *FLAGS, f"--user-data-dir={profile}", f"--window-size={size[0]},{size[1]}", *extra,
            "about:blank"]
    # Chromium makes its singleton socket in $TMPDIR/org.chromium.Chromium.XXXXXX and leaves it
    # behind: give it a short TMPDIR of its own (a socket path has at most 107 bytes, so not one
    # under pytest's long tmp_path), removed afterwards.
    scratch = tempfile.mkdtemp(prefix="ipcscope-cr-")
    env = dict(os.environ, TMPDIR=scratch)
    try:
        with open(profile.parent / f"{profile.name}.log", "w") as log, started(argv, log, env=env):
            port_file = profile / "DevToolsActivePort"
            wait_for(lambda: port_file.exists() and port_file.read_text().strip(), 30,
                     "Chromium's DevTools port")
            port = int(port_file.read_text().split()[0])
            yield f"http://127.0.0.1:{port}"
    finally:
        shutil.rmtree(scratch, ignore_errors=True)


class Page:
    """One page target over the DevTools protocol: calls and the events that arrive meanwhile."""

    def __init__(self, socket: aiohttp.ClientWebSocketResponse) -> None:
        self.socket = socket
        self.events: list[dict[str, Any]] = []
        self._next_id = 0

    async def call(self, method: str, **params: Any) -> dict[str, Any]:
        self._next_id += 1
        ident = self._next_id
        await self.socket.send_str(json.dumps({"id": ident, "method": method, "params": params}))
        while True:
            message = json.loads(await self.socket.receive_str(timeout=30))
            if message.get("id") == ident:
                if "error" in message:
                    raise RuntimeError(f"{method}: {message['error']}")
                return dict(message.get("result", {}))
            self.events.append(message)

    async def pump(self, seconds: float) -> None:
        """Collect events for up to `seconds`."""
        deadline = time.monotonic() + seconds
        while (left := deadline - time.monotonic()) > 0:
            try:
                message = await self.socket.receive_str(timeout=left)
            except TimeoutError:
                return
            self.events.append(json.loads(message))

    def websocket_text(self) -> str:
        """Everything the page's websockets received, as plain text."""
        chunks = []
        for event in self.events:
            if event.get("method") != "Network.webSocketFrameReceived":
                continue
            frame = event["params"]["response"]
            data = frame["payloadData"]
            if frame.get("opcode") == 2:
                data = base64.b64decode(data).decode("utf-8", "replace")
            chunks.append(data)
        return plain_text("".join(chunks))

    async def evaluate(self, expression: str) -> Any:
        result = await self.call("Runtime.evaluate", expression=expression, returnByValue=True)
        return result["result"].get("value")

    async def screenshot(self, path: Path) -> None:
        shot = await self.call("Page.captureScreenshot", format="png")
        path.write_bytes(base64.b64decode(shot["data"]))


async def open_page(devtools: str, url: str, session: aiohttp.ClientSession,
                    viewport: tuple[int, int] | None = None) -> Page:
    """Navigate the browser's first page to `url`, with network events on (and the page exactly
    `viewport` pixels, when given: the window size includes the browser's own borders)."""
    targets = wait_for(lambda: [t for t in (http_json(f"{devtools}/json/list") or []) if t.get("type") == "page"],
                       30, "Chromium's page target")
    socket = await session.ws_connect(targets[0]["webSocketDebuggerUrl"], max_msg_size=0)
    page = Page(socket)
    await page.call("Network.enable")
    await page.call("Page.enable")
    if viewport is not None:
        await page.call("Emulation.setDeviceMetricsOverride", width=viewport[0], height=viewport[1],
                        deviceScaleFactor=1, mobile=False)
    await page.call("Page.navigate", url=url)
    return page


async def read_app(page: Page, *expected: str, timeout: float = 30.0) -> str:
    """The app's text once every `expected` string is in it (or what there is at `timeout`)."""
    deadline = time.monotonic() + timeout
    text = ""
    while time.monotonic() < deadline:
        await page.pump(0.5)
        text = page.websocket_text()
        if all(word in text for word in expected):
            break
    return text
