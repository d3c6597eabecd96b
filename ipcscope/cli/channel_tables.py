"""Plain-text tables of channels for `ipcscope list`, in the style of ss and lsof.

One row per pipe or FIFO (its writers and readers side by side, as `comm[pid]:fd`), one per socket
(a connected pair is two rows naming each other's inode in PEER, as `ss -x` shows them). QUEUED is
the bytes waiting to be read there ("-": not measurable without changing what the processes see);
PENDING is "waiting/backlog" on listeners. "-" for none or not known.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

from ipcscope.cli.tables import Column, render
from ipcscope.format import human_size
from ipcscope.model import BlockedTask, ChannelEnd, ChannelScan, InetSocket, UnixSocket


def _num(value: int | None) -> str:
    return "-" if value is None else str(value)


def ends_text(ends: Sequence[ChannelEnd], modes: tuple[str, ...] = ("r", "w", "rw")) -> str:
    """"cat[812]:0,sh[810]:3": the holders of the ends in `modes`, "-" when none."""
    chosen = [f"{e.comm}[{e.pid}]:{e.fd}" for e in ends if e.mode in modes]
    return ",".join(chosen) or "-"


def blocked_text(tasks: Sequence[BlockedTask]) -> str:
    """"read:cat[812]", with "(stopped)" for tasks that a signal stopped; "-" when none."""
    parts = []
    for task in tasks:
        who = f"{task.comm}[{task.pid}]" if task.tid == task.pid else f"{task.comm}[{task.pid}/{task.tid}]"
        parts.append(f"{task.op}:{who}" + ("(stopped)" if task.state == "stopped" else ""))
    return ",".join(parts) or "-"


def _pending(sock: UnixSocket | InetSocket) -> str:
    if sock.pending is None:
        return "-"
    return f"{sock.pending}/{_num(sock.backlog)}"


def channel_columns(raw_bytes: bool) -> dict[str, list[Column]]:
    size: Callable[[int | None], str] = _num if raw_bytes else human_size
    common: list[Column] = [("BLOCKED", lambda c: blocked_text(c.blocked), False)]
    return {
        "pipe": [
            ("INODE", lambda p: str(p.inode), True), ("QUEUED", lambda p: size(p.queued), True),
            ("CAPACITY", lambda p: size(p.capacity), True),
            ("WRITERS", lambda p: ends_text(p.ends, ("w", "rw")), False),
            ("READERS", lambda p: ends_text(p.ends, ("r", "rw")), False), *common,
        ],
        "fifo": [
            ("PATH", lambda f: f.path + (" (deleted)" if f.unlinked else ""), False),
            ("INODE", lambda f: str(f.inode), True), ("QUEUED", lambda f: size(f.queued), True),
            ("CAPACITY", lambda f: size(f.capacity), True),
            ("WRITERS", lambda f: ends_text(f.ends, ("w", "rw")), False),
            ("READERS", lambda f: ends_text(f.ends, ("r", "rw")), False), *common,
        ],
        "unix": [
            ("TYPE", lambda s: s.type, False), ("STATE", lambda s: s.state, False),
            ("QUEUED", lambda s: size(s.queued), True), ("PENDING", _pending, True),
            ("NAME", lambda s: s.name or "-", False), ("INODE", lambda s: str(s.inode), True),
            ("PEER", lambda s: _num(s.peer), True), ("OWNERS", lambda s: ends_text(s.ends), False), *common,
        ],
        "inet": [
            ("PROTO", lambda s: s.proto, False), ("STATE", lambda s: s.state, False),
            ("QUEUED", lambda s: size(s.queued), True), ("PENDING", _pending, True),
            ("LOCAL", lambda s: s.local, False), ("REMOTE", lambda s: s.remote or "-", False),
            ("INODE", lambda s: str(s.inode), True), ("PEER", lambda s: _num(s.peer), True),
            ("OWNERS", lambda s: ends_text(s.ends), False), *common,
        ],
    }


def channel_table(channels: ChannelScan | None, kind: str, raw_bytes: bool = False) -> str:
    """The table of one channel kind; a line saying why when channels were not scanned."""
    if channels is None:
        return "(not scanned: channels come from the process scan, which --no-processes skips)\n"
    spec = channel_columns(raw_bytes)[kind]
    items: Sequence[Any] = channels.of_kind(kind)  # type: ignore[arg-type]
    rows = ([get(item) for _, get, _ in spec] for item in items)
    return render([c[0] for c in spec], rows, [c[2] for c in spec])
