"""Waiters as the metrics count them: which operation each one is blocked in, and for how long.

Only tasks the kernel keeps queued count: a stopped task (state T) was taken off the wait queue
and is not a waiter until it runs again, as the doctor also holds.
"""

from __future__ import annotations

from ipcscope.doctor import blocking_op
from ipcscope.model import ObjectRef, ProcessScan, SemSet, Waiter

DECREMENT = "decrement"
WAIT_FOR_ZERO = "wait-for-zero"
UNKNOWN = "unknown"

#: the operations always reported for each kind (0 when nobody waits); others appear when seen
KIND_OPS: dict[str, tuple[str, ...]] = {
    "sem": (DECREMENT, WAIT_FOR_ZERO),
    "msg": ("msgrcv", "msgsnd"),
    "pmq": ("mq_receive", "mq_send"),
    "psem": ("sem_wait",),
}

#: the scan's syscall names -> the operation label (a futex wait on a named semaphore is sem_wait)
_OP_LABELS = {"futex": "sem_wait"}


def queued(scan: ProcessScan | None, ref: ObjectRef) -> list[Waiter]:
    """The tasks asleep on `ref` that the kernel keeps queued."""
    if scan is None:
        return []
    return [w for w in scan.waiters_of(ref) if w.state != "stopped"]


def operation(waiter: Waiter, semset: SemSet | None = None) -> str:
    """The operation label of a waiter: for semop the one that blocks it (decrement or
    wait-for-zero), "unknown" when its operations could not be read from its memory."""
    if waiter.op != "semop":
        return _OP_LABELS.get(waiter.op, waiter.op)
    ops = waiter.ops
    if ops is None:
        return UNKNOWN
    blocking = None
    if semset is not None and semset.semaphores is not None:
        blocking = blocking_op(ops, [s.value for s in semset.semaphores])
    if blocking is None and waiter.blocked_on is not None:
        blocking = next((op for op in ops if op.num == waiter.blocked_on and op.op <= 0), None)
    if blocking is None:
        return UNKNOWN
    return WAIT_FOR_ZERO if blocking.op == 0 else DECREMENT


def semaphore_waiters(semset: SemSet, scan: ProcessScan | None) -> dict[str, int]:
    """Tasks asleep in semop on `semset` by operation.

    From the kernel's own counters where the set is readable: semncnt and semzcnt count each
    sleeping task once, on the semaphore and operation that blocks it, including tasks of
    processes this user could not inspect. From the process scan otherwise.
    """
    counts = dict.fromkeys(KIND_OPS["sem"], 0)
    if semset.semaphores is not None:
        counts[DECREMENT] = sum(s.ncnt for s in semset.semaphores)
        counts[WAIT_FOR_ZERO] = sum(s.zcnt for s in semset.semaphores)
        return counts
    for waiter in queued(scan, semset.ref):
        if waiter.op == "semop":
            label = operation(waiter, semset)
            counts[label] = counts.get(label, 0) + 1
    return counts


def waited(waiter: Waiter, now: float) -> float | None:
    """Seconds `waiter` has been blocked at `now`, None when its start is unknown."""
    return None if waiter.since is None else max(0.0, now - waiter.since)
