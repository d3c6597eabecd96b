"""Bytes queued in a pipe or FIFO, and its capacity, without changing what its processes see.

FIONREAD and F_GETPIPE_SZ need a descriptor of the pipe. Re-opening /proc/PID/fd/N would add a
reader (a writer whose reader has gone would get no EPIPE; a FIFO opener waiting for its partner
would be released), and opening a FIFO by its path is the rendezvous itself. So the descriptor is a
`pidfd_getfd` duplicate of one the process already has: no reader or writer is added.

Holding a duplicate of a *write* end would keep a reader from seeing EOF, so the end duplicated is
a read end; a write end only when no read end exists anywhere (nobody can then miss EOF), which is
known only when every process could be inspected. The duplicate is closed at once.
"""

from __future__ import annotations

import ctypes
import errno
import fcntl
import os
import struct
import termios
from collections.abc import Sequence
from typing import NamedTuple

from ipcscope.model import EndMode

PIDFD_GETFD = 438  # the same number on every architecture (the unified syscall table from 424 on)
F_GETPIPE_SZ = 1032
_INT = struct.Struct("=i")
_ZERO = bytes(_INT.size)

_libc = ctypes.CDLL(None, use_errno=True)
#: syscall(2) without a prototype: called once per pipe with plain ints (converted directly to C
#: ints, 0.4 us cheaper a call than through argtypes)
_syscall = _libc["syscall"]
_syscall.restype = ctypes.c_long


#: one descriptor of a pipe during a scan: (pid, fd, mode)
End = tuple[int, int, EndMode]


def end_to_duplicate(ends: Sequence[End], everything_seen: bool) -> End | None:
    """The end whose duplicate may be held for a moment: a read end (r before rw), or a write
    end when no read end exists and `everything_seen` (no process hid its descriptors)."""
    readwrite = None
    for end in ends:
        if end[2] == "r":
            return end
        if end[2] == "rw" and readwrite is None:
            readwrite = end
    if readwrite is not None:
        return readwrite
    if everything_seen and ends:
        return ends[0]
    return None


class Measure(NamedTuple):
    queued: int
    capacity: int


class PipeMeter:
    """Measures pipes through duplicates; keeps one pidfd per process for the scan's duration.

    Counts why measures failed, for the notes: `refused` (no ptrace-attach right over the owner:
    another user's process, or Yama), `unsupported` (a kernel before 5.6 has no pidfd_getfd).
    """

    def __init__(self) -> None:
        self._pidfds: dict[int, int | None] = {}
        self.refused = 0
        self.unsupported = False

    def measure(self, end: End, dev: int, inode: int) -> Measure | None:
        """Queued bytes and capacity of the pipe (dev, inode) through `end`; None when it could
        not be measured (gone, refused, or the descriptor no longer names that pipe)."""
        if self.unsupported:
            return None
        pid, target, mode = end
        pidfd = self._pidfds.get(pid, -1)
        if pidfd == -1:
            pidfd = self._pidfd(pid)
        if pidfd is None:
            return None
        duplicate = _syscall(PIDFD_GETFD, pidfd, target, 0)
        if duplicate < 0:
            code = ctypes.get_errno()
            if code == errno.ENOSYS:
                self.unsupported = True
            elif code in (errno.EPERM, errno.EACCES):
                self.refused += 1
            return None
        fd = int(duplicate)
        try:
            # the number may have been closed and reused since the walk: check it is the same
            # pipe, and still the end chosen (never hold a write end taken for a read end)
            st = os.fstat(fd)
            if st.st_ino != inode or st.st_dev != dev:
                return None
            access = fcntl.fcntl(fd, fcntl.F_GETFL) & os.O_ACCMODE
            if mode != "w" and access == os.O_WRONLY:
                return None
            queued = _INT.unpack(fcntl.ioctl(fd, termios.FIONREAD, _ZERO))[0]
            capacity = fcntl.fcntl(fd, F_GETPIPE_SZ)
        except OSError:
            return None
        finally:
            os.close(fd)
        return Measure(queued, capacity)

    def _pidfd(self, pid: int) -> int | None:
        if pid not in self._pidfds:
            try:
                self._pidfds[pid] = os.pidfd_open(pid)
            except OSError as error:
                if error.errno == errno.ENOSYS:
                    self.unsupported = True
                self._pidfds[pid] = None
        return self._pidfds[pid]

    def close(self) -> None:
        for pidfd in self._pidfds.values():
            if pidfd is not None:
                os.close(pidfd)
        self._pidfds.clear()


def pipefs_device() -> int:
    """The st_dev of anonymous pipes (the kernel's single pipefs mount), from a pipe of our own."""
    read_end, write_end = os.pipe()
    try:
        return os.fstat(read_end).st_dev
    finally:
        os.close(read_end)
        os.close(write_end)
