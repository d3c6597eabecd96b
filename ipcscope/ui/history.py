"""Recent values per object (queue depth, semaphore values) for the detail pane's sparklines.

STUB: the interface is fixed; the implementation is being written on the `detail` branch.
"""

from __future__ import annotations

from ipcscope.model import Snapshot


class History:
    """Keeps the last `maxlen` values of each metric of each object, keyed by row key."""

    def __init__(self, maxlen: int = 60) -> None:
        self.maxlen = maxlen

    def record(self, snapshot: Snapshot) -> None:
        """Append this snapshot's values; forget objects that are gone."""

    def series(self, row_key: str, metric: str) -> list[float]:
        """Values of `metric` ("qnum", "cbytes", "sem0", "sem1", "curmsgs", "value", ...) oldest first."""
        return []
