"""The kernel limits that forms check before calling the kernel (sizes over SHMMAX, SEMVMX, ...).

Read once per parse from /proc/sys; tests and the preview inject a fixed `ActionLimits` instead.
Missing files (another kernel, a container) fall back to the kernel's compiled-in defaults, so a
form never fails because a sysctl is hidden.
"""

from __future__ import annotations

import os
from dataclasses import dataclass

#: Compile-time constants of the kernel (include/uapi/linux/sem.h, ipc/mqueue.c, limits.h).
SEMVMX = 32767
SEM_VALUE_MAX = 2**31 - 1
MQ_PRIO_MAX = 32768
HARD_MSGMAX = 65536
HARD_MSGSIZEMAX = 16 * 1024 * 1024
LONG_MAX = 2**63 - 1


@dataclass(frozen=True)
class ActionLimits:
    """What the kernel will accept, as far as a form can know before asking it."""

    shmmax: int = 2**64 - 2**24 - 1
    semmsl: int = 32000
    semopm: int = 500
    semvmx: int = SEMVMX
    msgmax: int = 8192
    msgmnb: int = 16384
    mq_msg_max: int = 10
    mq_msgsize_max: int = 8192
    mq_msg_default: int = 10
    mq_msgsize_default: int = 8192


def _read_ints(path: str) -> list[int] | None:
    try:
        with open(path) as handle:
            return [int(part) for part in handle.read().split()]
    except (OSError, ValueError):
        return None


def read_limits(proc_root: str = "/proc") -> ActionLimits:
    """The current limits of this IPC namespace; defaults where a file is missing or odd."""
    base = ActionLimits()
    values: dict[str, int] = {}
    sysctl = os.path.join(proc_root, "sys")
    for name, path in (
        ("shmmax", "kernel/shmmax"),
        ("msgmax", "kernel/msgmax"),
        ("msgmnb", "kernel/msgmnb"),
        ("mq_msg_max", "fs/mqueue/msg_max"),
        ("mq_msgsize_max", "fs/mqueue/msgsize_max"),
        ("mq_msg_default", "fs/mqueue/msg_default"),
        ("mq_msgsize_default", "fs/mqueue/msgsize_default"),
    ):
        numbers = _read_ints(os.path.join(sysctl, path))
        if numbers and len(numbers) == 1 and numbers[0] > 0:
            values[name] = numbers[0]
    sem = _read_ints(os.path.join(sysctl, "kernel/sem"))  # SEMMSL SEMMNS SEMOPM SEMMNI
    if sem and len(sem) == 4:
        if sem[0] > 0:
            values["semmsl"] = sem[0]
        if sem[2] > 0:
            values["semopm"] = sem[2]
    return ActionLimits(**{**base.__dict__, **values})


def from_limit_rows(limits: object) -> ActionLimits:
    """The ActionLimits in a probe's Limits (lsipc rows), for a namespace whose sysctls this
    process cannot open itself; defaults where a row is missing."""
    rows = {row.resource: row.limit for row in getattr(limits, "rows", ())}
    names = {"shmmax": "SHMMAX", "semmsl": "SEMMSL", "semopm": "SEMOPM", "msgmax": "MSGMAX",
             "msgmnb": "MSGMNB", "mq_msg_max": "MQUMNB", "mq_msgsize_max": "MQUMAX"}
    values = {field: rows[row] for field, row in names.items() if isinstance(rows.get(row), int) and rows[row] > 0}
    return ActionLimits(**{**ActionLimits().__dict__, **values})
