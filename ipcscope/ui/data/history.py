"""Recent values per object (queue depth, semaphore values) for the detail pane's sparklines.

`record()` runs on every poll over every object (up to ~10,000), so it does the least it can: one
tuple of numbers per object appended to one bounded deque. Names of the metrics are kept once per
object, and a series is only unpacked when the detail pane asks for it.
"""

from __future__ import annotations

from collections import deque
from operator import attrgetter

from ipcscope.model import Snapshot

#: values recorded per object, in one tuple per poll (None: unreadable at that poll)
Values = tuple[int | None, ...]

_MSG = ("qnum", "cbytes")
_PMQ = ("curmsgs",)
_PSEM = ("value",)
_SHM = ("nattch",)
_SEM_NAMES: dict[int, tuple[str, ...]] = {}
_value = attrgetter("value")


def _sem_names(nsems: int) -> tuple[str, ...]:
    """("sem0", "sem1", ...) shared between sets of the same size instead of rebuilt per poll."""
    names = _SEM_NAMES.get(nsems)
    if names is None:
        names = _SEM_NAMES[nsems] = tuple(f"sem{i}" for i in range(nsems))
    return names


class History:
    """Keeps the last `maxlen` values of each metric of each object, keyed by row key."""

    def __init__(self, maxlen: int = 60) -> None:
        self.maxlen = maxlen
        self._names: dict[str, tuple[str, ...]] = {}
        self._values: dict[str, deque[Values]] = {}

    def __len__(self) -> int:
        return len(self._values)

    def record(self, snapshot: Snapshot) -> None:
        """Append this snapshot's values; forget objects that are gone."""
        # Row keys built inline (== obj.ref.row_key); in another namespace ids repeat, so there
        # the key carries the namespace too.
        key_of = _row_key if snapshot.namespaces else _own_row_key
        entries: list[tuple[str, tuple[str, ...], Values]] = [
            (key_of("msg", q.id, q.ns), _MSG, (q.qnum, q.cbytes)) for q in snapshot.msg]
        entries += [(key_of("sem", s.id, s.ns), _sem_names(len(s.semaphores)), tuple(map(_value, s.semaphores)))
                    for s in snapshot.sem if s.semaphores is not None]  # unreadable: nothing to keep
        entries += [(key_of("shm", m.id, m.ns), _SHM, (m.nattch,)) for m in snapshot.shm]
        entries += [(key_of("pmq", p.name, p.ns), _PMQ, (p.curmsgs,)) for p in snapshot.pmq]
        entries += [(key_of("psem", p.name, p.ns), _PSEM, (p.value,)) for p in snapshot.psem]
        names_of, values_of = self._names, self._values
        for key, names, values in entries:
            series = values_of.get(key)
            if series is None or names_of[key] is not names:  # new, or its metrics changed shape
                names_of[key] = names
                series = values_of[key] = deque(maxlen=self.maxlen)
            series.append(values)
        # every recorded key is in values_of now, so a larger values_of means something is gone
        if len(values_of) != len(entries):
            for gone in values_of.keys() - {key for key, _, _ in entries}:
                del values_of[gone]
                del names_of[gone]

    def series(self, row_key: str, metric: str) -> list[float]:
        """Values of `metric` ("qnum", "cbytes", "sem0", "sem1", "curmsgs", "value", ...) oldest first.

        Polls where the value was unreadable are left out. Unknown objects or metrics give [].
        """
        names = self._names.get(row_key)
        if names is None or metric not in names:
            return []
        i = names.index(metric)
        return [float(v[i]) for v in self._values[row_key] if v[i] is not None]


def _own_row_key(kind: str, ident: object, ns: int | None) -> str:
    return f"{kind}:{ident}"


def _row_key(kind: str, ident: object, ns: int | None) -> str:
    return f"{kind}:{ident}" if ns is None else f"{kind}:{ident}@{ns}"
