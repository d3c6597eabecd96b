"""docs/metrics.md documents every metric with its labels, and names none that does not exist;
the example rules use only real metrics."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from ipcscope.export.catalog import METRICS

ROOT = Path(__file__).resolve().parents[2]
DOC = (ROOT / "docs" / "metrics.md").read_text()
RULES = (ROOT / "docs" / "ipcscope-alerts.yml").read_text()
KNOWN = {spec.name for spec in METRICS}


@pytest.mark.parametrize("spec", METRICS, ids=lambda spec: spec.name)
def test_every_metric_has_a_row_with_its_labels(spec) -> None:  # type: ignore[no-untyped-def]
    rows = [line for line in DOC.splitlines() if line.startswith(f"| `{spec.name}` |")]
    assert len(rows) == 1, f"{spec.name}: {len(rows)} rows in docs/metrics.md"
    labels = rows[0].split("|")[2]
    assert re.findall(r"`(\w+)`", labels) == list(spec.labels)


def test_no_unknown_metric_is_named() -> None:
    named = set(re.findall(r"\bipcscope_[a-z_]+[a-z]\b", DOC + RULES))
    assert named - KNOWN == set()
