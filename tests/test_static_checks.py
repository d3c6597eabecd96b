"""The static checks, run by the suite so that CI and a fresh clone run them: ruff (lint), mypy
(types: strict on the back end) and import-linter (the layers), each configured in pyproject.toml
and run from the checkout root exactly as a developer types them."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
BIN = Path(sys.executable).parent  # the venv's scripts, installed by the `test` extra


@pytest.mark.parametrize("command", [
    ["ruff", "check", "."],
    ["mypy", "ipcscope"],
    ["lint-imports"],
], ids=lambda command: command[0])
def test_static_check_passes(command: list[str]) -> None:
    proc = subprocess.run([str(BIN / command[0]), *command[1:]], cwd=ROOT, capture_output=True,
                          text=True, timeout=600)
    assert proc.returncode == 0, f"`{' '.join(command)}` failed:\n{proc.stdout}{proc.stderr}"
