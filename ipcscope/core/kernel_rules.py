"""How the kernel decides what a blocked task is waiting for, written once for every reader.

Two decisions of ipc/sem.c and ipc/msg.c that ipcscope explains: which operation of a semop makes
the task sleep, and which queued message a msgrcv takes. Pure functions over values already read
(no syscalls): the process scan, the doctor and the app's detail pane all ask these.
"""

from __future__ import annotations

from collections.abc import Sequence

from ipcscope.core.constants import MSG_EXCEPT
from ipcscope.model import SemOpSpec

#: the range of msgrcv's `long msgtyp` on 64-bit Linux
LONG_MIN = -(2**63)
LONG_MAX = 2**63 - 1


def blocking_operation(ops: Sequence[SemOpSpec], values: Sequence[int]) -> SemOpSpec | None:
    """The operation of a semop that makes it sleep with these semaphore `values`, or None
    (see blocking_index)."""
    index = blocking_index(ops, values)
    return None if index is None else ops[index]


def blocking_index(ops: Sequence[SemOpSpec], values: Sequence[int]) -> int | None:
    """Which operation of a semop (its index in `ops`) makes it sleep with these `values`.

    The kernel applies the operations in order to a scratch copy of the values, all or nothing,
    and the task sleeps at the first that would make a value negative (op < 0) or that waits for
    zero on a non-zero value (op == 0); semncnt/semzcnt count the task on that semaphore only.
    None when every operation could proceed now (the values moved on since the task blocked) or
    when an operation names a semaphore the set does not have (the kernel says EFBIG).
    """
    scratch = list(values)
    for index, op in enumerate(ops):
        if not 0 <= op.num < len(scratch):
            return None
        value = scratch[op.num]
        if (op.op < 0 and value + op.op < 0) or (op.op == 0 and value != 0):
            return index
        scratch[op.num] = value + op.op
    return None


def msgrcv_bound(msgtyp: int) -> int:
    """For a negative msgtyp, the highest type msgrcv accepts: |msgtyp|, except that LONG_MIN,
    whose absolute value a long cannot hold, means LONG_MAX (the kernel's convert_mode)."""
    return LONG_MAX if msgtyp == LONG_MIN else -msgtyp


def msgrcv_matches(msgtyp: int, msgflg: int | None, mtype: int) -> bool:
    """Whether msgrcv(msgtyp, msgflg) would accept a message of type `mtype`.

    0 accepts any type; > 0 that type, or with MSG_EXCEPT any other; < 0 any type up to
    msgrcv_bound(msgtyp). MSG_EXCEPT counts only with msgtyp > 0.
    """
    if msgtyp == 0:
        return True
    if msgtyp < 0:
        return mtype <= msgrcv_bound(msgtyp)
    if msgflg is not None and msgflg & MSG_EXCEPT:
        return mtype != msgtyp
    return mtype == msgtyp


def msgrcv_pick(queued_types: Sequence[int], msgtyp: int, msgflg: int = 0) -> int | None:
    """Index of the message msgrcv(msgtyp, msgflg) takes from a queue holding `queued_types` in
    queue order, or None: it blocks (the kernel's find_msg).

    The first accepted message, except for msgtyp < 0: the first of the lowest accepted type.
    """
    best: int | None = None
    for index, mtype in enumerate(queued_types):
        if not msgrcv_matches(msgtyp, msgflg, mtype):
            continue
        if msgtyp >= 0:
            return index
        if best is None or mtype < queued_types[best]:
            best = index
    return best
