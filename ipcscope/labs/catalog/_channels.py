"""Facts about channels (pipes, FIFOs, sockets) as the probe's process scan sees them."""

from __future__ import annotations

import os

from ipcscope.labs.catalog._facts import fact
from ipcscope.labs.observe import Observation
from ipcscope.model import BlockedTask, ChannelEnd, Fifo, Pipe, UnixSocket


def pipes_of(obs: Observation, *pids: int) -> list[Pipe]:
    """The pipes any of `pids` holds an end of, except the session's lifeline (every worker holds
    its read end; the session, this process, holds the write end)."""
    wanted, session = set(pids), os.getpid()
    return [pipe for pipe in obs.channels.pipes
            if any(e.pid in wanted for e in pipe.ends) and not any(e.pid == session for e in pipe.ends)]


def fifo_at(obs: Observation, path: str) -> Fifo | None:
    for fifo in obs.channels.fifos:
        if fifo.path == path:
            return fifo
    return None


def unix_at(obs: Observation, path: str) -> UnixSocket | None:
    """The socket bound to `path` (the listener, for a server)."""
    for sock in obs.channels.unix:
        if sock.name == path:
            return sock
    return None


def unix_of(obs: Observation, pid: int) -> list[UnixSocket]:
    return [sock for sock in obs.channels.unix if any(e.pid == pid for e in sock.ends)]


def blocked(tasks: tuple[BlockedTask, ...], pid: int, op: str) -> BlockedTask | None:
    for task in tasks:
        if task.pid == pid and task.op == op and task.state == "waiting":
            return task
    return None


def blocked_fact(tasks: tuple[BlockedTask, ...], pid: int, op: str, who: str) -> tuple[bool, str]:
    task = blocked(tasks, pid, op)
    return fact(task is not None, f"{who} is blocked in {op}()" if task is not None
                else f"{who} is not blocked in {op}() (yet)")


def ends_text(ends: tuple[ChannelEnd, ...]) -> str:
    return ", ".join(f"pid {e.pid} fd {e.fd} ({e.mode})" for e in ends) or "no ends"
