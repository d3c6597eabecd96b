"""Command palette (ctrl+p): "jump to object" across every kind, by key, id or name (channels by
name, inode or the commands at their ends), and "Process PID comm: N objects", which filters the
views down to what that process holds, waits on, or has a channel end of.

The app's actions are added as system commands by IpcScopeApp.get_system_commands, from the same
bindings the footer and the help screen use.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from functools import partial
from typing import TYPE_CHECKING, cast

from textual.command import DiscoveryHit, Hit, Hits, Provider

from ipcscope.model import (
    CHANNEL_KINDS,
    KIND_TITLES,
    KINDS,
    BlockedTask,
    ChannelEnd,
    IpcObject,
    ProcessScan,
    SysvObject,
)
from ipcscope.ui.data.channel_rows import ChannelRow, channel_rows
from ipcscope.ui.render.channel_columns import end_text

if TYPE_CHECKING:
    from ipcscope.ui.app import IpcScopeApp

#: How many objects the palette lists before the user types anything.
DISCOVER_LIMIT = 30


def describe(obj: IpcObject) -> str:
    """"shm 3  key 0x0000162e  root" / "pmq /jobs  root": the words a user would search for."""
    where = f"  ipc:[{obj.ns}]" if obj.ns is not None else ""  # ids repeat across namespaces
    if isinstance(obj, SysvObject):
        return f"{obj.kind} {obj.id}  key {obj.key_text}  {obj.owner}{where}"
    return f"{obj.kind} {obj.name}  {obj.owner}{where}"


def describe_channel(row: ChannelRow) -> str:
    """"pipe 31340  4860 appd fd9 → 4821 logship fd0": what a user would search a channel by."""
    sides = [end_text(ends[0]) if ends else note for ends, note in
             ((row.senders, row.from_note), (row.receivers, row.to_note))]
    name = "" if row.kind == "pipe" else f" {row.name}"
    return f"{row.label} {row.ref.ident}{name}  {sides[0]} → {sides[1]}"


def process_objects(scan: ProcessScan | None) -> dict[int, tuple[str, list[str]]]:
    """pid -> (command, row keys of the objects and channels it holds or waits on, in kind order)."""
    found: dict[int, tuple[str, set[str]]] = {}
    if scan is None:
        return {}
    for key, holders in scan.holders.items():
        for ref in holders:
            found.setdefault(ref.pid, (ref.comm, set()))[1].add(key)
    for key, waiters in scan.waiters.items():
        for waiter in waiters:
            found.setdefault(waiter.pid, (waiter.comm, set()))[1].add(key)
    if scan.channels is not None:
        for row in channel_rows(scan.channels):
            people: list[ChannelEnd | BlockedTask] = [*row.senders, *row.receivers, *row.blocked]
            for who in people:
                found.setdefault(who.pid, (who.comm, set()))[1].add(row.key)
    order: dict[str, int] = {kind: n for n, kind in enumerate((*KINDS, *CHANNEL_KINDS))}
    return {pid: (comm, sorted(keys, key=lambda k: (order.get(k.split(":", 1)[0], 99), k)))
            for pid, (comm, keys) in sorted(found.items())}


def describe_process(pid: int, comm: str, keys: list[str]) -> tuple[str, str]:
    """("Process 4417 worker: 2 objects", "sem 2, shm 1")."""
    noun = "object" if len(keys) == 1 else "objects"
    channels = sum(1 for key in keys if key.split(":", 1)[0] in CHANNEL_KINDS)
    if channels == len(keys):
        noun = "channel" if channels == 1 else "channels"
    return f"Process {pid} {comm}: {len(keys)} {noun}", ", ".join(k.replace(":", " ", 1) for k in keys)


class JumpProvider(Provider):
    """Jump to any object of the last applied snapshot."""

    def _targets(self) -> Iterator[tuple[str, str, Callable[[], None]]]:
        app = cast("IpcScopeApp", self.app)  # the palette of IpcScopeApp
        snapshot = app.snapshot
        if snapshot is None:
            return
        for obj in snapshot.all_objects():
            yield f"Jump to {describe(obj)}", KIND_TITLES[obj.kind], partial(app.jump_to, obj.ref.row_key)
        scan = snapshot.processes
        if scan is not None and scan.channels is not None:
            for row in channel_rows(scan.channels):
                yield f"Jump to {describe_channel(row)}", KIND_TITLES[row.kind], partial(app.jump_to, row.key)
        for pid, (comm, keys) in process_objects(snapshot.processes).items():
            text, help_text = describe_process(pid, comm, keys)
            yield text, f"{help_text}  (filter pid:{pid})", partial(app.show_process, pid)

    async def discover(self) -> Hits:
        for count, (text, help_text, command) in enumerate(self._targets()):
            if count >= DISCOVER_LIMIT:
                break
            yield DiscoveryHit(text, command, help=help_text)

    async def search(self, query: str) -> Hits:
        matcher = self.matcher(query)
        for text, help_text, command in self._targets():
            score = matcher.match(text)
            if score > 0:
                yield Hit(score, matcher.highlight(text), command, help=help_text)
