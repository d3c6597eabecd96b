"""Regenerate screenshots/browser.png: `ipcscope --demo serve` in headless Chromium.

    python screenshots/make_browser_screenshot.py [--chromium PATH] [--view N]

Needs the [web] extra and Debian's chromium. The demo snapshot keeps the picture the same from run
to run but for the text rendering; `--view` picks the tab (keys 0-7, default 3: semaphores).
"""

from __future__ import annotations

import argparse
import asyncio
import shutil
import sys
import tempfile
from pathlib import Path

import aiohttp

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))  # this checkout's ipcscope and test helpers

from tests.export.browser import headless_chromium, open_page, read_app  # noqa: E402
from tests.export.servers import free_port, http_get, started, wait_for  # noqa: E402

SIZE = (1400, 860)


async def shoot(devtools: str, url: str, view: str, out: Path) -> None:
    async with aiohttp.ClientSession() as session:
        page = await open_page(devtools, url, session, viewport=SIZE)
        await read_app(page, "Findings", "Shared memory")
        await page.evaluate("document.querySelector('.xterm-helper-textarea').focus()")
        await page.call("Input.insertText", text=view)
        await page.pump(2.0)  # let the view switch and xterm.js repaint
        await page.screenshot(out)
        await page.socket.close()


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--chromium", default=shutil.which("chromium") or "chromium")
    parser.add_argument("--view", default="3")
    args = parser.parse_args()
    port = free_port()
    url = f"http://127.0.0.1:{port}/"
    out = HERE / "browser.png"
    with tempfile.TemporaryDirectory() as tmp:
        serve = [sys.executable, "-m", "ipcscope", "--demo", "serve", "--port", str(port)]
        with open(Path(tmp) / "serve.log", "w") as log, started(serve, log):
            wait_for(lambda: http_get(url)[0] == 200, 30, "ipcscope serve to answer")
            with headless_chromium(args.chromium, Path(tmp) / "profile", size=SIZE) as devtools:
                asyncio.run(shoot(devtools, url, args.view, out))
    print(out)
    return 0


if __name__ == "__main__":
    sys.exit(main())
