"""The back end (core, probe, model, doctor) and `ipcscope list` must work without Textual."""

from __future__ import annotations

import subprocess
import sys

import pytest

HEADLESS_MODULES = [
    "ipcscope.model",
    "ipcscope.core",
    "ipcscope.probe",
    "ipcscope.doctor",
    "ipcscope.cli",
    "ipcscope.cli.list_cmd",
    "ipcscope.cli.json_output",
    "ipcscope.export.collector",
    "ipcscope.cli.export_cmd",
    "ipcscope.cli.serve_cmd",
    "ipcscope.core.fifo",
    "ipcscope.actions.fifo",
    "ipcscope.cli.fifo_cmd",
]


@pytest.mark.parametrize("module", HEADLESS_MODULES)
def test_module_does_not_import_textual(module: str) -> None:
    code = (
        "import importlib, sys\n"
        f"try:\n    importlib.import_module({module!r})\n"
        "except ModuleNotFoundError as e:\n"
        f"    if e.name == {module!r}: print('absent'); sys.exit(0)\n    raise\n"
        "bad = [m for m in sys.modules if m == 'textual' or m.startswith('textual.')]\n"
        "print(bad)\n"
        "sys.exit(1 if bad else 0)\n"
    )
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert proc.returncode == 0, proc.stdout + proc.stderr
