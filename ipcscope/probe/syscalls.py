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


#: The calls a task can sleep in on one pipe, FIFO or socket descriptor (arg0 is the fd), and the
#: opens that wait for a FIFO's partner. poll, select and epoll_wait are left out: they wait on
#: many descriptors at once, so no one channel is "the one it is blocked on".
ChannelCall = Literal["read", "write", "recv", "send", "accept", "connect", "open", "openat"]

_X86_64_CHANNEL: dict[int, ChannelCall] = {
    0: "read", 19: "read",  # read, readv
    1: "write", 20: "write",  # write, writev
    45: "recv", 47: "recv", 299: "recv",  # recvfrom, recvmsg, recvmmsg
    44: "send", 46: "send", 307: "send",  # sendto, sendmsg, sendmmsg
    43: "accept", 288: "accept",  # accept, accept4
    42: "connect",
    2: "open",  # open(path, flags): static and old binaries; glibc calls openat
    257: "openat",
}

_GENERIC_CHANNEL: dict[int, ChannelCall] = {
    63: "read", 65: "read",
    64: "write", 66: "write",
    207: "recv", 212: "recv", 243: "recv",
    206: "send", 211: "send", 269: "send",
    202: "accept", 242: "accept",
    203: "connect",
    56: "openat",  # the generic table has no open()
}

CHANNEL_SYSCALLS: dict[str, dict[int, ChannelCall]] = {
    "x86_64": _X86_64_CHANNEL,
    "aarch64": _GENERIC_CHANNEL,
    "arm64": _GENERIC_CHANNEL,
    "riscv64": _GENERIC_CHANNEL,
}


def wait_syscalls(machine: str | None = None) -> dict[int, WaitKind] | None:
    """The wait table for `machine` (default: this one), or None when ipcscope does not know it."""
    return WAIT_SYSCALLS.get(machine or os.uname().machine)  # = platform.machine()


def channel_syscalls(machine: str | None = None) -> dict[int, ChannelCall] | None:
    """The channel-call table for `machine` (default: this one), or None when unknown."""
    return CHANNEL_SYSCALLS.get(machine or os.uname().machine)


def is_futex_wait(op: int) -> bool:
    """Whether a futex() `op` argument is one of the sleeping commands."""
    return (op & FUTEX_CMD_MASK & 0x7F) in FUTEX_WAIT_COMMANDS
