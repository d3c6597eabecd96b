"""The types of the messages queued where a msgrcv waiter sleeps, peeked without consuming.

`unmatched-receiver` needs them; peeking every queue would cost a copy of every message, so only
queues with a receiver waiting are peeked (MSG_COPY). Shared by `ipcscope doctor` and the app.
"""

from __future__ import annotations

from dataclasses import replace

from ipcscope.model import Snapshot


def waited_queue_types(snapshot: Snapshot) -> dict[int, tuple[int, ...]]:
    """msqid -> queued message types, for each queue a msgrcv waiter of `snapshot.processes`
    sleeps on. A queue that cannot be peeked (no read permission, kernel without
    CHECKPOINT_RESTORE, gone meanwhile) is left out: its receivers then get no verdict."""
    scan = snapshot.processes
    if scan is None:
        return {}
    from ipcscope.core import msg
    from ipcscope.core.errors import IpcError

    types: dict[int, tuple[int, ...]] = {}
    for queue in snapshot.msg:
        if queue.queued_types is not None:
            continue
        if any(w.op == "msgrcv" for w in scan.waiters_of(queue.ref)):
            try:
                types[queue.id] = tuple(message.mtype for message in msg.peek_all(queue.id))
            except IpcError:
                continue
    return types


def with_queued_types(snapshot: Snapshot, types: dict[int, tuple[int, ...]]) -> Snapshot:
    """`snapshot` with `queued_types` filled from `types` where it is still None."""
    if not types:
        return snapshot
    queues = tuple(replace(q, queued_types=types[q.id]) if q.queued_types is None and q.id in types
                   else q for q in snapshot.msg)
    return replace(snapshot, msg=queues)


def peek_waited_queues(snapshot: Snapshot) -> Snapshot:
    """`snapshot` with the queues its msgrcv waiters sleep on peeked (see waited_queue_types)."""
    return with_queued_types(snapshot, waited_queue_types(snapshot))
