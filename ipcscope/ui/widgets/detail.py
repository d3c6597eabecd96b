"""The detail pane for the highlighted object.

A column of fixed sections (state, table, waiters, holders, permissions) that `show()` fills in
place on every poll: no widget is mounted or removed per tick, so nothing flickers and the scroll
position stays. The pane grows with its content; the app puts it in a scrolling container (which
also takes focus), so it does not scroll itself. Section content comes from the pure functions in detail_sysv,
detail_posix and detail_processes; this module only picks them per kind and handles injection:
`process_info` (PID -> command, default psutil) and `peek` (msqid -> queued messages, default
core.msg.peek_all), so tests and screenshots never touch live processes or the kernel.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

from rich.console import RenderableType
from rich.text import Text
from textual.app import ComposeResult
from textual.containers import Vertical
from textual.widgets import Static

from ipcscope.model import (
    IpcObject,
    MsgQueue,
    PosixQueue,
    PosixShm,
    ProcessScan,
    SemSet,
    ShmSegment,
    Snapshot,
    SysvObject,
    format_key,
)
from ipcscope.probe.procinfo import ProcessInfo, PsutilProcessInfo
from ipcscope.ui.data.history import History
from ipcscope.ui.render.renderable_key import renderable_key
from ipcscope.ui.widgets import detail_posix as posix
from ipcscope.ui.widgets import detail_processes as procs
from ipcscope.ui.widgets import detail_sysv as sysv
from ipcscope.ui.widgets.detail_common import Context, PidNames

Peek = Callable[[int], Sequence[sysv.PeekedMessage]]
#: messages peeked per queue: enough to see why a receiver is stuck, cheap enough per poll
PEEK_LIMIT = 200

TITLES = {"shm": "Shared memory segment", "msg": "Message queue", "sem": "Semaphore set",
          "pmq": "POSIX message queue", "pshm": "POSIX shared memory", "psem": "POSIX semaphore"}
SECTIONS = ("state", "table", "waiters", "holders", "scan", "perm")


def peek_queue(msqid: int) -> Sequence[sysv.PeekedMessage]:
    """Default `peek`: MSG_COPY every message of the queue; [] when the kernel refuses."""
    from ipcscope.core.errors import IpcError
    from ipcscope.core.msg import peek_all

    try:
        return peek_all(msqid, limit=PEEK_LIMIT)
    except IpcError:
        return []


class DetailPane(Vertical):
    """Everything about one object: ipc_perm, times, kind-specific state, holders and waiters."""

    #: the sections, top to bottom (a subclass for other rows has its own)
    SECTIONS: tuple[str, ...] = SECTIONS

    def __init__(self, *, process_info: ProcessInfo | None = None, peek: Peek | None = None,
                 name: str | None = None, id: str | None = None, classes: str | None = None) -> None:
        super().__init__(name=name, id=id, classes=classes)
        self.process_info: ProcessInfo = process_info or PsutilProcessInfo()
        self.peek: Peek = peek or peek_queue
        #: the last show() arguments, to render again on mount, resize and theme change
        self._last: tuple[IpcObject | None, Snapshot, float, History, bool] | None = None
        self._pid_names: tuple[ProcessScan | None, PidNames] | None = None
        self._peeked: tuple[tuple, Sequence[sysv.PeekedMessage]] | None = None
        #: widget id -> key of the content it shows (see _update)
        self._shown: dict[str, object] = {}

    def compose(self) -> ComposeResult:
        yield Static(id="detail-banner")
        yield Static(id="detail-title")
        for section in self.SECTIONS:
            yield Static(id=f"detail-{section}", classes="detail-section")

    def on_mount(self) -> None:
        # the signal, not a watch of app.theme: it fires after the new theme's colours are in
        # app.theme_variables (a watcher runs before, and would re-render in the old colours)
        self.app.theme_changed_signal.subscribe(self, lambda _theme: self._rerender())
        self._rerender()

    def on_resize(self) -> None:
        self._rerender()  # sparklines and tables adapt to the width

    def _rerender(self) -> None:
        if self._last is not None:
            obj, snapshot, now, history, removed = self._last
            self.show(obj, snapshot, now=now, history=history, removed=removed)

    def show(self, obj: IpcObject | None, snapshot: Snapshot, *, now: float, history: History,
             removed: bool = False) -> None:
        """Render `obj` (None: nothing selected). `removed`: the object vanished; show it greyed."""
        previous = self._last[0] if self._last is not None else None
        self._last = (obj, snapshot, now, history, removed)
        if not self.is_mounted:
            return  # on_mount renders it
        if obj is None or previous is None or obj.ref != previous.ref:
            self.scroll_visible(top=True, animate=False)  # another object: show its top, not mid-way
        self.set_class(removed, "-removed")
        banner = self.query_one("#detail-banner", Static)
        banner.display = removed and obj is not None
        self._update(banner, "REMOVED: no longer in the kernel's tables; this is its last known state")
        if obj is None:
            self._update(self.query_one("#detail-title", Static), Text("Nothing selected", style="italic"))
            for section in self.SECTIONS:
                self.query_one(f"#detail-{section}", Static).display = False
            return
        ctx = Context(snapshot, now, history, self._names(snapshot.processes), self.app.theme_variables,
                      self.content_region.width)
        self._update(self.query_one("#detail-title", Static), self._title(obj))
        for section, content in self._sections(obj, ctx, removed).items():
            widget = self.query_one(f"#detail-{section}", Static)
            widget.display = content is not None
            if content is not None:
                self._update(widget, content)

    def _title(self, obj: IpcObject) -> Text:
        return title(obj)

    def _update(self, widget: Static, content: RenderableType) -> None:
        """Update `widget` only if `content` differs from what it shows: every update re-lays
        out and repaints the pane, and on most polls most sections come out the same."""
        key = renderable_key(content)
        if key is not None and self._shown.get(widget.id or "") == key:
            return
        self._shown[widget.id or ""] = key
        widget.update(content)

    def _sections(self, obj: IpcObject, ctx: Context,
                  removed: bool) -> dict[str, RenderableType | None]:
        table: RenderableType | None = None
        types: Sequence[int] | None = None  # a queue's message types, for its receivers
        if isinstance(obj, ShmSegment):
            scan = ctx.snapshot.processes
            state = sysv.shm_state(obj, ctx)
            perm = sysv.sysv_perm(obj, ctx, scan.original_key(obj) if scan else None)
        elif isinstance(obj, MsgQueue):
            state, perm = sysv.msg_state(obj, ctx), sysv.sysv_perm(obj, ctx)
            peeked = self._peek(obj, removed, ctx.snapshot)
            table = sysv.messages(obj, peeked, ctx, removed)
            types = [m.mtype for m in peeked] if peeked else obj.queued_types
        elif isinstance(obj, SemSet):
            state, perm = sysv.sem_state(obj, ctx), sysv.sysv_perm(obj, ctx)
            table = sysv.semaphores(obj, ctx)
        else:
            if isinstance(obj, PosixQueue):
                state = posix.pmq_state(obj, ctx)
            elif isinstance(obj, PosixShm):
                state = posix.pshm_state(obj, ctx)
            else:
                state = posix.psem_state(obj, ctx)
            perm = posix.posix_perm(obj, ctx)
        return {"state": state, "table": table, "waiters": procs.waiters(obj, ctx, types),
                "holders": procs.holders(obj, ctx), "scan": procs.scan_note(ctx), "perm": perm}

    def _names(self, scan: ProcessScan | None) -> PidNames:
        """PID names for this scan, rebuilt only when a new scan arrives (not on every poll)."""
        if self._pid_names is None or self._pid_names[0] is not scan:
            self._pid_names = (scan, PidNames(scan, self.process_info))
        return self._pid_names[1]

    def _peek(self, q: MsgQueue, removed: bool, snapshot: Snapshot) -> Sequence[sysv.PeekedMessage]:
        """Peek again only when the queue changed; a removed queue keeps what was last seen."""
        key = (q.id, q.qnum, q.cbytes, q.stime, q.rtime, q.ns)
        if self._peeked is not None and (self._peeked[0] == key or removed):
            return self._peeked[1] if self._peeked[0][::5] == (q.id, q.ns) else []
        if removed or q.qnum == 0:
            return []
        if q.ns is not None and not any(ns.own and ns.inode == q.ns for ns in snapshot.namespaces):
            return []  # a queue of another namespace: MSG_COPY here would read ours
        peeked = list(self.peek(q.id))
        self._peeked = (key, peeked)
        return peeked


def title(obj: IpcObject) -> Text:
    """"Semaphore set 2 · key 0x5e5e0001", or "POSIX message queue /jobs"."""
    text = Text(TITLES[obj.kind], style="bold")
    if isinstance(obj, SysvObject):
        text.append(f" {obj.id}", style="bold")
        text.append(f" · key {format_key(obj.key)}")
    else:
        text.append(f" {obj.name}", style="bold")
    if obj.ns is not None:  # ids repeat across namespaces: say whose
        text.append(f" · ipc:[{obj.ns}]")
    return text
