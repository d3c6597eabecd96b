"""Fixtures for the playground dialogs: a steady cursor, a runner that ends its helpers."""

from __future__ import annotations

import pytest
from textual.widgets import Input

from ipcscope.runner import OperationRunner


@pytest.fixture(autouse=True)
def steady_cursor(monkeypatch: pytest.MonkeyPatch) -> None:
    """A blinking Input cursor makes screenshots depend on timing."""
    monkeypatch.setattr(Input, "_toggle_cursor", lambda self: None)


@pytest.fixture
def runner():
    runner = OperationRunner(grace=1.0)
    try:
        yield runner
    finally:
        runner.cancel_all()
