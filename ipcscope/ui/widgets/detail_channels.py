"""The Channels view's detail sections: state, every end, the blocked tasks, how such a channel is
made in C, and what this user could not see.

Pure functions from a ChannelRow to Rich renderables, like detail_sysv and detail_posix; the
widget (channel_detail.ChannelDetail) only places them.
"""

from __future__ import annotations

import os

from rich.console import Group, RenderableType
from rich.padding import Padding
from rich.table import Table
from rich.text import Text

from ipcscope.format import duration, human_size, percent
from ipcscope.model import BlockedTask, ChannelEnd, ChannelScan, Fifo, InetSocket, Pipe, UnixSocket
from ipcscope.ui.data.channel_rows import SOCKETPAIR, ChannelRow
from ipcscope.ui.render.channel_texts import channels_notice_text
from ipcscope.ui.render.gauge import bar
from ipcscope.ui.render.waits import STOPPED_NOTE
from ipcscope.ui.widgets.detail_common import Context, facts, heading, process_text

NOUNS = {"pipe": "Pipe", "fifo": "FIFO", "stream": "stream", "dgram": "datagram", "seqpacket": "seqpacket"}

#: what a task blocked in each call waits for
WAITS_FOR = {
    "read": "waits for data; it gets EOF (0) only once every write end is closed, in every process",
    "write": "the buffer is full: it waits until the reader takes bytes out",
    "open": "waits for a partner: open() of a FIFO blocks until the other side opens it too",
    "recv": "waits for its peer to send",
    "send": "the peer's receive buffer is full: it waits until the peer reads",
    "accept": "waits for a client to connect",
    "connect": "the listener's backlog is full: it waits until the server accepts (or times out)",
}


def title(row: ChannelRow) -> Text:
    first = row.channels[0]
    text = Text(style="bold")
    if isinstance(first, (Pipe, Fifo)):
        text.append(f"{NOUNS[row.kind]} {row.name}")
    elif isinstance(first, UnixSocket):
        what = "listener" if first.state == "listen" else (
            "socketpair" if row.name == SOCKETPAIR else "connection" if len(row.channels) == 2 else "socket")
        text.append(f"UNIX {NOUNS[first.type]} {what}")
        if row.name != SOCKETPAIR and not row.name.startswith("("):
            text.append(f" {row.name}")
    else:
        assert isinstance(first, InetSocket)
        proto = first.proto.upper()
        if first.state == "listen":
            text.append(f"{proto} listener {first.local}")
        elif len(row.channels) == 2:
            text.append(f"{proto} connection {first.local} → {row.channels[1].local}")  # type: ignore[union-attr]
        else:
            text.append(f"{proto} socket {first.local}" + (f" → {first.remote}" if first.remote else ""))
    return text


# --------------------------------------------------------------------------- state


def state(row: ChannelRow, ctx: Context) -> RenderableType:
    first = row.channels[0]
    if isinstance(first, (Pipe, Fifo)):
        return _pipe_state(row, first, ctx)
    if row.is_listener:
        return _listener_state(row, ctx)
    return _socket_state(row, ctx)


def _fill(row: ChannelRow, ctx: Context, unit: str = "bytes") -> Text:
    if row.queued is None:
        return Text("not measurable without inspecting another user's process", style=ctx.muted)
    if unit == "bytes":
        amount = human_size(row.queued)
    else:
        amount = f"{row.queued} {unit if row.queued != 1 else unit.removesuffix('s')}"
    text = Text(amount)
    if row.capacity:
        bound = str(row.capacity) if unit != "bytes" else human_size(row.capacity)
        text.append(f" of {bound} ({percent(row.fill)})  ")
        text.append_text(bar(row.fill, 12, ctx.colors))
    return text


def _pipe_state(row: ChannelRow, channel: Pipe | Fifo, ctx: Context) -> RenderableType:
    rows: list[tuple[str, RenderableType | str]] = []
    if isinstance(channel, Fifo):
        rows.append(("path", channel.path))
        if channel.unlinked:
            rows.append(("", Text("unlinked: the path is gone, the FIFO lives on while it is open",
                                  style=ctx.style("text-warning"))))
    rows.append(("inode", f"{channel.inode} on device {_dev(channel.dev)}"))
    rows.append(("state", _state_text(row, ctx)))
    rows.append(("queued", _fill(row, ctx)))
    if channel.capacity is None and channel.ends:
        rows.append(("capacity", Text("unknown (F_GETPIPE_SZ needs a descriptor of it)", style=ctx.muted)))
    return facts(rows, ctx)


def _state_text(row: ChannelRow, ctx: Context) -> Text:
    meaning = {
        "full": "full: writers block (or get EAGAIN with O_NONBLOCK)",
        "no reader": "no read end: the next write gets EPIPE (SIGPIPE kills a C program)",
        "no writer": "no write end: a read returns what is queued, then EOF",
        "in open()": "a process waits in open() for its partner",
        "not open": "nobody has it open (a FIFO holds data only while it is open)",
        "not seen": "no process of yours has it open (other users' were not inspected)",
        "empty": "empty: readers block until a writer writes",
    }.get(row.state, row.state)
    tone = {"bad": "text-error", "warn": "text-warning", "muted": "foreground-muted"}.get(row.state_tone or "")
    return Text(meaning, style=ctx.style(tone) if tone else "")


def _listener_state(row: ChannelRow, ctx: Context) -> RenderableType:
    sock = row.channels[0]
    assert isinstance(sock, (UnixSocket, InetSocket))
    rows: list[tuple[str, RenderableType | str]] = []
    if isinstance(sock, UnixSocket):
        rows.append(("name", sock.name or "(unnamed)"))
        rows.append(("type", NOUNS[sock.type]))
    else:
        rows.append(("address", sock.local))
    rows.append(("inode", str(sock.inode)))
    rows.append(("pending", _fill(row, ctx, unit="connections")))
    if row.state_tone == "bad":
        rows.append(("", Text("The backlog is full: new clients block in connect() or are refused, "
                              "until the owner calls accept().", style=ctx.style("text-error"))))
    if isinstance(sock, UnixSocket) and sock.pending_peers:
        waiting = ", ".join(str(i) for i in sock.pending_peers)
        rows.append(("waiting", f"client sockets {waiting}"))
    return facts(rows, ctx)


def _socket_state(row: ChannelRow, ctx: Context) -> RenderableType:
    rows: list[tuple[str, RenderableType | str]] = []
    first = row.channels[0]
    if isinstance(first, UnixSocket):
        rows.append(("type", NOUNS[first.type]))
        if row.name and not row.name.startswith("("):
            rows.append(("name", row.name))
    rows.append(("state", getattr(first, "state", "")))
    if len(row.channels) == 2:
        a, b = row.channels
        rows.append(("sockets", f"{_who(a)} ↔ {_who(b)}"))
        rows.append(("queued", _queued(a, b, ctx)))
        rows.append(("", _queued(b, a, ctx)))
    else:
        rows.append(("inode", str(first.inode)))
        if isinstance(first, InetSocket):
            rows.append(("remote", first.remote or "not connected"))
        elif isinstance(first, UnixSocket) and first.peer is not None:
            rows.append(("peer", f"socket {first.peer}, not in the listing"))
        queued = first.queued
        rows.append(("queued", Text("unknown", style=ctx.muted) if queued is None
                     else Text(f"{human_size(queued)} not read yet" if queued else "0B")))
    if isinstance(first, UnixSocket) and first.type == "dgram":
        rows.append(("", Text("For datagrams the kernel reports the length of the first one only; "
                              "it keeps no count of queued datagrams.", style=ctx.muted)))
    if isinstance(first, InetSocket) and first.proto == "udp":
        rows.append(("", Text("For UDP the kernel reports buffer memory, not payload bytes.", style=ctx.muted)))
    return facts(rows, ctx)


def _who(channel: object) -> str:
    inode = getattr(channel, "inode", "?")
    ends = getattr(channel, "ends", ())
    return f"{inode} ({ends[0].comm})" if ends else str(inode)


def _owner(channel: object) -> str:
    ends = getattr(channel, "ends", ())
    return ends[0].comm if ends else f"socket {getattr(channel, 'inode', '?')}"


def _queued(sender: object, receiver: object, ctx: Context) -> Text:
    """"12K appctl → appd, not read yet": the bytes waiting at the receiving socket."""
    queued = getattr(receiver, "queued", None)
    amount = "?" if queued is None else human_size(queued)
    text = Text(f"{amount} {_owner(sender)} → {_owner(receiver)}")
    if queued:
        text.append(", not read yet")
    else:
        text.stylize(ctx.muted)
    return text


def _dev(dev: int) -> str:
    """st_dev as MAJ:MIN, as ls and /proc/PID/fdinfo print it."""
    return f"{os.major(dev)}:{os.minor(dev)}"


# --------------------------------------------------------------------------- ends


def ends(row: ChannelRow, ctx: Context) -> RenderableType:
    """Every descriptor of the channel, by side; sockets by their inode."""
    table = Table(box=None, padding=(0, 1), show_edge=False, header_style=ctx.muted)
    first = row.channels[0]
    pipe_like = isinstance(first, (Pipe, Fifo))
    table.add_column("SIDE" if pipe_like else "SOCKET", no_wrap=True)
    table.add_column("PID", justify="right", no_wrap=True)
    table.add_column("COMMAND", overflow="fold")
    table.add_column("FD", justify="right", no_wrap=True)
    table.add_column("USER", overflow="fold")
    count = 0
    if pipe_like:
        for end in first.ends:
            side = {"r": "reads", "w": "writes", "rw": "both"}[end.mode]
            table.add_row(side, *_end_cells(end, ctx))
            count += 1
    else:
        for channel in row.channels:
            for end in channel.ends:
                table.add_row(str(channel.inode), *_end_cells(end, ctx))
                count += 1
    missing = _missing_sides(row, ctx)
    if not count:
        line = heading("Ends", ctx).append(": none", style=ctx.muted)
        return Group(line, *missing) if missing else line
    return Group(heading("Ends", ctx, count), table, *missing)


def _end_cells(end: ChannelEnd, ctx: Context) -> tuple[str, str, str, str]:
    ref = ctx.pids.ref(end.pid)
    user = ref.user or ("" if end.uid is None else str(end.uid))
    return str(end.pid), end.comm or ref.comm or "?", str(end.fd), user


def _missing_sides(row: ChannelRow, ctx: Context) -> list[Text]:
    """Say where an end may be missing because this user could not look, rather than "nobody"."""
    scan = _channel_scan(ctx)
    if scan is None or (not scan.hidden_ends and scan.complete):
        return []
    sides = [name for name, ends_, note in (("sending", row.senders, row.from_note),
                                             ("receiving", row.receivers, row.to_note))
             if not ends_ and note == "none visible"]
    if not sides:
        return []
    why = (f"{scan.hidden_ends} descriptors of processes that could not be inspected"
           if scan.hidden_ends else "some processes could not be inspected")
    return [Text(f"No {' or '.join(sides)} end is visible: {why}, and one of them may be it.",
                 style=ctx.style("text-warning"))]


def _channel_scan(ctx: Context) -> ChannelScan | None:
    scan = ctx.snapshot.processes
    return scan.channels if scan is not None else None


# --------------------------------------------------------------------------- blocked tasks


def blocked(row: ChannelRow, ctx: Context) -> RenderableType:
    if not row.blocked:
        return heading("Blocked", ctx).append(": nobody", style=ctx.muted)
    return Group(heading("Blocked", ctx, len(row.blocked)), *(blocked_entry(t, ctx) for t in row.blocked))


def blocked_entry(task: BlockedTask, ctx: Context) -> Group:
    """"4860 appd (root) · write on fd 9 · blocked for 1m 35s", then what it waits for."""
    ref = ctx.pids.ref(task.pid)
    head = process_text(ref, ctx) if ref.comm else Text(f"{task.pid} {task.comm}")
    if task.tid != task.pid:
        head.append(f" thread {task.tid}", style=ctx.muted)
    head.append(" · ")
    call = f"{task.op}()" + (f" for {'reading' if task.mode == 'r' else 'writing'}" if task.mode else "")
    head.append(call + (f" on fd {task.fd}" if task.fd is not None else ""),
                style=ctx.style("text-warning", bold=True))
    stopped = task.state == "stopped"
    if stopped:
        head.append(" · ")
        head.append("STOPPED", style=ctx.style("text-warning", bold=True))
    if task.since is not None:
        head.append(f" · {'stopped' if stopped else 'blocked'} for {duration(ctx.now - task.since)}")
    waits = WAITS_FOR.get(task.op, "")
    if task.op == "open" and task.mode:
        waits = f"waits for a {'writer' if task.mode == 'r' else 'reader'}: open() of a FIFO blocks until " \
                "the other side opens it too"
    body = Text(waits, style=ctx.muted)
    if stopped:
        body = Text.assemble((STOPPED_NOTE + "\n", ctx.style("text-warning")), body)
    return Group(head, Padding(body, (0, 0, 0, 2)))


# --------------------------------------------------------------------------- how it is made


def made_by(row: ChannelRow, ctx: Context) -> RenderableType:
    """The C calls that make such a channel, with its own names filled in."""
    lines, note = _calls(row)
    code = Text("\n".join(lines), style=ctx.style("text-primary"))
    parts: list[RenderableType] = [heading("How it is made", ctx), Padding(code, (0, 0, 0, 2))]
    if note:
        parts.append(Text(note, style=ctx.muted))
    return Group(*parts)


def _calls(row: ChannelRow) -> tuple[list[str], str]:
    first = row.channels[0]
    if isinstance(first, Pipe):
        return [
            "int fd[2];",
            "pipe(fd);  /* fd[0] reads, fd[1] writes */",
            "if (fork() == 0) {  /* child */",
            "    close(fd[1]); read(fd[0], buf, n);",
            "} else {  /* parent */",
            "    close(fd[0]); write(fd[1], buf, n);",
            "}",
        ], ("A reader sees EOF only when every write end is closed in every process: after fork(), "
            "close the ends you do not use.")
    if isinstance(first, Fifo):
        return [
            f'const char *path = "{first.path}";',
            "mkfifo(path, 0600);",
            "/* writer */ fd = open(path, O_WRONLY);",
            "write(fd, buf, n);",
            "/* reader */ fd = open(path, O_RDONLY);",
            "read(fd, buf, n);",
        ], "Each open() waits until the other side opens too (unless O_NONBLOCK); unlink() removes the name."
    if isinstance(first, UnixSocket):
        kind = {"stream": "SOCK_STREAM", "dgram": "SOCK_DGRAM", "seqpacket": "SOCK_SEQPACKET"}[first.type]
        if row.name == SOCKETPAIR:
            return [
                "int sv[2];",
                f"socketpair(AF_UNIX, {kind}, 0, sv);   /* both ends read and write */",
                "if (fork() == 0) { close(sv[0]); /* use sv[1] */ }",
                "else              { close(sv[1]); /* use sv[0] */ }",
            ], ""
        address = f'{{AF_UNIX, "{row.name}"}}' if not row.name.startswith("(") else "{AF_UNIX, path}"
        if first.type == "dgram":
            return [
                f"s = socket(AF_UNIX, {kind}, 0); bind(s, {address});",
                "recvfrom(s, buf, n, 0, &from, &len);        /* the receiver */",
                f"sendto(fd, buf, n, 0, {address});   /* a sender */",
            ], ""
        return _server_client("AF_UNIX", kind, address, row), ""
    assert isinstance(first, InetSocket)
    family = "AF_INET6" if first.local.startswith("[") else "AF_INET"
    server = row.channels[-1] if len(row.channels) == 2 else first
    address = f"{{{family}, {getattr(server, 'local', first.local)}}}"
    if first.proto == "udp":
        return [
            f"s = socket({family}, SOCK_DGRAM, 0); bind(s, {address});",
            "recvfrom(s, buf, n, 0, &from, &len);",
            f"/* a sender */ sendto(fd, buf, n, 0, {address});",
        ], ""
    return _server_client(family, "SOCK_STREAM", address, row), ""


def _server_client(family: str, kind: str, address: str, row: ChannelRow) -> list[str]:
    backlog = row.capacity if row.is_listener and row.capacity else "backlog"
    return [
        "/* server */",
        f"s = socket({family}, {kind}, 0);",
        f"bind(s, {address});",
        f"listen(s, {backlog});",
        "c = accept(s, NULL, NULL);  /* per client */",
        "/* client */",
        f"fd = socket({family}, {kind}, 0);",
        f"connect(fd, {address});",
    ]


# --------------------------------------------------------------------------- what is hidden


def scan_note(ctx: Context) -> Text | None:
    scan = _channel_scan(ctx)
    if scan is None or not (scan.hidden_ends or scan.notes or not scan.complete):
        return None
    lines = list(scan.notes) or [channels_notice_text(scan)]
    return Text("\n".join(lines), style=ctx.style("text-warning"))
