"""The process scan runs in its own worker: a slow scan never holds up the object tables."""

from __future__ import annotations

import threading
from dataclasses import replace

from ipcscope.demo import DEMO_NOW, demo_processes, demo_snapshot
from ipcscope.model import Snapshot
from ipcscope.probe.procinfo import FixedProcessInfo
from ipcscope.ui.app import IpcScopeApp
from ipcscope.ui.data.sources import ScanResult, StaticSource, with_scan
from ipcscope.ui.widgets.object_table import ObjectTable
from tests.ui.test_app import segment, with_shm


class SlowScanSource(StaticSource):
    """Objects instantly; the process scan blocks until the test releases it."""

    def __init__(self, snapshot: Snapshot) -> None:
        super().__init__(snapshot)
        self.release = threading.Event()
        self.scan_calls = 0

    def scan_processes(self, snapshot: Snapshot) -> ScanResult:
        self.scan_calls += 1
        self.release.wait(10)
        return ScanResult(demo_processes(), {7: (1, 2)})


async def test_a_slow_scan_does_not_block_the_table_refresh() -> None:
    base = demo_snapshot(processes=False)
    source = SlowScanSource(base)
    app = IpcScopeApp(source=source, interval=0.25, clock=lambda: DEMO_NOW,
                      process_info=FixedProcessInfo(), peek=lambda msqid: [])
    try:
        async with app.run_test(size=(160, 50)) as pilot:
            table = app.query_one("#table-shm", ObjectTable)
            source.set(with_shm(base, segment(990)))
            for _ in range(40):
                await pilot.pause(0.05)
                if table.has_object("shm:990"):
                    break
            assert table.has_object("shm:990")  # refreshed while the scan is still blocked
            assert source.scan_calls == 1  # one scan at a time, never piled up
            assert app.snapshot.processes is None
            source.release.set()
            for _ in range(40):
                await pilot.pause(0.05)
                if app.snapshot.processes is not None:
                    break
            assert app.snapshot.processes == demo_processes()
            assert app.query_one("#views").get_tab("view-findings").label.plain.startswith("7 Findings ")
    finally:
        source.release.set()


def test_with_scan_attaches_processes_and_peeked_types_only_where_missing() -> None:
    base = demo_snapshot(processes=False)
    base = replace(base, msg=tuple(replace(q, queued_types=None) for q in base.msg))
    attached = with_scan(base, ScanResult(demo_processes(), {q.id: (9,) for q in base.msg}))
    assert attached.processes == demo_processes()
    assert all(q.queued_types == (9,) for q in attached.msg)
    assert with_scan(demo_snapshot(), ScanResult(None)) == demo_snapshot()
    failed = with_scan(base, ScanResult(None, warning="The process scan failed: boom"))
    assert failed.processes is None and failed.warnings[-1] == "The process scan failed: boom"
