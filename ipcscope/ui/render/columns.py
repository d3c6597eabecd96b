"""The table columns of each kind: label, width, and how to turn a model object into a cell.

Labels are lsipc's (KEY, ID, PERMS, OWNER, SIZE, NATTCH, USEDBYTES, MSGS, ...) so `ipcs`/`lsipc`
users recognise them, plus ATTACHED and WAITERS from the process scan where the kernel allows them
(nobody "waits" on shared memory; nobody holds a SysV queue or semaphore set open). A cell carries
its display text, the raw value it sorts by (sizes show "1M" but sort as 1048576), and a *tone*
("ok", "warn", "bad", "muted", "locked"): a meaning, not a colour, so that the table maps tones to
theme styles and this module stays pure and easy to test.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, NamedTuple

from ipcscope import visibility
from ipcscope.format import human_size, percent, short_time
from ipcscope.model import (
    IpcObject,
    Kind,
    MsgQueue,
    PosixQueue,
    PosixSemaphore,
    PosixShm,
    ProcessScan,
    SemSet,
    ShmSegment,
    format_perms,
)

#: Thresholds of use% (queue fullness, limits): below OK_BELOW is fine, from WARN_FROM a warning,
#: from BAD_FROM an error. Between OK_BELOW and WARN_FROM the cell is left uncoloured on purpose.
OK_BELOW = 0.50
WARN_FROM = 0.70
BAD_FROM = 0.90


class Cell(NamedTuple):
    """A NamedTuple, not a dataclass: a table keeps one per cell (55,000 at 5,000 rows), and
    tuples of plain values are cheap to create, compare and for the garbage collector to skip."""

    text: str
    #: comparable with the other non-None sort values of its column; None (unknown) sorts last
    sort: Any
    tone: str | None = None


@dataclass(frozen=True)
class RowContext:
    """What a row needs besides its object: counts from the process scan (None: no scan) and now.

    A count is *partial* when the kernel proves more than the scan named (a readable set's
    ncnt/zcnt, a segment's nattch) or cannot say (an unreadable set while processes were refused):
    the cell then ends in "?"."""

    attached: int | None
    waiters: int | None
    now: float
    attached_partial: bool = False
    waiters_partial: bool = False
    #: the name of the object's IPC namespace, in the All namespaces view
    namespace: str | None = None


def scan_counts(kind: Kind, key: str, obj: IpcObject,
                scan: ProcessScan | None) -> tuple[int | None, int | None, bool, bool]:
    """(attached, waiters, attached partial, waiters partial) of one row; None: not applicable.

    A semaphore set's waiters are the tasks named plus those the kernel counts that the scan
    could not name; a segment's attached processes are partial when nattch has attachments in no
    scanned process's maps."""
    if scan is None:
        return (None, None, False, False)
    attached = len(scan.holders_of(key)) if kind in HAS_HOLDERS else None
    waiters = len(scan.waiters_of(key)) if kind in HAS_WAITERS else None
    attached_partial = waiters_partial = False
    if isinstance(obj, ShmSegment):
        attached_partial = bool(visibility.hidden_attachments(obj, scan, key))
    elif isinstance(obj, SemSet) and waiters is not None:
        hidden = visibility.hidden_waiters(obj, scan, key)
        if hidden is None:  # values unreadable: more may wait, if anyone could not be inspected
            waiters_partial = visibility.scan_incomplete(scan)
        else:
            waiters += hidden
            waiters_partial = hidden > 0
    return (attached, waiters, attached_partial, waiters_partial)


@dataclass(frozen=True)
class Column:
    key: str
    label: str
    #: fixed width in cells, or None to fit the content
    width: int | None
    cell: Callable[[Any, RowContext], Cell]
    #: numbers are right-aligned and sort descending when first clicked (biggest first)
    numeric: bool = False


def use_tone(fraction: float | None) -> str | None:
    """Green below 50%, yellow from 70%, red from 90% (glances' thresholds); None when unknown."""
    if fraction is None:
        return None
    if fraction >= BAD_FROM:
        return "bad"
    if fraction >= WARN_FROM:
        return "warn"
    if fraction < OK_BELOW:
        return "ok"
    return None


def _count(value: int | None, partial: bool = False) -> Cell:
    if value is None:
        return Cell("-", None)
    if partial:  # this many named, and more that the scan could not name (or may exist)
        return Cell(f"{value}?", value, None if value else "muted")
    return Cell(str(value), value)


def _pid(pid: int) -> Cell:
    return Cell(str(pid) if pid else "-", pid, None if pid else "muted")


def _time(epoch: int | None, now: float) -> Cell:
    return Cell(short_time(epoch, now), epoch, "muted" if epoch is None else None)


# --------------------------------------------------------------------------- shared cells


def key_cell(obj: Any, ctx: RowContext) -> Cell:
    return Cell(obj.key_text, obj.key, "muted" if obj.key == 0 else None)


def id_cell(obj: Any, ctx: RowContext) -> Cell:
    return Cell(str(obj.id), obj.id)


def name_cell(obj: Any, ctx: RowContext) -> Cell:
    return Cell(obj.name, obj.name)


def perms_cell(obj: Any, ctx: RowContext) -> Cell:
    return Cell(format_perms(obj.mode), obj.perms)


def owner_cell(obj: Any, ctx: RowContext) -> Cell:
    owner = obj.owner or str(obj.uid)
    return Cell(owner, owner)


def attached_cell(obj: Any, ctx: RowContext) -> Cell:
    return _count(ctx.attached, ctx.attached_partial)


def waiters_cell(obj: Any, ctx: RowContext) -> Cell:
    cell = _count(ctx.waiters, ctx.waiters_partial)
    return Cell(cell.text, cell.sort, "warn" if ctx.waiters else cell.tone)


def mtime_cell(obj: Any, ctx: RowContext) -> Cell:
    return _time(obj.mtime, ctx.now)


def ns_cell(obj: Any, ctx: RowContext) -> Cell:
    name = ctx.namespace or str(obj.ns)
    return Cell(name, name)


#: Leads every table in the All namespaces view: whose object it is.
NS = Column("ns", "NS", None, ns_cell)
KEY = Column("key", "KEY", 10, key_cell)
ID = Column("id", "ID", None, id_cell, numeric=True)
NAME = Column("name", "NAME", None, name_cell)
PERMS = Column("perms", "PERMS", 5, perms_cell)
OWNER = Column("owner", "OWNER", None, owner_cell)
ATTACHED = Column("attached", "ATTACHED", None, attached_cell, numeric=True)
WAITERS = Column("waiters", "WAITERS", None, waiters_cell, numeric=True)
MTIME = Column("mtime", "MTIME", 5, mtime_cell)


# --------------------------------------------------------------------------- System V


def shm_size(seg: ShmSegment, ctx: RowContext) -> Cell:
    return Cell(human_size(seg.size), seg.size)


def shm_nattch(seg: ShmSegment, ctx: RowContext) -> Cell:
    return Cell(str(seg.nattch), seg.nattch, "muted" if seg.nattch == 0 else None)


def shm_status(seg: ShmSegment, ctx: RowContext) -> Cell:
    text = ",".join(seg.status)
    return Cell(text, text, "locked" if seg.locked else None)


def msg_usedbytes(queue: MsgQueue, ctx: RowContext) -> Cell:
    return Cell(human_size(queue.cbytes), queue.cbytes, use_tone(queue.fill))


def msg_use(queue: MsgQueue, ctx: RowContext) -> Cell:
    fill = queue.fill
    return Cell(percent(fill), fill, use_tone(fill))


def msg_msgs(queue: MsgQueue, ctx: RowContext) -> Cell:
    return Cell(str(queue.qnum), queue.qnum)


def sem_nsems(sems: SemSet, ctx: RowContext) -> Cell:
    return Cell(str(sems.nsems), sems.nsems)


def sem_values(sems: SemSet, ctx: RowContext) -> Cell:
    """The semaphore values at a glance; "?" when this user may not read the set."""
    if sems.semaphores is None:
        return Cell("?", None, "muted")
    values = tuple(s.value for s in sems.semaphores)
    text = " ".join(map(str, values))
    if len(text) > 18:
        text = text[:17] + "…"
    return Cell(text, values)


# --------------------------------------------------------------------------- POSIX


def pmq_msgs(queue: PosixQueue, ctx: RowContext) -> Cell:
    if queue.curmsgs is None:
        return Cell("?", None, "muted")
    fill = queue.curmsgs / queue.maxmsg if queue.maxmsg else None
    text = f"{queue.curmsgs}/{queue.maxmsg}" if queue.maxmsg else str(queue.curmsgs)
    return Cell(text, queue.curmsgs, use_tone(fill))


def pmq_msgsize(queue: PosixQueue, ctx: RowContext) -> Cell:
    return Cell(human_size(queue.msgsize), queue.msgsize)


def pmq_usedbytes(queue: PosixQueue, ctx: RowContext) -> Cell:
    return Cell(human_size(queue.qsize), queue.qsize)


def pmq_notify(queue: PosixQueue, ctx: RowContext) -> Cell:
    return _pid(queue.notify_pid)


def pshm_size(obj: PosixShm, ctx: RowContext) -> Cell:
    return Cell(human_size(obj.size), obj.size)


def psem_value(sem: PosixSemaphore, ctx: RowContext) -> Cell:
    if sem.value is None:
        return Cell("?", None, "muted")
    return Cell(str(sem.value), sem.value, "warn" if sem.value == 0 else None)


COLUMNS: dict[Kind, tuple[Column, ...]] = {
    "shm": (
        KEY, ID, PERMS, OWNER,
        Column("size", "SIZE", None, shm_size, numeric=True),
        Column("nattch", "NATTCH", None, shm_nattch, numeric=True),
        ATTACHED,
        Column("status", "STATUS", None, shm_status),
        Column("cpid", "CPID", None, lambda s, c: _pid(s.cpid), numeric=True),
        Column("lpid", "LPID", None, lambda s, c: _pid(s.lpid), numeric=True),
        Column("ctime", "CTIME", 5, lambda s, c: _time(s.ctime, c.now)),
    ),
    "msg": (
        KEY, ID, PERMS, OWNER,
        Column("usedbytes", "USEDBYTES", None, msg_usedbytes, numeric=True),
        Column("use", "USE%", None, msg_use, numeric=True),
        Column("msgs", "MSGS", None, msg_msgs, numeric=True),
        WAITERS,
        Column("lspid", "LSPID", None, lambda q, c: _pid(q.lspid), numeric=True),
        Column("lrpid", "LRPID", None, lambda q, c: _pid(q.lrpid), numeric=True),
        Column("send", "SEND", 5, lambda q, c: _time(q.stime, c.now)),
        Column("recv", "RECV", 5, lambda q, c: _time(q.rtime, c.now)),
    ),
    "sem": (
        KEY, ID, PERMS, OWNER,
        Column("nsems", "NSEMS", None, sem_nsems, numeric=True),
        Column("values", "VALUES", None, sem_values),
        WAITERS,
        Column("otime", "OTIME", 5, lambda s, c: _time(s.otime, c.now)),
        Column("ctime", "CTIME", 5, lambda s, c: _time(s.ctime, c.now)),
    ),
    "pmq": (
        NAME, PERMS, OWNER,
        Column("msgs", "MSGS", None, pmq_msgs, numeric=True),
        Column("msgsize", "MSGSIZE", None, pmq_msgsize, numeric=True),
        Column("usedbytes", "USEDBYTES", None, pmq_usedbytes, numeric=True),
        ATTACHED, WAITERS,
        Column("notify", "NOTIFY", None, pmq_notify, numeric=True),
        MTIME,
    ),
    "pshm": (
        NAME, PERMS, OWNER,
        Column("size", "SIZE", None, pshm_size, numeric=True),
        ATTACHED, MTIME,
    ),
    "psem": (
        NAME, PERMS, OWNER,
        Column("value", "VALUE", None, psem_value, numeric=True),
        ATTACHED, WAITERS, MTIME,
    ),
}

#: The column each kind is sorted by when the app starts (ipcs order: by id; POSIX: by name).
DEFAULT_SORT: dict[Kind, str] = {
    "shm": "id", "msg": "id", "sem": "id", "pmq": "name", "pshm": "name", "psem": "name",
}

#: Kinds whose objects the process scan can find holders of / waiters on.
HAS_HOLDERS = frozenset({"shm", "pmq", "pshm", "psem"})
HAS_WAITERS = frozenset({"msg", "sem", "pmq", "psem"})


def row_tone(obj: IpcObject) -> str | None:
    """A tone for the whole row: segments marked for destruction are dimmed."""
    if isinstance(obj, ShmSegment) and obj.dest:
        return "dest"
    return None


#: A filter of this form matches the objects a process holds or waits on (from the process scan).
PID_FILTER = re.compile(r"pid:\s*(\d+)")


def filter_pid(text: str) -> int | None:
    """The pid of a "pid:4417" filter, or None for an ordinary text filter."""
    match = PID_FILTER.fullmatch(text.strip().lower())
    return int(match.group(1)) if match else None


def pids_touching(scan: ProcessScan | None, row_key: str) -> set[int]:
    """The processes holding or waiting on the object `row_key`, as far as the scan saw."""
    if scan is None:
        return set()
    return {p.pid for p in scan.holders_of(row_key)} | {w.pid for w in scan.waiters_of(row_key)}


def filter_text(obj: IpcObject) -> str:
    """What `/` searches, lower-cased: key, id, name and owner."""
    if isinstance(obj, (ShmSegment, MsgQueue, SemSet)):
        return f"{obj.key_text} {obj.id} {obj.owner} {obj.uid}".lower()
    return f"{obj.name} {obj.owner} {obj.uid}".lower()
