"""FIFOs that exist only as files: nobody has them open, so no descriptor leads to them.

Found by a bounded walk (os.scandir, depth 4, symlinks not followed) of the directories where
programs make them: /tmp, /run, /dev/shm, /var/run (27 ms for 1,558 entries on the project's
machine; all of / took 4 s, which is why this is not a full scan). The walk is cached: a scanner
repeats it on a slower cadence than its scans, and in between only re-checks the FIFOs it found
(one lstat each), so a FIFO removed since is not shown.
"""

from __future__ import annotations

import os
import stat
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field

DEFAULT_DIRS = ("/tmp", "/run", "/dev/shm", "/var/run")
DEFAULT_DEPTH = 4
#: seconds between two walks of the same scanner
DEFAULT_INTERVAL = 30.0


@dataclass(frozen=True, slots=True)
class FoundFifo:
    path: str
    dev: int
    inode: int


@dataclass
class WalkResult:
    fifos: list[FoundFifo] = field(default_factory=list)
    #: directories that could not be listed (permissions), so FIFOs in them are not known
    unreadable: int = 0


def walk(dirs: Iterable[str] = DEFAULT_DIRS, depth: int = DEFAULT_DEPTH) -> WalkResult:
    """Every FIFO under `dirs`, at most `depth` levels down (as `find -maxdepth`). /var/run is
    usually a symlink to /run: each real directory is walked once."""
    result = WalkResult()
    seen: set[str] = set()
    for top in dirs:
        real = os.path.realpath(top)
        if real in seen or not os.path.isdir(real):
            continue
        seen.add(real)
        _walk(top, depth, result)
    return result


def _walk(directory: str, depth: int, result: WalkResult) -> None:
    try:
        entries = os.scandir(directory)
    except PermissionError:
        result.unreadable += 1
        return
    except OSError:
        return
    subdirectories = []
    with entries:
        for entry in entries:
            try:
                if entry.is_dir(follow_symlinks=False):
                    subdirectories.append(entry.path)
                    continue
                if entry.is_file(follow_symlinks=False) or entry.is_symlink():
                    continue
                st = entry.stat(follow_symlinks=False)  # a FIFO, socket or device node
            except OSError:
                continue
            if stat.S_ISFIFO(st.st_mode):
                result.fifos.append(FoundFifo(entry.path, st.st_dev, st.st_ino))
    if depth > 1:
        for sub in subdirectories:
            _walk(sub, depth - 1, result)


class FifoWalkCache:
    """The last walk, repeated every `interval` seconds; between walks the FIFOs it found are
    re-checked with lstat (removed or replaced ones dropped)."""

    def __init__(self, dirs: Iterable[str] = DEFAULT_DIRS, interval: float = DEFAULT_INTERVAL,
                 depth: int = DEFAULT_DEPTH, clock: Callable[[], float] = time.monotonic) -> None:
        self.dirs = tuple(dirs)
        self.interval = interval
        self.depth = depth
        self.clock = clock
        self._last: WalkResult | None = None
        self._walked_at = 0.0
        #: how long the last walk took, in seconds (for benchmarks)
        self.last_cost = 0.0

    def expire(self) -> None:
        """Walk again at the next `current()` (after ipcscope itself made or removed a FIFO)."""
        self._last = None

    def current(self) -> WalkResult:
        now = self.clock()
        if self._last is None or now - self._walked_at >= self.interval:
            started = time.perf_counter()
            self._last = walk(self.dirs, self.depth)
            self.last_cost = time.perf_counter() - started
            self._walked_at = now
            return self._last
        still = []
        for fifo in self._last.fifos:
            try:
                st = os.lstat(fifo.path)
            except OSError:
                continue
            if stat.S_ISFIFO(st.st_mode) and st.st_ino == fifo.inode and st.st_dev == fifo.dev:
                still.append(fifo)
        self._last = WalkResult(still, self._last.unreadable)
        return self._last
