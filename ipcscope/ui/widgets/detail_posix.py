"""Detail sections for POSIX objects: file identity, and the state of a queue, segment or semaphore.

POSIX objects are files (in the mqueue fs or /dev/shm), so their "ipc_perm" is a mode, an owner and
a (device, inode) pair; the rest is what mq_getattr, the queue's QSIZE line and sem_getvalue say.
"""

from __future__ import annotations

import os
import signal

from rich.console import Group, RenderableType
from rich.table import Table
from rich.text import Text

from ipcscope.format import mode_string, percent
from ipcscope.model import PosixObject, PosixQueue, PosixSemaphore, PosixShm, format_perms
from ipcscope.ui.render.gauge import bar
from ipcscope.ui.widgets.detail_common import Context, facts, heading, ids, sized, trend, unreadable

#: sigev_notify values as the queue's NOTIFY field shows them
NOTIFY_MEANING = {
    0: "SIGEV_SIGNAL: it gets {signal} when a message arrives on the empty queue",
    1: "SIGEV_NONE: registered, but nothing is sent",
    2: "SIGEV_THREAD: a thread of it runs when a message arrives on the empty queue",
}


def posix_perm(obj: PosixObject, ctx: Context) -> Group:
    rows: list[tuple[str, RenderableType | str]] = [
        ("name", obj.name),
        ("mode", f"{format_perms(obj.mode)} {mode_string(obj.mode)}"),
        ("owner", f"{ids('uid', obj.uid, obj.owner)} · {ids('gid', obj.gid, obj.group)}"),
        ("modified", ctx.when(obj.mtime)),
    ]
    if obj.inode is not None:
        device = "" if obj.dev is None else f" on device {os.major(obj.dev)}:{os.minor(obj.dev)}"
        rows.append(("file", f"inode {obj.inode}{device}"))
    return Group(heading("Permissions and times", ctx), facts(rows, ctx))


def signal_name(signo: int) -> str:
    try:
        return f"signal {signo} ({signal.Signals(signo).name})"
    except ValueError:
        return f"signal {signo}"


def pmq_state(q: PosixQueue, ctx: Context) -> Table:
    if q.curmsgs is None or not q.maxmsg:
        fill: RenderableType = Text("unknown (mq_getattr needs read permission on the queue)", style=ctx.muted)
    else:
        fraction = q.curmsgs / q.maxmsg
        fill = Text.assemble(bar(fraction, 10 if ctx.narrow else 16, ctx.colors), " ",
                             f"{q.curmsgs} / {q.maxmsg} ({percent(fraction)})")
    limits = "unknown" if q.maxmsg is None else f"{q.maxmsg} messages of at most {q.msgsize} bytes"
    return facts([
        ("messages", fill),
        ("capacity", limits),
        ("queued", f"{sized(q.qsize)} (QSIZE)"),
        ("notify", notify_text(q, ctx)),
        ("depth", trend(ctx.history.series(q.ref.row_key, "curmsgs"), ctx)),
    ], ctx)


def notify_text(q: PosixQueue, ctx: Context) -> Text:
    """NOTIFY_PID, NOTIFY and SIGNO of the queue file, said in words."""
    if q.notify_pid == 0:
        return Text("none (no process registered with mq_notify)", style=ctx.muted)
    text = ctx.process(q.notify_pid)
    meaning = NOTIFY_MEANING.get(q.notify, f"sigev_notify {q.notify}")
    text.append("\n" + meaning.format(signal=signal_name(q.signo)), style=ctx.muted)
    return text


def pshm_state(s: PosixShm, ctx: Context) -> Table:
    return facts([("size", sized(s.size))], ctx)


def psem_state(s: PosixSemaphore, ctx: Context) -> Table:
    if s.value is None:
        value: RenderableType = Text(unreadable("the value", ctx), style=ctx.style("text-warning"))
    else:
        value = f"{s.value} (sem_getvalue)"
    return facts([
        ("value", value),
        ("recent", trend(ctx.history.series(s.ref.row_key, "value"), ctx)),
    ], ctx)
