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
from ipcscope.probe._fast import build, build_rows
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

    # timed in CPU seconds of this thread: on a shared machine, wall time measures the others
    clock = time.thread_time
    started = clock()
    meter = PipeMeter() if state.live else None
    try:
        measures = _measure_all(collector, meter, walk, everything_seen)
    finally:
        if meter is not None:
            meter.close()
    measured = clock()
    ends = _Ends(state.ends, in_order=state.live)
    pipes = _pipes(collector, ends, measures, blocked) if "pipe" in kinds else ()
    fifos = _fifos(collector, ends, measures, blocked, walk, everything_seen) if "fifo" in kinds else ()
    built = clock()
    unix_listed = state.sockets.unix() if "unix" in kinds else None
    inet_listed = state.sockets.inet() if "inet" in kinds else None
    dumped = clock()
    unix: tuple[UnixSocket, ...] = ()
    inet: tuple[InetSocket, ...] = ()
    if unix_listed is not None:
        notes += unix_listed.notes
        unix = _unix(unix_records(unix_listed), found.socket_ends, blocked, unix_listed.detailed, ends)
    if inet_listed is not None:
        notes += inet_listed.notes
        inet = _inet(inet_listed, found.socket_ends, blocked, ends)
    timings["fionread"] = measured - started
    timings["sock_diag"] = dumped - built
    timings["assemble"] = (built - measured) + (clock() - dumped)
    state.ends = ends.now

    hidden = sum(1 for s in unix if not s.ends) + sum(1 for s in inet if not s.ends)
    notes += _notes(collector, meter, hidden, everything_seen, inspect_refused, walk, len(pipes) + len(fifos))
    threads = {pid: collector.threads[pid] for pid in sorted(collector.holders) if pid in collector.threads}
    return ChannelScan(pipes=pipes, fifos=fifos, unix=unix, inet=inet, hidden_ends=hidden,
                       notes=tuple(dict.fromkeys(notes)), threads=threads, complete=everything_seen)


_END_FIELDS = ("pid", "comm", "fd", "mode", "uid")
EndRow = tuple[int, str, int, EndMode, int | None]


class _Ends:
    """ChannelEnd objects, the same ones as the last scan's where nothing changed: an idle
    process's ends are identical scan after scan, and reusing them spares building thousands of
    objects (and the cycle collector walking thousands more long-lived ones)."""

    def __init__(self, previous: dict[EndRow, ChannelEnd], in_order: bool) -> None:
        self.previous = previous
        self.now: dict[EndRow, ChannelEnd] = {}
        self.in_order = in_order

    def of(self, rows: list[EndRow]) -> tuple[ChannelEnd, ...]:
        """The ends of one channel, by pid then fd: the order a live walk meets them in (/proc
        lists pids and fds in ascending order), so only a fixture tree's are sorted."""
        if not self.in_order:
            rows.sort(key=lambda row: (row[0], row[2]))
        previous, now = self.previous, self.now
        out = []
        for row in rows:
            end = previous.get(row)
            if end is None:
                end = build_rows(ChannelEnd, _END_FIELDS, (row,))[0]
            now[row] = end
            out.append(end)
        return tuple(out)


MeasureKey = tuple[int, int]  # (dev, inode)


def _measure_all(collector: ChannelCollector, meter: PipeMeter | None, walk: WalkResult | None,
                 everything_seen: bool) -> dict[MeasureKey, Measure | None]:
    """Bytes queued and capacity of every pipe and FIFO with an end, through a duplicate."""
    if meter is None:
        return {}
    out: dict[MeasureKey, Measure | None] = {}
    found = collector.found
    wanted: list[tuple[MeasureKey, list[tuple[ProcessRef, int, EndMode]]]] = []
    if "pipe" in collector.kinds:
        dev = collector.state.pipe_dev
        wanted += [((dev, inode), raw) for inode, raw in found.pipe_ends.items()]
    if "fifo" in collector.kinds:
        wanted += list(found.fifo_ends.items())
    for (dev, inode), raw in wanted:
        ends: list[End] = [(ref.pid, fd, mode) for ref, fd, mode in raw]
        chosen = end_to_duplicate(ends, everything_seen)
        out[(dev, inode)] = meter.measure(chosen, dev, inode) if chosen is not None else None
    return out


def _pipes(collector: ChannelCollector, ends: _Ends, measures: dict[MeasureKey, Measure | None],
           blocked: dict[ChannelKey, tuple[BlockedTask, ...]]) -> tuple[Pipe, ...]:
    dev = collector.state.pipe_dev
    found = collector.found.pipe_ends
    rows = []
    for inode in sorted(found):
        measured = measures.get((dev, inode))
        pipe_ends = ends.of([(ref.pid, ref.comm, fd, mode, ref.uid) for ref, fd, mode in found[inode]])
        rows.append((inode, dev, pipe_ends, blocked.get(("pipe", inode), ()),
                     measured.queued if measured else None, measured.capacity if measured else None))
    return tuple(build_rows(Pipe, ("inode", "dev", "ends", "blocked", "queued", "capacity"), rows))


def _fifos(collector: ChannelCollector, ends: _Ends, measures: dict[MeasureKey, Measure | None],
           blocked: dict[ChannelKey, tuple[BlockedTask, ...]], walk: WalkResult | None,
           everything_seen: bool) -> tuple[Fifo, ...]:
    found = collector.found
    paths = dict(found.fifo_paths)
    for fifo in walk.fifos if walk is not None else ():
        paths.setdefault((fifo.dev, fifo.inode), (fifo.path, False))
    out = []
    for (dev, inode), (path, unlinked) in sorted(paths.items(), key=lambda item: (item[1][0], item[0])):
        raw = found.fifo_ends.get((dev, inode), [])
        if raw:
            measured = measures.get((dev, inode))
            queued = measured.queued if measured else None
            capacity = measured.capacity if measured else None
        else:
            # nobody has it open: no buffer exists, so nothing is queued (unless a hidden
            # process holds it, which only a complete scan rules out)
            queued, capacity = (0 if everything_seen else None), None
        fifo_ends = ends.of([(ref.pid, ref.comm, fd, mode, ref.uid) for ref, fd, mode in raw])
        out.append(build(Fifo, path=path, inode=inode, dev=dev, ends=fifo_ends,
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


def _socket_ends(ends: _Ends, raw: list[tuple[ProcessRef, int]] | None) -> tuple[ChannelEnd, ...]:
    return ends.of([(ref.pid, ref.comm, fd, "rw", ref.uid) for ref, fd in raw]) if raw else ()


def _unix(records: list[UnixRecord], owners: dict[int, list[tuple[ProcessRef, int]]],
          blocked: dict[ChannelKey, tuple[BlockedTask, ...]], detailed: bool, ends: _Ends) -> tuple[UnixSocket, ...]:
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
            ends=_socket_ends(ends, owners.get(r.inode)), blocked=blocked.get(("sock", r.inode), ())))
    return tuple(out)


def _inet(listed: SocketList, owners: dict[int, list[tuple[ProcessRef, int]]],
          blocked: dict[ChannelKey, tuple[BlockedTask, ...]], ends: _Ends) -> tuple[InetSocket, ...]:
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
            ends=_socket_ends(ends, owners.get(r.inode)), blocked=blocked.get(("sock", r.inode), ())))
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
