"""Channels as the Channels view lists them: one row per channel, both ends in one row.

The process scan lists every pipe and FIFO once, and every socket once (a connected pair is two
sockets naming each other as peers). A row joins what a user thinks of as one channel:

- a pipe or FIFO: its write ends FROM, its read ends TO;
- a connected UNIX or TCP pair: the client FROM, the server TO (a UNIX server's accepted socket
  carries the listener's name; a TCP server's local address is a listener's);
- a UNIX listener: the clients waiting in its backlog FROM (their sockets fold into this row),
  the listener's owner TO, with QUEUED the pending connections against the backlog;
- any other socket alone, with what is known of its other end.

Pairs are made only from peer inodes that name each other, never guessed: an end whose owner is
not visible to this user stays unknown (`ChannelScan.hidden_ends` counts them). Plain data, no
Textual, so the pairing is tested without an app.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from ipcscope.model import (
    CHANNEL_KINDS,
    BlockedTask,
    Channel,
    ChannelEnd,
    ChannelKind,
    ChannelScan,
    Fifo,
    InetSocket,
    ObjectRef,
    Pipe,
    UnixSocket,
)

#: ss's names for socket types
UNIX_LABELS = {"stream": "u_str", "dgram": "u_dgr", "seqpacket": "u_seq"}

#: how an unnamed socket is named: a connected pair where neither end has a name is a socketpair
#: (a listener always has a name, which the sockets it accepts carry)
SOCKETPAIR = "(socketpair)"
UNNAMED = "(unnamed)"

#: The sub-kinds the view filters by, in the order the selector shows them.
SUBKIND_TITLES: dict[ChannelKind, str] = {"pipe": "pipes", "fifo": "FIFOs", "unix": "UNIX",
                                          "inet": "TCP/UDP"}


@dataclass(frozen=True)
class ChannelRow:
    """One channel as a row: who sends, who receives, what is queued, who is blocked."""

    #: "pipe:INODE", "fifo:INODE", "unix:INODE", "inet:INODE" (a pair: the lower inode)
    key: str
    kind: ChannelKind
    #: pipe, fifo, u_str, u_dgr, u_seq, tcp, udp
    label: str
    #: what names it: the FIFO's path, the socket's name or address; the inode for a pipe
    name: str
    #: the channel; a connected pair: (FROM side, TO side); a listener: (listener, *waiting clients)
    channels: tuple[Channel, ...]
    senders: tuple[ChannelEnd, ...]
    receivers: tuple[ChannelEnd, ...]
    #: said instead of a side's ends when it has none ("nobody", "none visible", "127.0.0.1:80")
    from_note: str
    to_note: str
    #: bytes waiting to be read (a pair: both directions); a listener: connections pending
    queued: int | None
    #: pipe/FIFO capacity in bytes; a listener's backlog; None when there is no known bound
    capacity: int | None
    state: str
    #: "ok", "warn", "bad", "muted" or None: how worrying the state is
    state_tone: str | None
    blocked: tuple[BlockedTask, ...]
    #: every inode the row stands for, so that any of them finds it (a finding on either socket)
    inodes: tuple[int, ...]

    @property
    def cells_key(self) -> tuple[object, ...]:
        """Everything the row's cells show (not the channels themselves, whose deep comparison
        would cost more than the cells): equal keys need no redraw."""
        return (self.label, self.name, self.senders, self.receivers, self.from_note, self.to_note,
                self.queued, self.capacity, self.state, self.state_tone, self.blocked)

    @property
    def ref(self) -> ObjectRef:
        """The channel the row is known by (a pair: its lower inode), as findings name it."""
        return ObjectRef(self.kind, int(self.key.partition(":")[2]))

    @property
    def fill(self) -> float | None:
        """queued / capacity, or None when either is unknown."""
        if self.queued is None or not self.capacity:
            return None
        return min(self.queued / self.capacity, 1.0)

    @property
    def is_listener(self) -> bool:
        first = self.channels[0]
        return isinstance(first, (UnixSocket, InetSocket)) and first.state == "listen"

    @property
    def pids(self) -> set[int]:
        """Every process at an end of the row or blocked on it (what "pid:N" matches)."""
        return {e.pid for e in (*self.senders, *self.receivers)} | {t.pid for t in self.blocked}

    @property
    def search_text(self) -> str:
        """What `/` searches, lower-cased: kind, name, inodes, state, and each end's pid and command."""
        words = [self.kind, self.label, self.name, self.state, *map(str, self.inodes)]
        words += [f"{e.pid} {e.comm}" for e in (*self.senders, *self.receivers)]
        words += [f"{t.pid} {t.comm} {t.op}" for t in self.blocked]
        return " ".join(words).lower()


class RowCache:
    """The rows of the last ChannelScan asked for, so that they are built once per scan: by the
    scan worker's thread when the app can (`rows` there), then found here by the UI thread."""

    def __init__(self) -> None:
        self._last: tuple[ChannelScan, list[ChannelRow]] | None = None

    def rows(self, scan: ChannelScan) -> list[ChannelRow]:
        last = self._last  # one read: another thread may replace it (a tuple is swapped whole)
        if last is not None and last[0] is scan:
            return last[1]
        rows = channel_rows(scan)
        self._last = (scan, rows)
        return rows


def channel_rows(scan: ChannelScan) -> list[ChannelRow]:
    """Every channel of `scan` as rows, in kind order (pipes, FIFOs, UNIX, TCP/UDP)."""
    hidden = scan.hidden_ends > 0 or not scan.complete
    rows: list[ChannelRow] = [pipe_row(p, hidden) for p in scan.pipes]
    rows += [pipe_row(f, hidden) for f in scan.fifos]
    rows += unix_rows(scan.unix, hidden)
    rows += inet_rows(scan.inet, hidden)
    return rows


def row_aliases(rows: Iterable[ChannelRow]) -> dict[str, str]:
    """"kind:INODE" of every channel (and "fifo:PATH") -> the key of the row showing it."""
    aliases: dict[str, str] = {}
    for row in rows:
        for inode in row.inodes:
            aliases[f"{row.kind}:{inode}"] = row.key
        if row.kind == "fifo":
            aliases[f"fifo:{row.name.removesuffix(' (deleted)')}"] = row.key
    return aliases


# --------------------------------------------------------------------------- pipes and FIFOs


def _nobody(hidden: bool) -> str:
    """No end seen on a side: certain only when nothing was hidden from this user."""
    return "none visible" if hidden else "nobody"


def pipe_row(channel: Pipe | Fifo, hidden: bool) -> ChannelRow:
    writers = tuple(e for e in channel.ends if e.mode in ("w", "rw"))
    readers = tuple(e for e in channel.ends if e.mode in ("r", "rw"))
    openers = [t for t in channel.blocked if t.op == "open"]
    from_note = to_note = _nobody(hidden)
    if not channel.ends and openers:
        opener = f"{openers[0].pid} {openers[0].comm} open()"
        if openers[0].mode == "r":  # a reader waiting for a writer
            from_note, to_note = "no writer yet", opener
        else:
            from_note, to_note = opener, "no reader yet" if openers[0].mode == "w" else "no partner yet"
    state, tone = _pipe_state(channel, writers, readers, bool(openers), hidden)
    if isinstance(channel, Fifo):
        name = channel.path + (" (deleted)" if channel.unlinked else "")
        kind: ChannelKind = "fifo"
    else:
        name, kind = str(channel.inode), "pipe"
    return ChannelRow(
        key=f"{kind}:{channel.inode}", kind=kind, label=kind, name=name, channels=(channel,),
        senders=writers, receivers=readers, from_note=from_note, to_note=to_note,
        queued=channel.queued, capacity=channel.capacity, state=state, state_tone=tone,
        blocked=channel.blocked, inodes=(channel.inode,),
    )


def _pipe_state(channel: Pipe | Fifo, writers: Sequence[ChannelEnd], readers: Sequence[ChannelEnd],
                opening: bool, hidden: bool) -> tuple[str, str | None]:
    if not channel.ends:
        if opening:
            return "in open()", "warn"
        # another user's descriptors of it would not be seen
        return ("not seen" if hidden else "not open"), "muted"
    if channel.capacity and channel.queued is not None and channel.queued >= channel.capacity:
        return "full", "bad"
    if writers and not readers and not hidden:
        return "no reader", "warn"
    if readers and not writers and not hidden:
        return "no writer", "muted"
    return ("empty" if channel.queued == 0 else "open"), None


# --------------------------------------------------------------------------- UNIX sockets


def unix_rows(sockets: Sequence[UnixSocket], hidden: bool) -> list[ChannelRow]:
    """Listeners (with the clients in their backlog), connected pairs, then lone sockets."""
    by_inode = {s.inode: s for s in sockets}
    used: set[int] = set()
    rows: list[ChannelRow] = []
    for sock in sockets:
        if sock.state == "listen":
            waiting = tuple(by_inode[i] for i in sock.pending_peers if i in by_inode and i not in used)
            used.add(sock.inode)
            used.update(s.inode for s in waiting)
            rows.append(_unix_listener(sock, waiting, hidden))
    for sock in sockets:
        if sock.inode in used:
            continue
        peer = by_inode.get(sock.peer) if sock.peer is not None else None
        if peer is not None and peer.peer == sock.inode and peer.inode not in used:
            client, server = _unix_sides(sock, peer)
            used.update((sock.inode, peer.inode))
            rows.append(_pair_row("unix", UNIX_LABELS[sock.type], server.name or client.name or SOCKETPAIR,
                                  client, server, hidden))
        else:
            used.add(sock.inode)
            rows.append(_lone_unix(sock, sockets, hidden))
    return rows


def _unix_sides(a: UnixSocket, b: UnixSocket) -> tuple[UnixSocket, UnixSocket]:
    """(client, server): an accepted socket carries the listener's name, a client none; a
    socketpair (neither named) in inode order."""
    if a.name and not b.name:
        return b, a
    if b.name and not a.name:
        return a, b
    return (a, b) if a.inode < b.inode else (b, a)


def _unix_listener(sock: UnixSocket, waiting: tuple[UnixSocket, ...], hidden: bool) -> ChannelRow:
    clients = tuple(e for s in waiting for e in s.ends)
    full = sock.pending is not None and sock.backlog is not None and sock.pending >= sock.backlog
    blocked = _merge_blocked([sock, *waiting])
    from_note = f"{sock.pending} waiting" if sock.pending else "no client waiting"
    return ChannelRow(
        key=f"unix:{sock.inode}", kind="unix", label=UNIX_LABELS[sock.type], name=sock.name or str(sock.inode),
        channels=(sock, *waiting), senders=clients, receivers=sock.ends,
        from_note=from_note, to_note=_nobody(hidden), queued=sock.pending, capacity=sock.backlog,
        state="listen", state_tone="bad" if full else None, blocked=blocked,
        inodes=(sock.inode, *(s.inode for s in waiting)),
    )


def _lone_unix(sock: UnixSocket, sockets: Sequence[UnixSocket], hidden: bool) -> ChannelRow:
    listener = next((s for s in sockets if sock.inode in s.pending_peers), None)
    if listener is not None:
        to_note = f"backlog of {listener.name or listener.inode}"
    elif sock.peer is not None:
        to_note = f"socket {sock.peer} (not listed)"
    elif sock.state == "connecting":
        to_note = "connecting…"
    else:
        to_note = "—"
    return ChannelRow(
        key=f"unix:{sock.inode}", kind="unix", label=UNIX_LABELS[sock.type], name=sock.name or UNNAMED,
        channels=(sock,), senders=sock.ends, receivers=(), from_note=_nobody(hidden), to_note=to_note,
        queued=sock.queued, capacity=None, state=sock.state, state_tone=None, blocked=sock.blocked,
        inodes=(sock.inode,),
    )


# --------------------------------------------------------------------------- TCP and UDP


def inet_rows(sockets: Sequence[InetSocket], hidden: bool) -> list[ChannelRow]:
    """Listeners, connected pairs (client FROM, server TO), then lone sockets."""
    by_inode = {s.inode: s for s in sockets}
    listening = {(s.proto, s.local) for s in sockets if s.state == "listen"}
    listening_ports = {(s.proto, _port(s.local)) for s in sockets if s.state == "listen"
                       and _host(s.local) in ("0.0.0.0", "[::]", "*")}
    used: set[int] = set()
    rows: list[ChannelRow] = []
    for sock in sockets:
        if sock.inode in used:
            continue
        used.add(sock.inode)
        if sock.state == "listen":
            rows.append(_inet_listener(sock, hidden))
            continue
        peer = by_inode.get(sock.peer) if sock.peer is not None else None
        if peer is not None and peer.peer == sock.inode and peer.inode not in used:
            used.add(peer.inode)

            def serves(s: InetSocket) -> bool:
                return (s.proto, s.local) in listening or (s.proto, _port(s.local)) in listening_ports

            if serves(sock) != serves(peer):
                client, server = (peer, sock) if serves(sock) else (sock, peer)
            else:  # no listener seen: the ephemeral (higher) port is the client's
                client, server = sorted((sock, peer), key=lambda s: (-_port(s.local), s.inode))
            rows.append(_pair_row("inet", sock.proto, server.local, client, server, hidden))
        else:
            rows.append(_lone_inet(sock, hidden))
    return rows


def _host(address: str) -> str:
    return address.rsplit(":", 1)[0]


def _port(address: str) -> int:
    try:
        return int(address.rsplit(":", 1)[1])
    except (IndexError, ValueError):
        return 0


def _inet_listener(sock: InetSocket, hidden: bool) -> ChannelRow:
    full = sock.pending is not None and sock.backlog is not None and sock.backlog > 0 \
        and sock.pending >= sock.backlog
    return ChannelRow(
        key=f"inet:{sock.inode}", kind="inet", label=sock.proto, name=sock.local, channels=(sock,),
        senders=(), receivers=sock.ends,
        from_note=f"{sock.pending} waiting" if sock.pending else "no client waiting",
        to_note=_nobody(hidden), queued=sock.pending, capacity=sock.backlog or None, state="listen",
        state_tone="bad" if full else None, blocked=sock.blocked, inodes=(sock.inode,),
    )


def _lone_inet(sock: InetSocket, hidden: bool) -> ChannelRow:
    return ChannelRow(
        key=f"inet:{sock.inode}", kind="inet", label=sock.proto, name=sock.local, channels=(sock,),
        senders=sock.ends, receivers=(), from_note=_nobody(hidden),
        to_note=sock.remote or "—", queued=sock.queued, capacity=None, state=sock.state,
        state_tone=None, blocked=sock.blocked, inodes=(sock.inode,),
    )


# --------------------------------------------------------------------------- pairs


def _pair_row(kind: ChannelKind, label: str, name: str, client: UnixSocket | InetSocket,
              server: UnixSocket | InetSocket, hidden: bool) -> ChannelRow:
    queued = [q for q in (client.queued, server.queued) if q is not None]
    first = min(client.inode, server.inode)
    return ChannelRow(
        key=f"{kind}:{first}", kind=kind, label=label, name=name, channels=(client, server),
        senders=client.ends, receivers=server.ends, from_note=_nobody(hidden), to_note=_nobody(hidden),
        queued=sum(queued) if queued else None, capacity=None, state=client.state, state_tone=None,
        blocked=_merge_blocked([client, server]), inodes=(client.inode, server.inode),
    )


def _merge_blocked(channels: Iterable[UnixSocket | InetSocket]) -> tuple[BlockedTask, ...]:
    seen: dict[int, BlockedTask] = {}
    for channel in channels:
        for task in channel.blocked:
            seen.setdefault(task.tid, task)
    return tuple(seen.values())


def kind_order(kind: str) -> int:
    """Where a kind sorts: pipes, FIFOs, UNIX, TCP/UDP."""
    return CHANNEL_KINDS.index(kind) if kind in CHANNEL_KINDS else len(CHANNEL_KINDS)
