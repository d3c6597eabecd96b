"""Holders and Waiters sections: the processes behind an object, from the process scan.

The scan runs on its own cadence and may be missing (not run yet) or partial (other users'
processes need root); both are said, never hidden, because "nobody waits" must not be a guess.
"""

from __future__ import annotations

from collections.abc import Sequence

from rich.console import Group, RenderableType
from rich.padding import Padding
from rich.table import Table
from rich.text import Text

from ipcscope import visibility
from ipcscope.model import IpcObject, ProcessRef, SemSet, ShmSegment, Waiter
from ipcscope.ui.render.waits import (
    STOPPED_NOTE,
    blocking_index,
    msgrcv_matches,
    sem_op_text,
    since_text,
    wants_text,
)
from ipcscope.ui.widgets.detail_common import Context, heading, process_text

HOLDER_TITLES = {"shm": "Attached processes", "pmq": "Open by", "pshm": "Mapped or open by",
                 "psem": "Mapped by"}
#: kinds where a task can block in the kernel; shm only gets a section when the scan found one
WAITABLE = {"sem", "msg", "pmq", "psem"}
NOT_SCANNED = "Process scan not available yet"


def holders(obj: IpcObject, ctx: Context) -> RenderableType | None:
    """Who has the object attached/open/mapped; None for kinds nobody "holds" (msg, sem)."""
    title = HOLDER_TITLES.get(obj.kind)
    if title is None:
        return None
    scan = ctx.snapshot.processes
    if scan is None:
        return heading(title, ctx).append(f": {NOT_SCANNED}", style=ctx.muted)
    refs = scan.holders_of(obj.ref)
    hidden = visibility.hidden_attachments(obj, scan) if isinstance(obj, ShmSegment) else 0
    unseen = None if not hidden else Text(visibility.unseen_sentence(
        hidden, "attachment", "attachments", scan, is_root=ctx.snapshot.environment.is_root),
        style=ctx.style("text-warning"))
    if not refs:
        none = heading(title, ctx).append(": none found", style=ctx.muted)
        return none if unseen is None else Group(none, unseen)
    table = Table(box=None, padding=(0, 1), show_edge=False, header_style=ctx.muted)
    table.add_column("PID", justify="right", no_wrap=True)
    table.add_column("COMMAND", overflow="fold")
    table.add_column("USER", overflow="fold")
    for ref in refs:
        table.add_row(str(ref.pid), ref.comm or "?", ref.user or ("" if ref.uid is None else str(ref.uid)))
    return Group(heading(title, ctx, len(refs)), table, *([unseen] if unseen is not None else []))


def waiters(obj: IpcObject, ctx: Context,
            queued_types: Sequence[int] | None = None) -> RenderableType | None:
    """Tasks blocked on the object: who, in what state, wanting what, for how long.

    `queued_types` (a SysV queue's messages, when known) lets a receiver's entry say that nothing
    queued matches what it asks for: the classic stuck msgrcv."""
    scan = ctx.snapshot.processes
    found = scan.waiters_of(obj.ref) if scan is not None else ()
    if obj.kind not in WAITABLE and not found:
        return None
    if scan is None:
        return heading("Waiters", ctx).append(f": {NOT_SCANNED}", style=ctx.muted)
    hidden, unseen = unseen_waiters(obj, ctx)
    if not found and not hidden:
        none = heading("Waiters", ctx).append(": none" if unseen is None else ": none found", style=ctx.muted)
        return none if unseen is None else Group(none, unseen)
    entries = [waiter_entry(w, ctx, queued_types) for w in found]
    return Group(heading("Waiters", ctx, len(found) + hidden), *entries,
                 *([unseen] if unseen is not None else []))


def unseen_waiters(obj: IpcObject, ctx: Context) -> tuple[int, Text | None]:
    """A set's waiters the kernel counts but the scan could not name, and what to say about them
    (also when the set is unreadable, so its count is hidden too, while processes were refused)."""
    scan = ctx.snapshot.processes
    if not isinstance(obj, SemSet) or scan is None:
        return 0, None
    hidden = visibility.hidden_waiters(obj, scan)
    if hidden:
        sentence = visibility.unseen_sentence(hidden, "task waits", "tasks wait", scan,
                                              is_root=ctx.snapshot.environment.is_root)
        return hidden, Text(sentence, style=ctx.style("text-warning"))
    if hidden is None and visibility.scan_incomplete(scan):
        return 0, Text("the set is not readable, so the kernel's count of its waiters is hidden "
                       "too: waiters among the processes that could not be inspected are not shown",
                       style=ctx.muted)
    return 0, None


def waiter_entry(w: Waiter, ctx: Context, queued_types: Sequence[int] | None = None) -> Group:
    """"4418 worker (root) thread 4420 · waiting · blocked for 2m 10s", then, indented (wrapped
    lines too), what it wants."""
    head = process_text(ProcessRef(w.pid, w.comm, w.uid, w.user), ctx)
    if w.tid != w.pid:
        head.append(f" thread {w.tid}", style=ctx.muted)
    stopped = w.state == "stopped"
    head.append(" · ")
    head.append(w.state.upper() if stopped else w.state,
                style=ctx.style("text-warning", bold=True) if stopped else ctx.muted)
    since = since_text(w, ctx.now)
    if since:
        head.append(f" · {since}")
    body = Text()
    if stopped:
        body.append(f"{STOPPED_NOTE}\n", style=ctx.style("text-warning"))
    body.append(wants_text(w), style=ctx.muted)
    if w.op == "msgrcv" and w.msgtyp is not None and queued_types:
        if not any(msgrcv_matches(w.msgtyp, w.msgflg, t) for t in queued_types):
            shown = ", ".join(map(str, sorted(set(queued_types))[:8]))
            body.append(f"\nno queued message matches (queued types: {shown})",
                        style=ctx.style("text-error", bold=True))
    blocking = blocking_index(w)
    ops = w.ops or ()
    for i, op in enumerate(ops):
        body.append(" " if len(ops) == 1 else "\n  ")
        body.append(sem_op_text(op))
        if i == blocking:
            body.append("  ◀ blocks", style=ctx.style("text-error", bold=True))
    return Group(head, Padding(body, (0, 0, 0, 2)))


def scan_note(ctx: Context) -> Text | None:
    """How complete the scan is: processes not inspected, and the scan's own notes."""
    scan = ctx.snapshot.processes
    if scan is None or not (scan.denied or scan.notes):
        return None
    lines = list(scan.notes)
    if scan.denied and not scan.notes:
        lines.insert(0, f"{scan.denied} process(es) could not be inspected: holders and waiters "
                        "may be missing.")
    return Text("\n".join(lines), style=ctx.style("text-warning"))
