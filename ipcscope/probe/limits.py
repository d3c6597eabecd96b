"""System-wide IPC limits and how much of each is used: what `lsipc -g` and `ipcs -l -u` show.

Limits come from sysctl files (<proc_root>/sys/kernel/*, <proc_root>/sys/fs/mqueue/*), as `ipcs -l`
reads them; SEMVMX (32767) and SHMMIN (1) are compile-time constants. Usage is counted from the
objects the probe parsed, so a fixture tree gives consistent numbers; on a live kernel these equal
what SHM_INFO/MSG_INFO/SEM_INFO report (checked by a test). A usage that is not known (a kind not
probed, POSIX queues seen only through descriptors) is None, never a partial count.

Row names, order and descriptions follow lsipc (2.41 for the POSIX rows). MQUMAX is the largest
POSIX message in bytes (msgsize_max) and MQUMNB the most messages in a queue (msg_max), as lsipc.
"""

from __future__ import annotations

import os
from collections.abc import Iterable

from ipcscope.model import LimitRow, Limits

SEMVMX = 32767
SHMMIN = 1


class Usage:
    """Counts of what exists; None where unknown. (A plain class: a dataclass costs ~1 ms of
    `ipcscope list` start-up to create.)"""

    __slots__ = ("msg_queues", "shm_segments", "shm_pages", "sem_sets", "semaphores",
                 "posix_queues")

    def __init__(self, *, msg_queues: int | None = None, shm_segments: int | None = None,
                 shm_pages: int | None = None, sem_sets: int | None = None,
                 semaphores: int | None = None, posix_queues: int | None = None) -> None:
        self.msg_queues = msg_queues
        self.shm_segments = shm_segments
        self.shm_pages = shm_pages
        self.sem_sets = sem_sets
        self.semaphores = semaphores
        self.posix_queues = posix_queues


def shm_pages(sizes: Iterable[int], page_size: int | None = None) -> int:
    """Pages the kernel charges to SHMALL: sum of ceil(size / page size) (SHM_INFO's shm_tot)."""
    page = page_size or os.sysconf("SC_PAGE_SIZE")
    return sum(-(-size // page) for size in sizes)


class _SysctlReader:
    def __init__(self, proc_root: str) -> None:
        self.proc_root = proc_root
        self.missing: list[str] = []

    def numbers(self, relative: str) -> list[int] | None:
        path = os.path.join(self.proc_root, "sys", relative)
        try:
            with open(path) as handle:
                return [int(word) for word in handle.read().split()]
        except (OSError, ValueError):
            self.missing.append(path)
            return None

    def number(self, relative: str) -> int | None:
        values = self.numbers(relative)
        return values[0] if values else None


def read_limits(proc_root: str, usage: Usage) -> tuple[Limits, list[str]]:
    """The lsipc -g rows, with usage filled in from `usage`, and a warning for unreadable files."""
    read = _SysctlReader(proc_root)
    sem = read.numbers("kernel/sem")  # SEMMSL SEMMNS SEMOPM SEMMNI
    if sem is not None and len(sem) != 4:
        read.missing.append(os.path.join(proc_root, "sys", "kernel", "sem"))
        sem = None
    semmsl, semmns, semopm, semmni = sem or (None, None, None, None)
    rows = (
        LimitRow("MSGMNI", "Number of message queues", read.number("kernel/msgmni"),
                 usage.msg_queues),
        LimitRow("MSGMAX", "Max size of message (bytes)", read.number("kernel/msgmax"),
                 unit="bytes"),
        LimitRow("MSGMNB", "Default max size of queue (bytes)", read.number("kernel/msgmnb"),
                 unit="bytes"),
        LimitRow("MQUMNI", "Number of POSIX message queues", read.number("fs/mqueue/queues_max"),
                 usage.posix_queues),
        LimitRow("MQUMAX", "Max size of POSIX message (bytes)",
                 read.number("fs/mqueue/msgsize_max"), unit="bytes"),
        LimitRow("MQUMNB", "Number of messages in POSIX message queue",
                 read.number("fs/mqueue/msg_max")),
        LimitRow("SHMMNI", "Shared memory segments", read.number("kernel/shmmni"),
                 usage.shm_segments),
        LimitRow("SHMALL", "Shared memory pages", read.number("kernel/shmall"), usage.shm_pages,
                 unit="pages"),
        LimitRow("SHMMAX", "Max size of shared memory segment (bytes)",
                 read.number("kernel/shmmax"), unit="bytes"),
        LimitRow("SHMMIN", "Min size of shared memory segment (bytes)", SHMMIN, unit="bytes"),
        LimitRow("SEMMNI", "Number of semaphore identifiers", semmni, usage.sem_sets),
        LimitRow("SEMMNS", "Total number of semaphores", semmns, usage.semaphores),
        LimitRow("SEMMSL", "Max semaphores per semaphore set.", semmsl),
        LimitRow("SEMOPM", "Max number of operations per semop(2)", semopm),
        LimitRow("SEMVMX", "Semaphore max value", SEMVMX),
    )
    warnings = []
    if read.missing:
        warnings.append(f"limits: cannot read {', '.join(read.missing)}; those limits are unknown")
    return Limits(rows=rows), warnings
