"""Which syscall numbers mean "blocked in an IPC call", per architecture.

/proc/PID/task/TID/syscall gives the raw number, and the numbers differ between architectures
(x86_64 has its own table; aarch64 and riscv64 use the generic one). Classify by number, never by
wchan, whose symbol names change between kernel versions (do_semtimedop, ksys_msgrcv, ...).

Numbers checked against arch/x86/entry/syscalls/syscall_64.tbl and
include/uapi/asm-generic/unistd.h.
"""

from __future__ import annotations

import os
from typing import Literal

#: What a blocked task is doing, in the names `model.Waiter.op` uses ("semop" covers semtimedop).
WaitKind = Literal["semop", "msgsnd", "msgrcv", "mq_send", "mq_receive", "futex"]

_X86_64: dict[int, WaitKind] = {
    65: "semop",
    220: "semop",  # semtimedop: glibc's semop() calls it with timeout NULL
    69: "msgsnd",
    70: "msgrcv",
    242: "mq_send",  # mq_timedsend
    243: "mq_receive",  # mq_timedreceive
    202: "futex",
}

_GENERIC: dict[int, WaitKind] = {
    193: "semop",
    192: "semop",  # semtimedop
    189: "msgsnd",
    188: "msgrcv",
    182: "mq_send",
    183: "mq_receive",
    98: "futex",
}

WAIT_SYSCALLS: dict[str, dict[int, WaitKind]] = {
    "x86_64": _X86_64,
    "aarch64": _GENERIC,
    "arm64": _GENERIC,
    "riscv64": _GENERIC,
}

# futex(2) operations that put the caller to sleep (op & FUTEX_CMD_MASK).
FUTEX_CMD_MASK = ~(128 | 256)  # ~(FUTEX_PRIVATE_FLAG | FUTEX_CLOCK_REALTIME)
FUTEX_WAIT_COMMANDS = frozenset({
    0,  # FUTEX_WAIT
    6,  # FUTEX_LOCK_PI
    9,  # FUTEX_WAIT_BITSET (sem_wait, sem_timedwait)
    11,  # FUTEX_WAIT_REQUEUE_PI (pshared condition variables with PI mutexes)
    13,  # FUTEX_LOCK_PI2
})


def wait_syscalls(machine: str | None = None) -> dict[int, WaitKind] | None:
    """The wait table for `machine` (default: this one), or None when ipcscope does not know it."""
    return WAIT_SYSCALLS.get(machine or os.uname().machine)  # = platform.machine()


def is_futex_wait(op: int) -> bool:
    """Whether a futex() `op` argument is one of the sleeping commands."""
    return (op & FUTEX_CMD_MASK & 0x7F) in FUTEX_WAIT_COMMANDS
