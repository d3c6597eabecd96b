"""A Snapshot as the JSON documents of `ipcscope list --json` and `ipcscope limits --json`.

These documents are an interface (README, "JSON output"): keys are stable, numbers are JSON numbers,
keys are "0x%08x" strings as `ipcs` prints them, perms four octal digits ("0640"), times ISO 8601
in UTC with "+00:00" or null, and a value this user may not read is null, never a guess.

One function per kind turns one object into its JSON object: that is the one place to add a field
(for example "attached" or "waiters" from Snapshot.processes) for both `list --json` and any other
consumer. No Textual here: `ipcscope list` must start fast.
"""

from __future__ import annotations

import json
import time
from collections.abc import Iterable
from typing import Any

from ipcscope import visibility
from ipcscope.format import iso_time
from ipcscope.model import (
    KINDS,
    SHM_DEST,
    SHM_LOCKED,
    IpcNamespace,
    Limits,
    MsgQueue,
    PosixQueue,
    PosixSemaphore,
    PosixShm,
    ProcessRef,
    ProcessScan,
    Semaphore,
    SemSet,
    ShmSegment,
    Snapshot,
    Waiter,
    format_perms,
)

#: Bumped only for incompatible changes; new keys may be added within a version.
VERSION = 1

# The per-object functions below format keys, perms and times inline ("0x%08x" is
# model.format_key of an already unsigned key, "%04o" format_perms) and cache times: at 10,000
# objects each saved function call is a millisecond, and `list --json` competes with lsipc.
_ISO_CACHE: dict[int, str] = {}


def _iso(epoch: int | None) -> str | None:
    """ISO 8601 in UTC with "+00:00" (as ipcscope.format.iso_time), None for "never"."""
    if epoch is None:
        return None
    text = _ISO_CACHE.get(epoch)
    if text is None:
        if len(_ISO_CACHE) > 65536:
            _ISO_CACHE.clear()
        text = _ISO_CACHE[epoch] = time.strftime("%Y-%m-%dT%H:%M:%S+00:00", time.gmtime(epoch))
    return text


# --------------------------------------------------------------------------- System V


def shm_json(seg: ShmSegment) -> dict[str, Any]:
    mode = seg.mode
    status = []
    if mode & SHM_DEST:
        status.append("dest")
    if mode & SHM_LOCKED:
        status.append("locked")
    return {
        "key": "0x%08x" % seg.key, "id": seg.id, "perms": "%04o" % (mode & 0o777),
        "owner": seg.owner, "uid": seg.uid, "gid": seg.gid, "cuid": seg.cuid, "cgid": seg.cgid,
        "size": seg.size, "nattch": seg.nattch, "status": status,
        "cpid": seg.cpid, "lpid": seg.lpid,
        "atime": _iso(seg.atime), "dtime": _iso(seg.dtime), "ctime": _iso(seg.ctime),
        "rss": seg.rss, "swap": seg.swap,
    }


def msg_json(queue: MsgQueue) -> dict[str, Any]:
    return {
        "key": "0x%08x" % queue.key, "id": queue.id, "perms": "%04o" % (queue.mode & 0o777),
        "owner": queue.owner, "uid": queue.uid, "gid": queue.gid,
        "cuid": queue.cuid, "cgid": queue.cgid,
        "cbytes": queue.cbytes, "qnum": queue.qnum, "qbytes": queue.qbytes,
        "lspid": queue.lspid, "lrpid": queue.lrpid,
        "stime": _iso(queue.stime), "rtime": _iso(queue.rtime), "ctime": _iso(queue.ctime),
    }


def semaphore_json(sem: Semaphore) -> dict[str, Any]:
    return {"num": sem.num, "value": sem.value, "ncnt": sem.ncnt, "zcnt": sem.zcnt, "pid": sem.pid}


def sem_json(semset: SemSet) -> dict[str, Any]:
    semaphores = semset.semaphores
    return {
        "key": "0x%08x" % semset.key, "id": semset.id, "perms": "%04o" % (semset.mode & 0o777),
        "owner": semset.owner, "uid": semset.uid, "gid": semset.gid,
        "cuid": semset.cuid, "cgid": semset.cgid,
        "nsems": semset.nsems, "otime": _iso(semset.otime), "ctime": _iso(semset.ctime),
        "semaphores": None if semaphores is None else [semaphore_json(s) for s in semaphores],
    }


# --------------------------------------------------------------------------- POSIX


def pmq_json(queue: PosixQueue) -> dict[str, Any]:
    return {
        "name": queue.name, "perms": format_perms(queue.mode), "owner": queue.owner,
        "uid": queue.uid, "gid": queue.gid,
        "qsize": queue.qsize, "curmsgs": queue.curmsgs, "maxmsg": queue.maxmsg,
        "msgsize": queue.msgsize, "notify_pid": queue.notify_pid,
    }


def pshm_json(shm: PosixShm) -> dict[str, Any]:
    return {
        "name": shm.name, "perms": format_perms(shm.mode), "owner": shm.owner,
        "uid": shm.uid, "gid": shm.gid, "size": shm.size,
    }


def psem_json(sem: PosixSemaphore) -> dict[str, Any]:
    return {
        "name": sem.name, "perms": format_perms(sem.mode), "owner": sem.owner,
        "uid": sem.uid, "gid": sem.gid, "value": sem.value,
    }


#: kind -> (group in the document, key in the group, serialiser of one object)
KIND_JSON = {
    "shm": ("sysv", "shm", shm_json),
    "msg": ("sysv", "msg", msg_json),
    "sem": ("sysv", "sem", sem_json),
    "pmq": ("posix", "mq", pmq_json),
    "pshm": ("posix", "shm", pshm_json),
    "psem": ("posix", "sem", psem_json),
}


# --------------------------------------------------------------------------- documents


def limits_json(limits: Limits) -> dict[str, dict[str, Any]]:
    """{"SHMMAX": {"description", "limit", "used", "unit"}, ...} in lsipc's row order.

    limit/used are integers or null (unknown, or "used" not applicable); unit is "", "bytes" or
    "pages".
    """
    return {
        row.resource: {
            "description": row.description, "limit": row.limit, "used": row.used,
            "unit": row.unit,
        }
        for row in limits.rows
    }


def list_document(snapshot: Snapshot, kinds: Iterable[str] | None = None) -> dict[str, Any]:
    """The `ipcscope list --json` document. With `kinds`, only those kinds' lists appear."""
    wanted = set(kinds) if kinds is not None else set(KINDS)
    groups: dict[str, dict[str, list]] = {"sysv": {}, "posix": {}}
    for kind in KINDS:
        if kind in wanted:
            group, key, _ = KIND_JSON[kind]
            groups[group][key] = objects_json(snapshot, kind)
    document = {
        "version": VERSION,
        "sysv": groups["sysv"],
        "posix": groups["posix"],
        "limits": limits_json(snapshot.limits),
        "warnings": list(snapshot.warnings),
        "process_scan": scan_summary(snapshot.processes),
    }
    if snapshot.namespaces:
        document["namespaces"] = [namespace_json(ns) for ns in snapshot.namespaces]
    return document


def namespace_json(ns: IpcNamespace) -> dict[str, Any]:
    """One IPC namespace a document covers: {"inode", "name", "pid", "nprocs", "host", "own",
    "user", "command", "unreachable"} (unreachable: why it could not be read, or null)."""
    return {"inode": ns.inode, "name": ns.name, "pid": ns.pid, "nprocs": ns.nprocs,
            "host": ns.host, "own": ns.own, "user": ns.user or None, "command": ns.command,
            "unreachable": ns.unreachable or None}


def objects_json(snapshot: Snapshot, kind: str) -> list[dict[str, Any]]:
    """The JSON objects of one kind. Fields every object of a kind gains from elsewhere in the
    snapshot (who has it attached, who waits, from snapshot.processes) belong here, after
    the kind's own serialiser."""
    to_json = KIND_JSON[kind][2]
    scan = snapshot.processes
    # obj.ref.row_key, without building an ObjectRef per object (that took 2 ms per 3,000 objects)
    ident = "id" if kind in ("shm", "msg", "sem") else "name"
    documents = []
    for obj in snapshot.objects(kind):  # type: ignore[arg-type]
        fields = to_json(obj)
        ns = obj.ns
        row_key = f"{kind}:{getattr(obj, ident)}"
        if ns is not None:  # an object of another namespace: ids repeat, so it says which
            fields["ns"] = ns
            row_key = f"{row_key}@{ns}"
        fields.update(process_fields(kind, row_key, scan))
        if kind == "sem":
            fields["waiters_hidden"] = visibility.hidden_waiters(obj, scan, row_key)  # type: ignore[arg-type]
        elif kind == "shm":
            fields["nattch_hidden"] = visibility.hidden_attachments(obj, scan, row_key)  # type: ignore[arg-type]
        documents.append(fields)
    return documents


def limits_document(limits: Limits, warnings: Iterable[str] = ()) -> dict[str, Any]:
    """The `ipcscope limits --json` document: {"version", "limits", "warnings"}."""
    return {"version": VERSION, "limits": limits_json(limits), "warnings": list(warnings)}


def dumps(document: dict[str, Any], pretty: bool = False) -> str:
    """JSON text. Compact by default: json's C encoder only runs without indentation, and that
    is most of the cost at 10,000 objects; `pretty` indents for people reading a terminal."""
    # check_circular=False: the document is freshly built trees of dicts and lists (30% faster).
    if pretty:
        return json.dumps(document, indent=2, check_circular=False)
    return json.dumps(document, separators=(",", ":"), check_circular=False)


# --------------------------------------------------------------------------- process fields

# Unless --no-processes, every object gains who has it and who waits on it, so a consumer can tell
# "nobody" ([]) from "not looked" (null) and from "could not look" (process_scan's denied, notes):
#     shm  "attached": [{"pid", "comm"}]
#     sem  "waiters": [{"pid", "tid", "comm", "state", "ops": [{"num", "op", "flags"}] | null,
#                       "blocked_on", "since"}],
#          "waiters_hidden": tasks the kernel counts (ncnt + zcnt) that the scan could not name
#     shm  "nattch_hidden": attachments (nattch) found in no scanned process's maps
#     msg  "waiters": [{"pid", "tid", "comm", "state", "op", "msgtyp", "msgflg", "size", "since"}]
#     pmq/pshm/psem "openers": [{"pid", "comm"}], "waiters": [{"pid", "tid", "comm", "state", "op",
#                   "size", "since"}]


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
