"""Detail sections for System V objects: ipc_perm, and the state of a segment, queue or set.

The wording follows the kernel: nattch counts attachments (not processes), "dest" means IPC_RMID
while attached, qbytes is msg_qbytes, ncnt/zcnt are GETNCNT/GETZCNT.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Protocol

from rich.console import Group, RenderableType
from rich.table import Table
from rich.text import Text

from ipcscope import visibility
from ipcscope.format import human_size, mode_string, percent
from ipcscope.model import MsgQueue, SemSet, ShmSegment, SysvObject, format_key, format_perms
from ipcscope.ui.render.gauge import bar
from ipcscope.ui.widgets.detail_common import (
    Context,
    facts,
    heading,
    ids,
    sized,
    sparkline,
    trend,
    unreadable,
)

#: rows shown in the semaphore and message tables; huge sets/queues end with "… N more"
MAX_ROWS = 200
TEXT_BYTES = 32
HEX_BYTES = 16


class PeekedMessage(Protocol):
    """What `core.msg.peek` returns: the message type and its bytes."""

    mtype: int
    data: bytes


def sysv_perm(obj: SysvObject, ctx: Context, original_key: int | None = None) -> Group:
    """struct ipc_perm in full, plus the times every kind has."""
    key = Text(format_key(obj.key))
    if obj.key == 0 and original_key is not None:
        key.append(f" (IPC_RMID reset it; was {format_key(original_key)})", style=ctx.muted)
    elif obj.key == 0 and not (isinstance(obj, ShmSegment) and obj.dest):
        key.append(" (IPC_PRIVATE)", style=ctx.muted)
    mode = Text(f"{format_perms(obj.mode)} {mode_string(obj.mode)}")
    if obj.mode & ~0o777:
        mode.append(f" (kernel mode 0{obj.mode:o})", style=ctx.muted)
    rows: list[tuple[str, RenderableType | str]] = [
        ("key", key),
        ("id", str(obj.id)),
        ("mode", mode),
        ("owner", f"{ids('uid', obj.uid, obj.owner)} · {ids('gid', obj.gid, obj.group)}"),
        ("creator", f"{ids('cuid', obj.cuid, obj.cowner)} · {ids('cgid', obj.cgid, obj.cgroup)}"),
    ]
    if isinstance(obj, ShmSegment):
        rows += [("attached", ctx.when(obj.atime)), ("detached", ctx.when(obj.dtime))]
    rows.append(("changed", ctx.when(obj.ctime, "not set")))
    return Group(heading("Permissions and times", ctx), facts(rows, ctx))


def shm_state(shm: ShmSegment, ctx: Context) -> Table:
    scan = ctx.snapshot.processes
    original = scan.original_key(shm) if scan else None
    status: list[Text] = []
    if shm.dest:
        text = Text("marked for destruction; freed at the last detach", style=ctx.style("text-warning"))
        if original is not None:
            text.append(f" (original key {format_key(original)})", style=ctx.muted)
        status.append(text)
    if shm.locked:
        status.append(Text("locked in memory (SHM_LOCK: never swapped out)"))
    if not status:
        status.append(Text("normal" if shm.nattch else "not attached", style=ctx.muted))
    attached = Text(f"{shm.nattch} (kernel nattch)")
    if scan is None:
        attached.append(" · processes: scan not available yet", style=ctx.muted)
    else:
        procs = len(scan.holders_of(shm.ref))
        attached.append(f" · {procs} process{'es' if procs != 1 else ''} (from maps)")
        hidden = visibility.hidden_attachments(shm, scan)
        if hidden:
            attached.append(f" · {hidden} {visibility.unseen_to(scan, ctx.snapshot.environment.is_root)}",
                            style=ctx.style("text-warning"))
        elif procs != shm.nattch:
            attached.append("; nattch counts attachments (forks, repeated shmat, split mappings)",
                            style=ctx.muted)
    return facts([
        ("size", sized(shm.size)),
        ("status", Group(*status)),
        ("attached", attached),
        ("memory", f"{human_size(shm.rss)} resident · {human_size(shm.swap)} swapped"),
        ("creator", ctx.process(shm.cpid, none="0 (outside this PID namespace)")),
        ("last user", ctx.process(shm.lpid, none="none yet (never attached)")),
        ("nattch", trend(ctx.history.series(shm.ref.row_key, "nattch"), ctx)),
    ], ctx)


def msg_state(q: MsgQueue, ctx: Context) -> Table:
    if q.qbytes:
        used = Text.assemble(bar(q.fill, 10 if ctx.narrow else 16, ctx.colors), " ",
                             f"{q.cbytes} / {q.qbytes} bytes ({percent(q.fill)})")
    else:
        used = Text(f"{q.cbytes} bytes; ")
        used.append("limit unknown (msg_qbytes needs read permission)", style=ctx.muted)
    return facts([
        ("used", used),
        ("qbytes", "unknown" if q.qbytes is None else f"{q.qbytes} bytes (msg_qbytes: the queue's limit)"),
        ("messages", str(q.qnum)),
        ("last send", last_operation(q.lspid, q.stime, ctx)),
        ("last receive", last_operation(q.lrpid, q.rtime, ctx)),
        ("depth", trend(ctx.history.series(q.ref.row_key, "qnum"), ctx)),
    ], ctx)


def last_operation(pid: int, epoch: int | None, ctx: Context) -> RenderableType:
    """Who did it and when, or just "never"."""
    if pid == 0 and epoch is None:
        return Text("never", style=ctx.muted)
    return Group(ctx.process(pid), Text(ctx.when(epoch), style=ctx.muted))


def first_bytes(data: bytes) -> str:
    """Mostly-printable bytes as quoted text (others as "·"), anything else as hex: enough to
    recognise a message. Trailing NUL padding, common in C structs, does not force hex."""
    head = data[:TEXT_BYTES].rstrip(b"\0")
    printable = sum(32 <= b < 127 or b in (9, 10, 13) for b in head)
    if head and printable >= 0.75 * len(head):
        text = "".join(chr(b) if 32 <= b < 127 else "·" for b in head)
        return f'"{text}"' + ("…" if len(data) > len(head) else "")
    return data[:HEX_BYTES].hex(" ") + ("…" if len(data) > HEX_BYTES else "")


def messages(q: MsgQueue, peeked: Sequence[PeekedMessage], ctx: Context,
             removed: bool = False) -> RenderableType:
    """The queue's messages, peeked with MSG_COPY (not consumed), oldest first.

    Fixed-width lines cropped at the pane's edge rather than a Rich table: a table would squeeze
    the small columns away to make room for the bytes."""
    title = heading("Queued messages", ctx, q.qnum)
    if q.qnum == 0:
        return Group(title, Text("empty", style=ctx.muted))
    if not peeked:
        why = Text("contents unknown: the queue was removed before they were read" if removed else
                   "contents not readable: peeking (MSG_COPY) needs read permission on the queue "
                   "and a kernel with CONFIG_CHECKPOINT_RESTORE", style=ctx.muted)
        if not q.queued_types:
            return Group(title, why)
        types = Text("types in queue order: " + " ".join(map(str, q.queued_types[:MAX_ROWS])))
        return Group(title, types, why)
    lines = Text(no_wrap=True, overflow="ellipsis")
    lines.append(f"{'#':>3} {'TYPE':>6} {'SIZE':>6}  FIRST BYTES", style=ctx.muted)
    for i, m in enumerate(peeked[:MAX_ROWS]):
        lines.append(f"\n{i:>3} {m.mtype:>6} {len(m.data):>6}  {first_bytes(m.data)}")
    parts: list[RenderableType] = [title, Text("peeked with MSG_COPY: nothing consumed", style=ctx.muted),
                                   lines]
    shown = min(len(peeked), MAX_ROWS)
    if q.qnum > shown:
        parts.append(Text(f"… {q.qnum - shown} more not shown", style=ctx.muted))
    return Group(*parts)


def sem_state(s: SemSet, ctx: Context) -> Table:
    return facts([
        ("semaphores", str(s.nsems)),
        ("last semop", ctx.when(s.otime) if s.otime else "never (no semop has completed yet)"),
    ], ctx)


def semaphores(s: SemSet, ctx: Context) -> RenderableType:
    """One row per semaphore (GETALL/GETNCNT/GETZCNT/GETPID) with its recent values."""
    title = heading("Semaphores", ctx, s.nsems)
    if s.semaphores is None:
        return Group(title, Text(unreadable("values hidden: this set", ctx), style=ctx.style("text-warning")))
    table = Table(box=None, padding=(0, 1), show_edge=False, header_style=ctx.muted)
    for name in ("NUM", "VALUE", "NCNT", "ZCNT"):
        table.add_column(name, justify="right", no_wrap=True)
    table.add_column("RECENT", no_wrap=True)
    table.add_column("LAST PID")  # last: it is the one column that may wrap
    busy = ctx.style("text-warning", bold=True)
    key = s.ref.row_key
    spark_width = 6 if ctx.narrow else 12
    for sem in s.semaphores[:MAX_ROWS]:
        table.add_row(str(sem.num), str(sem.value),
                      Text(str(sem.ncnt), style=busy if sem.ncnt else ""),
                      Text(str(sem.zcnt), style=busy if sem.zcnt else ""),
                      sparkline(ctx.history.series(key, f"sem{sem.num}"), ctx, width=spark_width),
                      ctx.process(sem.pid, none="none yet"))
    parts: list[RenderableType] = [title, table]
    if len(s.semaphores) > MAX_ROWS:
        parts.append(Text(f"… {len(s.semaphores) - MAX_ROWS} more not shown", style=ctx.muted))
    parts.append(Text("NCNT/ZCNT count a waiter only on the operation that blocks it (since Linux 3.16)",
                      style=ctx.muted))
    return Group(*parts)
