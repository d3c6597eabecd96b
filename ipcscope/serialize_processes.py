"""The process-scan part of `ipcscope list --json`: who has each object attached/open, who waits.

Hook (for ipcscope/serialize.py, which lives on the probe branch): after serialising one object,

    fields.update(process_fields(obj.kind, obj.ref.row_key, snapshot.processes))

and add `"process_scan": scan_summary(snapshot.processes)` at the top level, so a consumer can tell
"nobody" ([]) from "not looked" (null: `--no-processes`) and from "could not look" (denied count
and notes). Keys per kind (issue 5 item 4):

    shm       "attached": [{"pid", "comm"}]
    sem       "waiters":  [{"pid", "tid", "comm", "state", "ops": [{"num", "op", "flags"}] | null,
                            "blocked_on", "since"}]
    msg       "waiters":  [{"pid", "tid", "comm", "state", "op": "msgrcv" | "msgsnd", "msgtyp",
                            "msgflg", "size", "since"}]
    pmq/pshm/psem  "openers": [{"pid", "comm"}], "waiters": [{"pid", "tid", "comm", "state", "op",
                            "size", "since"}]

`since` is ISO 8601 UTC (when ipcscope first saw the task waiting like this); `state` is "waiting"
or "stopped" (SIGSTOP'ed: the kernel no longer queues it).
"""

from __future__ import annotations

from typing import Any

from ipcscope.format import iso_time
from ipcscope.model import ProcessRef, ProcessScan, Waiter


def process_fields(kind: str, row_key: str, scan: ProcessScan | None) -> dict[str, Any]:
    """The keys this kind of object gains from a process scan; values None when there was none."""
    holders = None if scan is None else [_process(p) for p in scan.holders_of(row_key)]
    waiters = None if scan is None else scan.waiters_of(row_key)
    if kind == "shm":
        return {"attached": holders}
    if kind == "sem":
        return {"waiters": None if waiters is None else [_sem_waiter(w) for w in waiters]}
    if kind == "msg":
        return {"waiters": None if waiters is None else [_msg_waiter(w) for w in waiters]}
    if kind in ("pmq", "pshm", "psem"):
        return {"openers": holders,
                "waiters": None if waiters is None else [_posix_waiter(w) for w in waiters]}
    raise ValueError(f"unknown kind {kind!r}")


def scan_summary(scan: ProcessScan | None) -> dict[str, Any] | None:
    """How the scan went: when, how many processes, how many could not be inspected, and why."""
    if scan is None:
        return None
    return {
        "taken_at": iso_time(scan.taken_at),
        "scanned": scan.scanned,
        "denied": scan.denied,
        "listing_incomplete": scan.listing_incomplete,
        "notes": list(scan.notes),
    }


def _process(ref: ProcessRef) -> dict[str, Any]:
    return {"pid": ref.pid, "comm": ref.comm}


def _task(waiter: Waiter) -> dict[str, Any]:
    return {"pid": waiter.pid, "tid": waiter.tid, "comm": waiter.comm, "state": waiter.state}


def _sem_waiter(waiter: Waiter) -> dict[str, Any]:
    ops = None if waiter.ops is None else [
        {"num": spec.num, "op": spec.op, "flags": spec.flags} for spec in waiter.ops]
    return {**_task(waiter), "ops": ops, "blocked_on": waiter.blocked_on,
            "since": iso_time(waiter.since)}


def _msg_waiter(waiter: Waiter) -> dict[str, Any]:
    return {**_task(waiter), "op": waiter.op, "msgtyp": waiter.msgtyp, "msgflg": waiter.msgflg,
            "size": waiter.size, "since": iso_time(waiter.since)}


def _posix_waiter(waiter: Waiter) -> dict[str, Any]:
    return {**_task(waiter), "op": waiter.op, "size": waiter.size, "since": iso_time(waiter.since)}
