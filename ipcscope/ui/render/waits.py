"""What a blocked task wants, in words: "sem 0: -1 (SEM_UNDO)", "type <= 3", "any type except 5".

Plain strings, no Textual: the detail pane styles them. The kernel's rules behind them (which
message a msgrcv takes) are core.kernel_rules, which the doctor and the probe ask too.
"""

from __future__ import annotations

from collections.abc import Sequence

from ipcscope.core import kernel_rules
from ipcscope.core.constants import IPC_NOWAIT, MSG_EXCEPT, SEM_UNDO
from ipcscope.core.kernel_rules import msgrcv_bound
from ipcscope.format import duration
from ipcscope.model import SemOpSpec, Waiter


def sem_op_text(op: SemOpSpec) -> str:
    """One sembuf as "sem 0: -1 (SEM_UNDO)"; op 0 is "wait for zero"."""
    what = "wait for 0" if op.op == 0 else f"{op.op:+d}"
    flags = [name for bit, name in ((SEM_UNDO, "SEM_UNDO"), (IPC_NOWAIT, "IPC_NOWAIT")) if op.flags & bit]
    return f"sem {op.num}: {what}" + (f" ({', '.join(flags)})" if flags else "")


def blocking_index(waiter: Waiter, values: Sequence[int] | None = None) -> int | None:
    """Index in `waiter.ops` of the operation that blocks: with the set's `values`, the one the
    kernel stops at, while that is on the semaphore the scan saw it block on (`blocked_on`);
    otherwise (values unknown, or moved on since the scan) the first operation on `blocked_on`."""
    if waiter.ops is None or waiter.blocked_on is None:
        return None
    if values is not None:
        index = kernel_rules.blocking_index(waiter.ops, values)
        if index is not None and waiter.ops[index].num == waiter.blocked_on:
            return index
    for i, op in enumerate(waiter.ops):
        if op.num == waiter.blocked_on:
            return i
    return None


def msgrcv_type_text(msgtyp: int | None, msgflg: int | None) -> str:
    """msgrcv's type selector as msgrcv(2) defines it, MSG_EXCEPT included."""
    if msgtyp is None:
        return "type unknown"
    if msgtyp == 0:
        return "any type"
    if msgtyp < 0:
        return f"type <= {msgrcv_bound(msgtyp)}"
    if msgflg is not None and msgflg & MSG_EXCEPT:
        return f"any type except {msgtyp}"
    return f"type {msgtyp}"


def wants_text(waiter: Waiter) -> str:
    """The call and what it waits for. A semop's operations are listed by the caller, one per line
    (see sem_op_text), so only the call is named here."""
    if waiter.op == "semop":
        if waiter.ops is None:
            return "semop: operations not readable (its memory needs root or its owner)"
        if len(waiter.ops) == 1:
            return "semop:"
        return f"semop of {len(waiter.ops)} operations, all or none:"
    if waiter.op == "msgrcv":
        return f"msgrcv: waiting for a message of {msgrcv_type_text(waiter.msgtyp, waiter.msgflg)}"
    if waiter.op == "msgsnd":
        size = "" if waiter.size is None else f", {waiter.size} bytes"
        kind = "" if waiter.msgtyp is None else f" type {waiter.msgtyp}"
        return f"msgsnd: sending{kind}{size}; the queue is full"
    if waiter.op == "mq_receive":
        return "mq_receive: waiting for a message"
    if waiter.op == "mq_send":
        size = "" if waiter.size is None else f" {waiter.size} bytes"
        return f"mq_send: sending{size}; the queue is full"
    if waiter.op == "futex":
        return "futex wait: sem_wait or a process-shared lock"
    return waiter.op


#: why a stopped task is shown apart: it sits in the call but the kernel does not queue it
STOPPED_NOTE = "stopped (SIGSTOP or a debugger): not queued, so NCNT/ZCNT do not count it"


def since_text(waiter: Waiter, now: float) -> str:
    """"blocked for 4m 12s" ("stopped for ..." when stopped); "" when unknown."""
    if waiter.since is None:
        return ""
    verb = "stopped" if waiter.state == "stopped" else "blocked"
    return f"{verb} for {duration(now - waiter.since)}"
