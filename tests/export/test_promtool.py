"""promtool, from Debian's prometheus package: the exposition passes its linter, the example
alerting rules are valid and fire when they should."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from tests.export.planted import planted_objects

ROOT = Path(__file__).resolve().parents[2]
RULES = ROOT / "docs" / "ipcscope-alerts.yml"


def _export(*args: str) -> str:
    proc = subprocess.run([sys.executable, "-m", "ipcscope", "export", *args], capture_output=True,
                          text=True, timeout=60)
    assert proc.returncode == 0, proc.stderr
    return proc.stdout


def _lint(promtool: str, exposition: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([promtool, "check", "metrics"], input=exposition, capture_output=True,
                          text=True, timeout=60)


def test_the_exposition_passes_promtools_linter(promtool: str) -> None:
    with planted_objects():
        aggregates = _export()
        per_object = _export("--per-object")
    for text in (aggregates, per_object):
        lint = _lint(promtool, text)
        assert lint.returncode == 0 and not (lint.stdout + lint.stderr).strip(), lint.stdout + lint.stderr
    assert "ipcscope_sysv_sem_waiters{" in per_object and "ipcscope_sysv_" not in aggregates


def test_the_example_rules_are_valid(promtool: str) -> None:
    proc = subprocess.run([promtool, "check", "rules", str(RULES)], capture_output=True, text=True,
                          timeout=60)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert "SUCCESS: 3 rules found" in proc.stdout + proc.stderr


def test_the_example_rules_fire_when_they_should(promtool: str) -> None:
    proc = subprocess.run([promtool, "test", "rules", "alerts_test.yml"], capture_output=True, text=True,
                          timeout=60, cwd=Path(__file__).parent)
    assert proc.returncode == 0, proc.stdout + proc.stderr
