"""From what one walk collected to the model's ChannelScan: pipes and FIFOs measured through
duplicates, sockets from the dumps joined with their holders, and the notes on what is hidden.

Nothing is guessed: a pipe whose only visible ends are write ends, in a scan that could not see
every process, is not measured (a hidden reader may exist, and a write end's duplicate would hide
EOF from it); a socket whose holders are not visible keeps no ends and is counted in hidden_ends.
"""

from __future__ import annotations

import os
import socket
import time
from typing import TYPE_CHECKING, Literal

from ipcscope.model import (
    BlockedTask,
    ChannelEnd,
    ChannelScan,
    EndMode,
    Fifo,
    InetSocket,
    Pipe,
    ProcessRef,
    UnixSocket,
    UnixState,
)
from ipcscope.probe._fast import build
from ipcscope.probe.channels.blocked import ChannelKey
from ipcscope.probe.channels.diag import UnixRecord, unix_name
from ipcscope.probe.channels.fifo_walk import WalkResult
from ipcscope.probe.channels.inet import STATE_NAMES, connected, endpoint, local_sockets, protocol_name
from ipcscope.probe.channels.pipes import End, Measure, PipeMeter, end_to_duplicate
from ipcscope.probe.channels.sockets import SocketList, inet_records, unix_records

if TYPE_CHECKING:
    from ipcscope.probe.channels.collector import ChannelCollector

UnixType = Literal["stream", "dgram", "seqpacket"]
_UNIX_TYPES: dict[int, UnixType] = {1: "stream", 2: "dgram", 5: "seqpacket"}
_TCP_LISTEN = 10
_SHUTDOWN_BOTH = 3


def channel_scan(collector: ChannelCollector, *, walk: WalkResult | None, everything_seen: bool,
                 processes: dict[int, ProcessRef], inspect_refused: int) -> ChannelScan:
    found = collector.found
    kinds = collector.kinds
    state = collector.state
    timings = collector.timings
    notes: list[str] = []
    blocked = {key: tuple(sorted(tasks, key=lambda t: (t.pid, t.tid))) for key, tasks in found.blocked.items()}

    started = time.perf_counter()
    meter = PipeMeter() if state.live else None
    try:
        pipes = _pipes(collector, meter, blocked, everything_seen) if "pipe" in kinds else ()
        fifos = _fifos(collector, meter, blocked, walk, everything_seen) if "fifo" in kinds else ()
    finally:
        if meter is not None:
            meter.close()
    dumping = 0.0
    unix: tuple[UnixSocket, ...] = ()
    inet: tuple[InetSocket, ...] = ()
    if "unix" in kinds:
        dump_started = time.perf_counter()
        listed = state.sockets.unix()
        dumping += time.perf_counter() - dump_started
        notes += listed.notes
        unix = _unix(unix_records(listed), found.socket_ends, blocked, listed.detailed)
    if "inet" in kinds:
        dump_started = time.perf_counter()
        listed = state.sockets.inet()
        dumping += time.perf_counter() - dump_started
        notes += listed.notes
        inet = _inet(listed, found.socket_ends, blocked)
    measuring = meter.seconds if meter is not None else 0.0
    timings["fionread"] = measuring
    timings["sock_diag"] = dumping
    timings["assemble"] = time.perf_counter() - started - measuring - dumping

    hidden = sum(1 for s in unix if not s.ends) + sum(1 for s in inet if not s.ends)
    notes += _notes(collector, meter, hidden, everything_seen, inspect_refused, walk, len(pipes) + len(fifos))
    holders = {ref.pid for ends in found.pipe_ends.values() for ref, _, _ in ends}
    holders |= {ref.pid for ends in found.fifo_ends.values() for ref, _, _ in ends}
    holders |= {ref.pid for ends in found.socket_ends.values() for ref, _ in ends}
    threads = {pid: collector.threads[pid] for pid in sorted(holders) if pid in collector.threads}
    return ChannelScan(pipes=pipes, fifos=fifos, unix=unix, inet=inet, hidden_ends=hidden,
                       notes=tuple(dict.fromkeys(notes)), threads=threads, complete=everything_seen)


def _ends(raw: list[tuple[ProcessRef, int, EndMode]]) -> tuple[ChannelEnd, ...]:
    return tuple(build(ChannelEnd, pid=ref.pid, comm=ref.comm, fd=fd, mode=mode, uid=ref.uid)
                 for ref, fd, mode in sorted(raw, key=lambda e: (e[0].pid, e[1])))


def _socket_ends(raw: list[tuple[ProcessRef, int]] | None) -> tuple[ChannelEnd, ...]:
    if not raw:
        return ()
    return tuple(build(ChannelEnd, pid=ref.pid, comm=ref.comm, fd=fd, mode="rw", uid=ref.uid)
                 for ref, fd in sorted(raw, key=lambda e: (e[0].pid, e[1])))


def _measure(meter: PipeMeter | None, raw: list[tuple[ProcessRef, int, EndMode]], everything_seen: bool,
             dev: int, inode: int) -> Measure | None:
    if meter is None:
        return None
    ends: list[End] = [(ref.pid, fd, mode) for ref, fd, mode in raw]
    chosen = end_to_duplicate(ends, everything_seen)
    return meter.measure(chosen, dev, inode) if chosen is not None else None


def _pipes(collector: ChannelCollector, meter: PipeMeter | None, blocked: dict[ChannelKey, tuple[BlockedTask, ...]],
           everything_seen: bool) -> tuple[Pipe, ...]:
    dev = collector.state.pipe_dev
    out = []
    for inode in sorted(collector.found.pipe_ends):
        raw = collector.found.pipe_ends[inode]
        measured = _measure(meter, raw, everything_seen, dev, inode)
        out.append(build(Pipe, inode=inode, dev=dev, ends=_ends(raw), blocked=blocked.get(("pipe", inode), ()),
                         queued=measured.queued if measured else None,
                         capacity=measured.capacity if measured else None))
    return tuple(out)


def _fifos(collector: ChannelCollector, meter: PipeMeter | None, blocked: dict[ChannelKey, tuple[BlockedTask, ...]],
           walk: WalkResult | None, everything_seen: bool) -> tuple[Fifo, ...]:
    found = collector.found
    paths = dict(found.fifo_paths)
    for fifo in walk.fifos if walk is not None else ():
        paths.setdefault((fifo.dev, fifo.inode), (fifo.path, False))
    out = []
    for (dev, inode), (path, unlinked) in sorted(paths.items(), key=lambda item: (item[1][0], item[0])):
        raw = found.fifo_ends.get((dev, inode), [])
        if raw:
            measured = _measure(meter, raw, everything_seen, dev, inode)
            queued = measured.queued if measured else None
            capacity = measured.capacity if measured else None
        else:
            # nobody has it open: no buffer exists, so nothing is queued (unless a hidden
            # process holds it, which only a complete scan rules out)
            queued, capacity = (0 if everything_seen else None), None
        out.append(build(Fifo, path=path, inode=inode, dev=dev, ends=_ends(raw),
                         blocked=blocked.get(("fifo", dev, inode), ()), queued=queued,
                         capacity=capacity, unlinked=unlinked))
    return tuple(out)


def unix_state(record: UnixRecord, pending: set[int]) -> UnixState:
    """The state as ss names it; a stream whose peer has closed (shut both ways, peer gone)
    is "closing"; a client not yet accepted stays "connected", as the kernel and ss say."""
    if record.state == _TCP_LISTEN:
        return "listen"
    if record.state == 1:
        if (record.shutdown == _SHUTDOWN_BOTH and record.peer is None and record.type != 2
                and record.inode not in pending):
            return "closing"
        return "connected"
    if record.state in (2, 3):
        return "connecting"
    if record.state == 7:
        return "unconnected"
    return "closing"


def _unix(records: list[UnixRecord], owners: dict[int, list[tuple[ProcessRef, int]]],
          blocked: dict[ChannelKey, tuple[BlockedTask, ...]], detailed: bool) -> tuple[UnixSocket, ...]:
    pending = {client for r in records if r.state == _TCP_LISTEN for client in r.icons}
    out = []
    for r in sorted(records, key=lambda r: r.inode):
        kind = _UNIX_TYPES.get(r.type)
        if kind is None or r.inode == 0:
            continue
        listening = r.state == _TCP_LISTEN
        out.append(build(
            UnixSocket, inode=r.inode, type=kind, state=unix_state(r, pending), name=unix_name(r.name),
            peer=r.peer, queued=None if listening or not detailed else r.rq,
            pending=r.rq if listening and detailed else None,
            backlog=r.wq if listening and detailed else None,
            pending_peers=r.icons if listening else (), uid=r.uid,
            ends=_socket_ends(owners.get(r.inode)), blocked=blocked.get(("sock", r.inode), ())))
    return tuple(out)


def _inet(listed: SocketList, owners: dict[int, list[tuple[ProcessRef, int]]],
          blocked: dict[ChannelKey, tuple[BlockedTask, ...]]) -> tuple[InetSocket, ...]:
    out = []
    for kept in local_sockets(inet_records(listed)):
        r = kept.record
        tcp = r.protocol == socket.IPPROTO_TCP
        listener = tcp and r.state == _TCP_LISTEN
        out.append(build(
            InetSocket, inode=r.inode, proto=protocol_name(r), local=endpoint(r.src, r.sport),
            remote=endpoint(r.dst, r.dport) if connected(r) else None,
            state=STATE_NAMES.get(r.state, str(r.state)), peer=kept.peer,
            queued=None if listener else r.rq, pending=r.rq if listener else None,
            backlog=r.wq if listener else None, uid=r.uid,
            ends=_socket_ends(owners.get(r.inode)), blocked=blocked.get(("sock", r.inode), ())))
    out.sort(key=lambda s: (s.proto, s.local, s.remote or "", s.inode))
    return tuple(out)


def _notes(collector: ChannelCollector, meter: PipeMeter | None, hidden: int, everything_seen: bool,
           inspect_refused: int, walk: WalkResult | None, pipes_and_fifos: int) -> list[str]:
    notes = []
    if collector.state.outside_unseen:
        notes.append("This /proc shows a pid namespace (a container): processes outside it may hold ends of "
                     "these channels, so a missing reader or writer may be outside, and queued bytes are "
                     "measured only through a read end.")
    elif not everything_seen:
        who = (f"{inspect_refused} process{'es' if inspect_refused != 1 else ''}" if inspect_refused
               else "Some processes")
        fix = "denied by a security module" if os.geteuid() == 0 else "run as root to see them"
        notes.append(f"{who} could not be inspected ({fix}): the pipes and FIFOs only they hold are not "
                     "shown, the ends they hold of those shown are missing, and the bytes queued in a pipe "
                     "or FIFO whose read end is not visible are unknown.")
    if hidden:
        if collector.state.outside_unseen:
            why = "their holders may be processes outside this pid namespace, or could not be inspected"
        elif not everything_seen:
            why = "their holders are among the processes that could not be inspected"
        else:
            why = "no process holds a descriptor of them (in flight in a message, or held by the kernel)"
        notes.append(f"{hidden} socket{'s have' if hidden != 1 else ' has'} no visible owner: {why}.")
    if meter is not None and meter.refused:
        notes.append(f"The bytes queued in {meter.refused} pipe{'s' if meter.refused != 1 else ''} or FIFOs are "
                     "unknown: their holders refused pidfd_getfd (another user's process, or ptrace "
                     "restrictions such as Yama).")
    if meter is not None and meter.unsupported and pipes_and_fifos:
        notes.append("This kernel has no pidfd_getfd (Linux 5.6+): bytes queued in pipes and FIFOs are unknown.")
    if collector.open_waits_unreadable:
        notes.append(f"{collector.open_waits_unreadable} task{'s' if collector.open_waits_unreadable != 1 else ''} "
                     "waiting in open() could not be resolved (memory not readable).")
    if walk is not None and walk.unreadable:
        notes.append(f"{walk.unreadable} director{'ies' if walk.unreadable != 1 else 'y'} under "
                     f"{', '.join(collector.state.fifo_walk.dirs)} could not be read: FIFOs nobody has open "
                     "there are not shown.")
    return notes
