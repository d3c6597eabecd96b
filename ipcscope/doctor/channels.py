"""Findings about channels (pipes, FIFOs, sockets), from the process scan's ChannelScan.

Same shape and rules as `ipcscope.doctor` (which calls `channel_findings`): a pure function of the
scan and "now", claiming only what the data shows. When some processes could not be inspected,
"no read end" may mean "none visible": pipe-no-reader is then not reported (`coverage_notes` says
so), and pipe-eof-never claims only what stays true whatever they hold.

Kinds (exact names, used in JSON):
- pipe-eof-never: a reader blocked on an empty pipe or FIFO whose every write end is held by
  processes that cannot write it, because all their threads are blocked reading it (the classic
  bug: the reader kept its own copy of the write end after fork());
- pipe-full: writers blocked on a full pipe or FIFO for at least `stuck_after`; names the readers
  and what they are doing;
- pipe-no-reader: write ends held while no read end exists: the next write gets SIGPIPE/EPIPE;
- fifo-open-wait: a process blocked in open() of a FIFO, waiting for its partner;
- socket-backlog-full: a listener whose accept queue is full (pending >= backlog).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from ipcscope.doctor.diagnosis import (
    FIFO_OPEN_WAIT,
    PIPE_EOF_NEVER,
    PIPE_FULL,
    PIPE_NO_READER,
    SOCKET_BACKLOG_FULL,
    Finding,
    Severity,
)
from ipcscope.format import duration, percent
from ipcscope.model import (
    BlockedTask,
    Channel,
    ChannelEnd,
    ChannelScan,
    Fifo,
    InetSocket,
    ObjectRef,
    Pipe,
    ProcessScan,
    UnixSocket,
    Waiter,
)

_PS = "ps -o pid,stat,wchan:32,cmd -p "


def channel_findings(scan: ProcessScan | None, *, now: float, stuck_after: float) -> list[Finding]:
    """Every channel finding of `scan` (none without a scan, or when channels were not scanned)."""
    if scan is None or scan.channels is None:
        return []
    check = _ChannelChecker(scan, scan.channels, now=now, stuck_after=stuck_after)
    return [*check.eof_never(), *check.full_pipes(), *check.no_reader(), *check.open_waits(),
            *check.full_backlogs()]


def coverage_notes(scan: ProcessScan | None) -> list[str]:
    """What the channel checks could not look at."""
    if scan is None or scan.channels is None or scan.channels.complete:
        return []
    return ["pipe-no-reader was not checked: some processes could not be inspected, and a pipe's "
            "read end may be one of their descriptors"]


def channel_label(channel: Channel) -> str:
    """How a finding names a channel in prose: "pipe 41235", "FIFO /tmp/jobs", "unix 5321"."""
    if isinstance(channel, Fifo):
        return f"FIFO {channel.path}"
    return f"{channel.kind} {channel.inode}"


class _ChannelChecker:
    def __init__(self, scan: ProcessScan, channels: ChannelScan, *, now: float, stuck_after: float) -> None:
        self.scan = scan
        self.channels = channels
        self.now = now
        self.stuck_after = stuck_after
        self.pipes: list[Pipe | Fifo] = [*channels.pipes, *channels.fifos]
        #: pid -> (channel, task) for every task blocked on a channel: what a process is doing
        self.blocked_by_pid: dict[int, list[tuple[Channel, BlockedTask]]] = {}
        for channel in channels.all():
            for task in channel.blocked:
                if task.state != "stopped":
                    self.blocked_by_pid.setdefault(task.pid, []).append((channel, task))
        self.waits_by_pid: dict[int, list[tuple[str, Waiter]]] = {}
        for row_key, waiters in scan.waiters.items():
            for waiter in waiters:
                if waiter.state != "stopped":
                    self.waits_by_pid.setdefault(waiter.pid, []).append((row_key, waiter))

    # ---- wording

    def who(self, pid: int, comm: str | None = None) -> str:
        if not comm and pid in self.scan.processes:
            comm = self.scan.processes[pid].comm
        return f"{comm} {pid}" if comm else f"pid {pid}"

    def names(self, items: Iterable[BlockedTask | ChannelEnd]) -> str:
        seen: dict[int, str] = {}
        for item in items:
            seen.setdefault(item.pid, self.who(item.pid, item.comm))
        return ", ".join(seen.values())

    def waited(self, task: BlockedTask) -> float | None:
        return None if task.since is None else max(0.0, self.now - task.since)

    def doing(self, pid: int, here: Channel) -> str:
        """What a process is doing, as far as the scan can tell: blocked on some channel or IPC
        object, or none of those (busy, stopped, or waiting on something else)."""
        elsewhere = [(c, t) for c, t in self.blocked_by_pid.get(pid, ()) if c is not here]
        if elsewhere:
            channel, task = elsewhere[0]
            return f"is blocked in {task.op}() on {channel_label(channel)}"
        waits = self.waits_by_pid.get(pid)
        if waits:
            row_key, waiter = waits[0]
            return f"waits in {waiter.op} on {row_key.replace(':', ' ', 1)}"
        return "is not blocked on a pipe, socket or IPC object (busy, stopped, or waiting on something else)"

    # ---- pipe-eof-never

    def eof_never(self) -> list[Finding]:
        out = []
        for pipe in self.pipes:
            readers = [t for t in pipe.blocked if t.op == "read" and t.state != "stopped"]
            if not readers or pipe.queued:
                continue  # a blocked reader means an empty pipe; queued > 0: it was just written
            writers = [e for e in pipe.ends if e.mode != "r"]
            if not writers or not all(self._cannot_write(pid, pipe) for pid in {e.pid for e in writers}):
                continue
            reader_pids = {t.pid for t in readers}
            reader_fds = ", ".join(f"{self.who(t.pid, t.comm)} (fd {t.fd})" for t in readers)
            holders = ", ".join(f"{self.who(e.pid, e.comm)} fd {e.fd}" for e in writers)
            verb = "is" if len(reader_pids) == 1 else "are"
            if {e.pid for e in writers} <= reader_pids and len(reader_pids) == 1:
                ends = "a write end" if len(writers) == 1 else "write ends"
                held = f"the reader holds {ends} of it itself ({holders})"
            else:
                held = f"its write ends ({holders}) are held by processes blocked reading it"
            if self.channels.complete:
                message = (f"{reader_fds} {verb} blocked reading an empty {_noun(pipe)}, and {held}: nobody "
                           "else can write, and read() cannot return EOF while those ends are open — a write "
                           "end kept open after fork().")
            else:
                message = (f"{reader_fds} {verb} blocked reading an empty {_noun(pipe)}, and {held}: read() "
                           "cannot return EOF while those ends are open, whatever the processes that could "
                           "not be inspected hold — a write end kept open after fork().")
            hint = "; ".join(f"in {self.who(e.pid, e.comm)}, close({e.fd}) before reading" for e in writers)
            out.append(Finding(PIPE_EOF_NEVER, "error", pipe.ref,
                               _unique([t.pid for t in readers] + [e.pid for e in writers]), message, hint))
        return out

    def _cannot_write(self, pid: int, pipe: Pipe | Fifo) -> bool:
        """Every thread of `pid` is blocked reading `pipe` (thread count unknown: it may write)."""
        threads = self.channels.threads.get(pid)
        reading = sum(1 for t in pipe.blocked if t.pid == pid and t.op == "read" and t.state != "stopped")
        return threads is not None and reading >= threads

    # ---- pipe-full

    def full_pipes(self) -> list[Finding]:
        out = []
        for pipe in self.pipes:
            writers = [t for t in pipe.blocked if t.op == "write" and t.state != "stopped"]
            stuck = [t for t in writers if (self.waited(t) or 0.0) >= self.stuck_after]
            if not stuck:
                continue
            longest = max(self.waited(t) or 0.0 for t in stuck)
            verb = "is" if len({t.pid for t in stuck}) == 1 else "are"
            fill = ""
            if pipe.queued is not None and pipe.capacity:
                fill = (f": it holds {pipe.queued} of {pipe.capacity} bytes "
                        f"({percent(pipe.queued / pipe.capacity)})")
            readers = [e for e in pipe.ends if e.mode != "w" and e.pid not in {t.pid for t in stuck}]
            if readers:
                each = "; ".join(f"{self.who(e.pid, e.comm)} (fd {e.fd}) {self.doing(e.pid, pipe)}"
                                 for e in _one_per_process(readers))
                tail = f"; its reader{'s' if len(readers) > 1 else ''}: {each}."
                hint: str | None = _PS + ",".join(str(p) for p in _unique(e.pid for e in readers))
            else:
                tail = "; no visible process holds its read end."
                hint = None
            message = (f"{self.names(stuck)} {verb} blocked writing for {duration(longest)} "
                       f"into a full {_noun(pipe)}{fill}{tail}")
            pids = _unique([t.pid for t in stuck] + [e.pid for e in readers])
            out.append(Finding(PIPE_FULL, "warning", pipe.ref, pids, message, hint))
        return out

    # ---- pipe-no-reader

    def no_reader(self) -> list[Finding]:
        if not self.channels.complete:
            return []  # the read end may be a descriptor of a process that could not be inspected
        out = []
        for pipe in self.pipes:
            if not pipe.ends or any(e.mode != "w" for e in pipe.ends):
                continue
            writers = ", ".join(f"{self.who(e.pid, e.comm)} fd {e.fd}" for e in pipe.ends)
            message = (f"it is open only for writing ({writers}) and no process holds its read end: "
                       "the next write() gets SIGPIPE, or EPIPE where SIGPIPE is ignored.")
            out.append(Finding(PIPE_NO_READER, "warning", pipe.ref,
                               _unique(e.pid for e in pipe.ends), message,
                               _PS + ",".join(str(p) for p in _unique(e.pid for e in pipe.ends))))
        return out

    # ---- fifo-open-wait

    def open_waits(self) -> list[Finding]:
        out = []
        for fifo in self.channels.fifos:
            openers = [t for t in fifo.blocked if t.op == "open" and t.state != "stopped"]
            if not openers:
                continue
            for wants_reader, group in ((True, [t for t in openers if t.mode == "w"]),
                                        (False, [t for t in openers if t.mode != "w"])):
                if not group:
                    continue
                longest = max(self.waited(t) or 0.0 for t in group)
                verb = "waits" if len({t.pid for t in group}) == 1 else "wait"
                flags = "O_WRONLY" if wants_reader else "O_RDONLY"
                partner = "reader" if wants_reader else "writer"
                since = f" for {duration(longest)}" if longest >= 1 else ""
                message = (f"{self.names(group)} {verb} in open({fifo.path}, {flags}){since} for a {partner}: "
                           f"a FIFO's open blocks until the other end is opened too.")
                hint = f"cat {fifo.path}" if wants_reader else f"ipcscope write fifo {fifo.path} DATA"
                severity: Severity = "warning" if longest >= self.stuck_after else "info"
                ref = fifo.ref if fifo.inode else ObjectRef("fifo", fifo.path)
                out.append(Finding(FIFO_OPEN_WAIT, severity, ref, _unique(t.pid for t in group), message, hint))
        return out

    # ---- socket-backlog-full

    def full_backlogs(self) -> list[Finding]:
        out = []
        listeners: list[UnixSocket | InetSocket] = [*self.channels.unix, *self.channels.inet]
        for sock in listeners:
            if sock.state != "listen" or sock.pending is None or sock.backlog is None:
                continue
            if sock.pending < sock.backlog or sock.pending == 0:
                continue
            where = sock.name if isinstance(sock, UnixSocket) else f"{sock.proto} {sock.local}"
            queue = (f"its accept queue holds {sock.pending} connection{'s' if sock.pending != 1 else ''} "
                     f"(backlog {sock.backlog}; the kernel queues at most one more): new clients block in "
                     "connect() or are refused")
            if sock.ends:
                owners = "; ".join(f"{self.who(e.pid, e.comm)} (fd {e.fd}) {self.doing(e.pid, sock)}"
                                   for e in _one_per_process(sock.ends))
                tail = f" until its owner accepts: {owners}."
                hint: str | None = _PS + ",".join(str(p) for p in _unique(e.pid for e in sock.ends))
            else:
                tail = "; its owner is not visible to this user."
                hint = None
            message = f"listening{' on ' + where if where else ''}, {queue}{tail}"
            out.append(Finding(SOCKET_BACKLOG_FULL, "warning", sock.ref, _unique(e.pid for e in sock.ends),
                               message, hint))
        return out


def _noun(pipe: Pipe | Fifo) -> str:
    return f"FIFO ({pipe.path})" if isinstance(pipe, Fifo) else "pipe"


def _one_per_process(ends: Sequence[ChannelEnd]) -> list[ChannelEnd]:
    seen: dict[int, ChannelEnd] = {}
    for end in ends:
        seen.setdefault(end.pid, end)
    return list(seen.values())


def _unique(pids: Iterable[int]) -> tuple[int, ...]:
    return tuple(dict.fromkeys(pids))
