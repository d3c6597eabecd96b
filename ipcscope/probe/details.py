"""What /proc/sysvipc does not say: semaphore values and queue byte limits, by syscall.

`semctl(GETALL/GETNCNT/GETZCNT/GETPID)` and `msgctl(IPC_STAT)` need read permission on the object,
so a user sees the list of everyone's objects but only the values of their own. Unreadable values
stay None (never a guess) and are summarised in one warning per kind that says how to see them.
These calls only make sense for the live system, never for a fixture tree.

Both functions take the id column of a parsed /proc file and return the matching value column, so
the snapshot builds each object once.
"""

from __future__ import annotations

import errno
import os

from ipcscope.core.errors import IpcError
from ipcscope.model import Semaphore
from ipcscope.probe._fast import build_rows

#: The object went away between reading /proc and the call: not a permission problem.
_GONE = (errno.EINVAL, errno.EIDRM)
_SEMAPHORE_FIELDS = ("num", "value", "ncnt", "zcnt", "pid")


def hidden_warning(count: int, what: str, hidden: str) -> str:
    """ "3 semaphore sets are not readable by uid 1000: values hidden; run as root or as their owner".

    Root is refused only by a security module or a missing capability (CAP_IPC_OWNER for SysV
    objects, CAP_DAC_OVERRIDE for files): it is told that, not to run as root."""
    plural, verb = ("s", "are") if count != 1 else ("", "is")
    uid = os.geteuid()
    advice = ("refused even to root: a security module or a missing capability (CAP_IPC_OWNER, "
              "CAP_DAC_OVERRIDE) decides" if uid == 0 else "run as root or as their owner")
    return f"{count} {what}{plural} {verb} not readable by uid {uid}: {hidden} hidden; {advice}"


def semaphore_values(ids: list[int]) -> tuple[list[tuple[Semaphore, ...] | None], list[str]]:
    """Per set: its semaphores' value/ncnt/zcnt/pid, or None where this user may not read them."""
    from ipcscope.core.bulk import semaphore_table

    values: list[tuple[Semaphore, ...] | None] = []
    denied = 0
    for rows in semaphore_table(ids):
        if isinstance(rows, IpcError):
            if rows.errno not in _GONE:
                denied += 1
            values.append(None)
        else:  # rows are (num, value, ncnt, zcnt, pid)
            values.append(tuple(build_rows(Semaphore, _SEMAPHORE_FIELDS, rows)))
    return values, [hidden_warning(denied, "semaphore set", "values")] if denied else []


def queue_limits(ids: list[int]) -> tuple[list[int | None], list[str]]:
    """Per queue: msg_qbytes (msgctl IPC_STAT), or None where this user may not read it."""
    from ipcscope.core.bulk import qbytes_table

    values: list[int | None] = []
    denied = 0
    for result in qbytes_table(ids):
        if isinstance(result, IpcError):
            if result.errno not in _GONE:
                denied += 1
            values.append(None)
        else:
            values.append(result)
    return values, [hidden_warning(denied, "message queue", "byte limits (qbytes)")] if denied else []
