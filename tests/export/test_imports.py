"""prometheus_client is imported only when `ipcscope export` runs, textual-serve only when `ipcscope
serve` starts its server: every other command starts without them."""

from __future__ import annotations

import subprocess
import sys

import pytest

CODE = """
import importlib, sys
from ipcscope.cli import build_parser
importlib.import_module({module!r})
build_parser()  # registering every subcommand, as `ipcscope --help` does
bad = sorted(m for m in sys.modules if m.split('.')[0] in ('prometheus_client', 'textual_serve', 'aiohttp'))
print(bad)
sys.exit(1 if bad else 0)
"""


@pytest.mark.parametrize("module", ["ipcscope.cli.list_cmd", "ipcscope.cli.doctor_cmd",
                                    "ipcscope.cli.export_cmd", "ipcscope.cli.serve_cmd"])
def test_parsing_imports_neither_prometheus_client_nor_textual_serve(module: str) -> None:
    proc = subprocess.run([sys.executable, "-c", CODE.format(module=module)], capture_output=True, text=True)
    assert proc.returncode == 0, proc.stdout + proc.stderr
