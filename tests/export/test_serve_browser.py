"""`ipcscope serve` loaded by a real headless Chromium (Debian's chromium): the app's text reaches
the page, a planted segment's key is in it, the session is read-only, and every app process the
server started ends with the server."""

from __future__ import annotations

import asyncio
import os
import sys
import uuid
from pathlib import Path

import aiohttp
import pytest

from ipcscope.core import shm
from ipcscope.model import format_key
from tests.export.browser import headless_chromium, open_page, read_app
from tests.export.servers import free_port, http_get, started, wait_for
from tests.helpers import unique_key

pytest.importorskip("textual_serve", reason="ipcscope serve needs the [web] extra")


def _processes_marked(marker: str) -> list[int]:
    """Pids whose environment carries `marker`: the server's app processes inherit it."""
    found = []
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/environ", "rb") as handle:
                if f"IPCSCOPE_TEST_MARK={marker}".encode() in handle.read().split(b"\0"):
                    found.append(int(entry))
        except OSError:
            continue
    return found


async def _load(devtools: str, url: str, key: str) -> tuple[str, bool]:
    async with aiohttp.ClientSession() as session:
        page = await open_page(devtools, url, session)
        text = await read_app(page, key, "read-only")
        rendered = await page.evaluate("document.body.classList.contains('-first-byte')")
        await page.socket.close()
    return text, bool(rendered)


def test_the_served_app_reaches_a_real_browser(chromium: str, tmp_path: Path) -> None:
    marker = uuid.uuid4().hex
    port = free_port()
    url = f"http://127.0.0.1:{port}/"
    env = {**os.environ, "IPCSCOPE_TEST_MARK": marker}
    key = unique_key()
    shmid = shm.create(key, 4096, exclusive=True)
    try:
        serve = [sys.executable, "-m", "ipcscope", "serve", "--port", str(port)]
        with open(tmp_path / "serve.log", "w") as log, started(serve, log, env):
            wait_for(lambda: http_get(url)[0] == 200, 30, "ipcscope serve to answer")
            with headless_chromium(chromium, tmp_path / "profile") as devtools:
                text, rendered = asyncio.run(_load(devtools, url, format_key(key)))
                apps = _processes_marked(marker)
        assert rendered, "xterm.js never received the app's first byte"
        assert format_key(key) in text, text[-2000:]
        assert "read-only" in text and "Shared memory" in text
        assert len(apps) >= 2  # the server and the one app of this connection
        assert wait_for(lambda: not _processes_marked(marker), 15, "the app processes to end")
        log_text = (tmp_path / "serve.log").read_text()
        assert "there is no password" in log_text
    finally:
        shm.remove(shmid)

