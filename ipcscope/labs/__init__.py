"""Teaching labs: the classic IPC exercises as real processes you can watch in ipcscope.

    from ipcscope.labs import LABS, LabSession, cleanup_stale

A `Lab` is a sequence of `Step`s (text, C code, an action, an expected kernel state). A
`LabSession` runs one, records everything it creates in a state file so nothing survives a crash,
and cleans up on `stop()`. `run_auto` (ipcscope.labs.auto) runs a lab without a terminal.
No Textual here: the Labs screen builds on this package.

The names below are imported on first use, so a worker (`python -m ipcscope.labs.workers`), which
imports this package first, starts without loading the catalog and the session machinery.
"""

from __future__ import annotations

import importlib
from typing import Any

_EXPORTS = {
    "LABS": "catalog", "get_lab": "catalog", "lab_names": "catalog",
    "Lab": "lab", "Step": "lab", "Check": "lab",
    "LabContext": "context", "LabError": "context",
    "LabSession": "session", "StopReport": "session", "cleanup_stale": "session",
    "LabProcess": "processes",
    "Observation": "observe", "Observer": "observe",
}

__all__ = sorted(_EXPORTS)


def __getattr__(name: str) -> Any:
    if name not in _EXPORTS:
        raise AttributeError(f"module 'ipcscope.labs' has no attribute {name!r}")
    value = getattr(importlib.import_module(f"ipcscope.labs.{_EXPORTS[name]}"), name)
    globals()[name] = value
    return value
