"""The "channels" group of `ipcscope list --json`: pipes, FIFOs, UNIX and local inet sockets.

{"pipe": [...], "fifo": [...], "unix": [...], "inet": [...]} with only the kinds asked for; every
entry has "ends", "blocked" and "queued" (bytes waiting to be read there, null when they could not
be measured without changing what the processes see). docs/json.md documents every field.
"""

from __future__ import annotations

import os
from collections.abc import Iterable
from typing import Any

from ipcscope.format import iso_time
from ipcscope.model import CHANNEL_KINDS, BlockedTask, ChannelEnd, ChannelScan, Fifo, InetSocket, Pipe, UnixSocket


def end_json(end: ChannelEnd) -> dict[str, Any]:
    return {"pid": end.pid, "comm": end.comm, "fd": end.fd, "mode": end.mode}


def blocked_json(task: BlockedTask) -> dict[str, Any]:
    return {"pid": task.pid, "tid": task.tid, "comm": task.comm, "op": task.op, "fd": task.fd,
            "state": task.state, "since": iso_time(task.since)}


def _common(channel: Pipe | Fifo | UnixSocket | InetSocket) -> dict[str, Any]:
    return {"ends": [end_json(e) for e in channel.ends], "blocked": [blocked_json(t) for t in channel.blocked],
            "queued": channel.queued}


def pipe_json(pipe: Pipe) -> dict[str, Any]:
    return {"inode": pipe.inode, "capacity": pipe.capacity, **_common(pipe)}


def fifo_json(fifo: Fifo) -> dict[str, Any]:
    return {"path": fifo.path, "inode": fifo.inode, "dev": f"{os.major(fifo.dev)}:{os.minor(fifo.dev)}",
            "unlinked": fifo.unlinked, "capacity": fifo.capacity, **_common(fifo)}


def unix_json(sock: UnixSocket) -> dict[str, Any]:
    return {"inode": sock.inode, "type": sock.type, "state": sock.state, "name": sock.name, "peer": sock.peer,
            "pending": sock.pending, "backlog": sock.backlog, "pending_peers": list(sock.pending_peers),
            "uid": sock.uid, **_common(sock)}


def inet_json(sock: InetSocket) -> dict[str, Any]:
    return {"inode": sock.inode, "proto": sock.proto, "local": sock.local, "remote": sock.remote,
            "state": sock.state, "peer": sock.peer, "pending": sock.pending, "backlog": sock.backlog,
            "uid": sock.uid, **_common(sock)}


def channels_json(channels: ChannelScan | None, kinds: Iterable[str]) -> dict[str, list[dict[str, Any]]]:
    """The lists of the channel kinds in `kinds` ({} when none is; empty lists when the scan did
    not collect channels)."""
    wanted = [kind for kind in CHANNEL_KINDS if kind in set(kinds)]
    found = channels or ChannelScan()
    out: dict[str, list[dict[str, Any]]] = {}
    if "pipe" in wanted:
        out["pipe"] = [pipe_json(p) for p in found.pipes]
    if "fifo" in wanted:
        out["fifo"] = [fifo_json(f) for f in found.fifos]
    if "unix" in wanted:
        out["unix"] = [unix_json(s) for s in found.unix]
    if "inet" in wanted:
        out["inet"] = [inet_json(s) for s in found.inet]
    return out
