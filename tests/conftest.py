"""Session-wide guard: a test run must leave SysV IPC, /dev/shm and the mqueue fs as it found them."""

from __future__ import annotations

import os

import pytest

from tests.helpers import inventory


def pytest_configure(config: pytest.Config) -> None:
    _no_animations()
    if not hasattr(config, "workerinput"):
        # Only the main process of a run takes the inventories: with xdist its configure runs
        # before any worker starts and its sessionfinish after all have ended, while each
        # worker would see the other's objects come and go.
        config._ipcscope_inventory_before = inventory()  # type: ignore[attr-defined]


@pytest.fixture
def runner():
    """An OperationRunner whose helper processes are all ended after the test."""
    from ipcscope.actions.runner import OperationRunner

    runner = OperationRunner(grace=1.0)
    try:
        yield runner
    finally:
        runner.cancel_all()


def _no_animations() -> None:
    """Tests see final states, so animations only cost time (a tab switch waits ~0.25 s for its
    underline). Textual reads TEXTUAL_ANIMATIONS once at import, and the snapshot plugin imports it
    before this conftest, so the constant is set as well as the environment (for app subprocesses)."""
    os.environ["TEXTUAL_ANIMATIONS"] = "none"
    import textual.constants

    textual.constants.TEXTUAL_ANIMATIONS = "none"  # type: ignore[misc]


def pytest_sessionfinish(session: pytest.Session, exitstatus: int) -> None:
    before = getattr(session.config, "_ipcscope_inventory_before", None)
    if before is None or os.environ.get("IPCSCOPE_SKIP_LEAK_CHECK"):
        return
    after = inventory()
    leaked = {
        where: sorted(map(str, after[where] - before[where]))
        for where in after
        if after[where] - before[where]
    }
    if leaked:
        reporter = session.config.pluginmanager.get_plugin("terminalreporter")
        message = f"IPC objects left behind by this test run: {leaked}"
        if reporter is not None:
            reporter.write_line(message, red=True, bold=True)
        session.exitstatus = pytest.ExitCode.TESTS_FAILED


@pytest.fixture
def root_only() -> None:
    if os.geteuid() != 0:
        pytest.skip("needs root")
