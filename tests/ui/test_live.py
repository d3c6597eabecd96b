"""The app on the real kernel: a segment made outside the app (ipcmk) shows up in the shm table."""

from __future__ import annotations

import asyncio
import re
import shutil
import subprocess

import pytest

from ipcscope.probe.procinfo import FixedProcessInfo
from ipcscope.ui.app import IpcScopeApp
from ipcscope.ui.data.sources import LiveSource
from ipcscope.ui.widgets.object_table import ObjectTable

if shutil.which("ipcmk") is None:
    pytest.skip("ipcmk (util-linux) is not installed", allow_module_level=True)


@pytest.fixture
def segment():
    """A 4096-byte SysV segment made by ipcmk, removed by the id it printed."""
    out = subprocess.run(["ipcmk", "-M", "4096"], capture_output=True, text=True, check=True).stdout
    shmid = int(re.search(r"id:\s*(\d+)", out).group(1))
    try:
        yield shmid
    finally:
        subprocess.run(["ipcrm", "-m", str(shmid)], capture_output=True)


async def test_live_table_shows_a_segment_made_outside(segment: int) -> None:
    app = IpcScopeApp(source=LiveSource(), interval=0.25, process_info=FixedProcessInfo(),
                      peek=lambda msqid: [])
    async with app.run_test(size=(160, 50)) as pilot:
        table = app.query_one("#table-shm", ObjectTable)
        for _ in range(40):
            await pilot.pause(0.1)
            if f"shm:{segment}" in table.rows:
                break
        assert f"shm:{segment}" in table.rows
        row = table.get_row(f"shm:{segment}")
        assert "4K" in [cell.plain for cell in row]
        subprocess.run(["ipcrm", "-m", str(segment)], check=True)
        for _ in range(40):
            await pilot.pause(0.1)
            if not table.has_object(f"shm:{segment}"):
                break
        assert not table.has_object(f"shm:{segment}")
        await pilot.press("q")
    await asyncio.sleep(0)
