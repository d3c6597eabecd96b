"""The demo data (`ipcscope --demo`, the screenshots, the UI tests) must describe a real system."""

from __future__ import annotations

from ipcscope.demo import demo_snapshot
from ipcscope.probe.limits import Usage, read_limits


def test_demo_limit_rows_use_the_probes_names_descriptions_and_units() -> None:
    real, _warnings = read_limits("/proc", Usage())
    described = {row.resource: (row.description, row.unit) for row in real.rows}
    for row in demo_snapshot().limits.rows:
        assert described.get(row.resource) == (row.description, row.unit), row.resource
