"""What the Findings view shows for each applied snapshot: the doctor's findings and its notes.

Kept out of the app so the rule is in one place: diagnose only snapshots that carry a process
scan (without one, most checks are skipped and the list would shrink, then grow back when the
scan lands), except while nothing has been diagnosed yet, when the notes say why the list is
short. Unchanged results return None, so a hidden view costs nothing per poll.

It also remembers, per semaphore set, since which poll the set has shown the same waiters that the
scan could not name (`doctor.hidden_wait_state`): the doctor is pure, so the feed passes those
first-seen times in, and a stuck set whose own times cannot tell (others of its semaphores stay in
use) is still reported once the wait has lasted long enough.
"""

from __future__ import annotations

from ipcscope.doctor import Finding, HiddenWaitState, coverage_notes, diagnose, hidden_wait_state
from ipcscope.model import Snapshot


class FindingsFeed:
    """Remembers the last findings shown, to report only changes."""

    def __init__(self) -> None:
        self._shown: tuple[tuple[Finding, ...], tuple[str, ...]] | None = None
        self._scanned = False
        #: sem row key -> (state of its unnamed waiters, when that state was first seen)
        self._hidden_since: dict[str, tuple[HiddenWaitState, float]] = {}

    def update(self, snapshot: Snapshot, now: float) -> tuple[list[Finding], list[str]] | None:
        """New (findings, notes) to show, or None when the view is already right."""
        if snapshot.processes is None and self._scanned:
            return None  # keep the last scanned diagnosis until the next scan lands
        self._scanned = self._scanned or snapshot.processes is not None
        findings = tuple(diagnose(snapshot, now=now, hidden_since=self._track_hidden(snapshot, now)))
        notes = tuple(coverage_notes(snapshot))
        if (findings, notes) == self._shown:
            return None
        self._shown = (findings, notes)
        return list(findings), list(notes)

    def _track_hidden(self, snapshot: Snapshot, now: float) -> dict[str, float]:
        """First-seen time of each set's current unnamed waiters; a changed state starts again."""
        tracked: dict[str, tuple[HiddenWaitState, float]] = {}
        for semset in snapshot.sem:
            state = hidden_wait_state(semset, snapshot)
            if state is None:
                continue
            key = semset.ref.row_key
            old = self._hidden_since.get(key)
            tracked[key] = old if old is not None and old[0] == state else (state, now)
        self._hidden_since = tracked
        return {key: since for key, (_, since) in tracked.items()}
