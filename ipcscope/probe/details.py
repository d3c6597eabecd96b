"""What /proc/sysvipc does not say: semaphore values and queue byte limits, by syscall.

`semctl(GETALL/GETNCNT/GETZCNT/GETPID)` and `msgctl(IPC_STAT)` need read permission on the object,
so a user sees the list of everyone's objects but only the values of their own. Unreadable values
stay None (never a guess) and are summarised in one warning per kind that says how to see them.
These calls only make sense for the live system, never for a fixture tree.
"""

from __future__ import annotations

import errno
import os

from ipcscope.core.errors import IpcError
from ipcscope.model import MsgQueue, SemSet
from ipcscope.probe._fast import evolve

#: The object went away between reading /proc and the call: not a permission problem.
_GONE = (errno.EINVAL, errno.EIDRM)


def _hidden_warning(count: int, what: str, hidden: str) -> str:
    plural = "s" if count != 1 else ""
    verb = "are" if count != 1 else "is"
    return (f"{count} {what}{plural} {verb} not readable by uid {os.geteuid()}: {hidden} hidden; "
            f"run as root or as their owner")


def add_semaphore_values(sets: tuple[SemSet, ...]) -> tuple[tuple[SemSet, ...], list[str]]:
    """Each set with its per-semaphore value/ncnt/zcnt/pid where this user may read them."""
    from ipcscope.core import sem as core_sem

    semaphores = core_sem.semaphores
    result = []
    denied = 0
    for semset in sets:
        try:
            values = semaphores(semset.id)
        except IpcError as error:
            if error.errno not in _GONE:
                denied += 1
            result.append(semset)
            continue
        result.append(evolve(semset, semaphores=tuple(values)))
    warnings = [_hidden_warning(denied, "semaphore set", "values")] if denied else []
    return tuple(result), warnings


def add_queue_limits(queues: tuple[MsgQueue, ...]) -> tuple[tuple[MsgQueue, ...], list[str]]:
    """Each queue with msg_qbytes (from msgctl IPC_STAT) where this user may read it."""
    from ipcscope.core import msg as core_msg

    stat = core_msg.stat
    result = []
    denied = 0
    for queue in queues:
        try:
            qbytes = stat(queue.id).qbytes
        except IpcError as error:
            if error.errno not in _GONE:
                denied += 1
            result.append(queue)
            continue
        result.append(evolve(queue, qbytes=qbytes))
    warnings = [_hidden_warning(denied, "message queue", "byte limits (qbytes)")] if denied else []
    return tuple(result), warnings
