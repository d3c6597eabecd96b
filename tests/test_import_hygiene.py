"""`ipcscope list` must not load Textual: what the import-linter contracts cannot see.

The contracts (pyproject.toml) keep Textual and Rich inside ipcscope.ui statically; the CLI does
import the UI, lazily, for the commands that start it. This checks at run time that a listing,
the command scripts run most, never takes that path (Textual costs ~100 ms to import).
"""

from __future__ import annotations

import subprocess
import sys


def test_ipcscope_list_does_not_import_textual() -> None:
    code = (
        "import contextlib, io, sys\n"
        "from ipcscope.cli import main\n"
        "with contextlib.redirect_stdout(io.StringIO()):\n"
        "    status = main(['list', '--json'])\n"
        "print(status, sorted(m for m in sys.modules if m.split('.')[0] in ('textual', 'rich')))\n"
    )
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.strip() == "0 []", proc.stdout + proc.stderr
