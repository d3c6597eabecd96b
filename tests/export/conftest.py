"""Fixtures of the export and serve tests: Debian's tools, installed on first use where allowed."""

from __future__ import annotations

import pytest

from tests.export.debian import debian_binary

#: what installing took, printed at the end of the run
INSTALL_NOTES: list[str] = []


@pytest.fixture(scope="session")
def promtool() -> str:
    return debian_binary("prometheus", "promtool", INSTALL_NOTES.append)


@pytest.fixture(scope="session")
def prometheus_binary() -> str:
    return debian_binary("prometheus", "prometheus", INSTALL_NOTES.append)


@pytest.fixture(scope="session")
def chromium() -> str:
    return debian_binary("chromium", "chromium", INSTALL_NOTES.append)


def pytest_terminal_summary(terminalreporter: pytest.TerminalReporter) -> None:
    for note in INSTALL_NOTES:
        terminalreporter.write_line(note)
