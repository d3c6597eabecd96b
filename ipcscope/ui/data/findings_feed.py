"""What the Findings view shows for each applied snapshot: the doctor's findings and its notes.

Kept out of the app so the rule is in one place: diagnose only snapshots that carry a process
scan (without one, most checks are skipped and the list would shrink, then grow back when the
scan lands), except while nothing has been diagnosed yet, when the notes say why the list is
short. Unchanged results return None, so a hidden view costs nothing per poll.
"""

from __future__ import annotations

from ipcscope.doctor import Finding, coverage_notes, diagnose
from ipcscope.model import Snapshot


class FindingsFeed:
    """Remembers the last findings shown, to report only changes."""

    def __init__(self) -> None:
        self._shown: tuple[tuple[Finding, ...], tuple[str, ...]] | None = None
        self._scanned = False

    def update(self, snapshot: Snapshot, now: float) -> tuple[list[Finding], list[str]] | None:
        """New (findings, notes) to show, or None when the view is already right."""
        if snapshot.processes is None and self._scanned:
            return None  # keep the last scanned diagnosis until the next scan lands
        self._scanned = self._scanned or snapshot.processes is not None
        findings = tuple(diagnose(snapshot, now=now))
        notes = tuple(coverage_notes(snapshot))
        if (findings, notes) == self._shown:
            return None
        self._shown = (findings, notes)
        return list(findings), list(notes)
