"""tcp-local: the course's TCP server and clients on 127.0.0.1: listen, the accept queue, accept."""

from __future__ import annotations

import signal

from ipcscope.labs.catalog._facts import exited, fact, last_number, printed, verdict
from ipcscope.labs.context import LabContext, LabError
from ipcscope.labs.lab import Check, Lab, Step
from ipcscope.labs.observe import Observation
from ipcscope.model import InetSocket

BACKLOG = 2
CLIENTS = ("client1", "client2")


def port(ctx: LabContext) -> int:
    number = last_number(ctx, "server", r"listening on port (\d+)")
    if number is None:
        raise LabError("the server has not printed its port")
    return number


def listener(ctx: LabContext, obs: Observation) -> InetSocket | None:
    local = f"127.0.0.1:{port(ctx)}"
    return next((s for s in obs.channels.inet if s.proto == "tcp" and s.state == "listen" and s.local == local),
                None)


def listen(ctx: LabContext) -> None:
    ctx.start("server", "tcp-server", BACKLOG)
    ctx.wait_for_output("server", "waiting for the go signal")


def listening(ctx: LabContext, obs: Observation) -> Check:
    sock = listener(ctx, obs)
    if sock is None:
        return Check(False, f"the probe shows no TCP listener on 127.0.0.1:{port(ctx)} (yet)")
    return verdict(
        fact(True, f"tcp {sock.local} listening"),
        fact(sock.backlog == BACKLOG, f"backlog {sock.backlog}"),
        fact(sock.pending == 0, f"{sock.pending} connections in the accept queue"),
        fact(any(e.pid == ctx.pid("server") for e in sock.ends), "held by the server"),
    )


def connect(ctx: LabContext) -> None:
    for label in CLIENTS:
        ctx.start(label, "tcp-client", port(ctx), f"hi from {label}")
    for label in CLIENTS:
        ctx.wait_for_output(label, "recv()")


def queued(ctx: LabContext, obs: Observation) -> Check:
    sock = listener(ctx, obs)
    if sock is None:
        return Check(False, "the listener is gone")
    full = obs.findings_of("socket-backlog-full", sock.ref)
    return verdict(
        *(printed(ctx, label, "connect(") for label in CLIENTS),
        fact(sock.pending == len(CLIENTS),
             f"{sock.pending} connections wait in the accept queue (backlog {sock.backlog})"),
        fact(bool(full), "the doctor reports socket-backlog-full" if full
             else "the doctor does not report socket-backlog-full (yet)"),
    )


def accept(ctx: LabContext) -> None:
    ctx.signal("server", signal.SIGUSR1)
    for label in CLIENTS:
        ctx.wait_exit(label)


def accepted(ctx: LabContext, obs: Observation) -> Check:
    sock = listener(ctx, obs)
    return verdict(
        *(exited(ctx, label) for label in CLIENTS),
        *(printed(ctx, label, f"reply: b'HELLO HI FROM {label.upper()}'") for label in CLIENTS),
        fact(sock is not None and sock.pending == 0, "the accept queue is empty" if sock is not None
             and sock.pending == 0 else f"the accept queue holds {sock.pending if sock else '?'}"),
    )


LAB = Lab(
    name="tcp-local",
    title="TCP on 127.0.0.1: listen, the accept queue, accept",
    goal="A TCP server listens on 127.0.0.1 with a small backlog; "
         "clients connect before it accepts and wait in its accept queue.",
    kinds=("inet",),
    steps=(
        Step(
            title="socket, bind, listen",
            text=(
                "The server makes a TCP socket, binds it to 127.0.0.1 with port 0 (the kernel picks "
                f"a free port) and listens with a backlog of {BACKLOG}. It does not call accept() yet. "
                "The Channels view shows the listener, its backlog, and an empty accept queue."
            ),
            c_code=(
                "int s = socket(AF_INET, SOCK_STREAM, 0);\n"
                "struct sockaddr_in addr = {.sin_family = AF_INET, .sin_port = htons(0)};\n"
                "inet_pton(AF_INET, \"127.0.0.1\", &addr.sin_addr);\n"
                "bind(s, (struct sockaddr *)&addr, sizeof addr);\n"
                f"listen(s, {BACKLOG});\n"
                "getsockname(s, (struct sockaddr *)&addr, &len);   /* the port it got */"
            ),
            action=listen,
            expect=listening,
        ),
        Step(
            title="Clients connect: the accept queue",
            text=(
                f"{len(CLIENTS)} clients connect. Their connect() returns at once: the kernel completes "
                "the TCP handshake and puts each connection in the listener's accept queue, even "
                "though the server has not accepted anything. The clients send a line and wait in "
                f"recv(). The queue now holds {len(CLIENTS)} = the backlog: the doctor reports "
                "socket-backlog-full, since the next clients would be kept waiting."
            ),
            c_code=(
                "/* each client */\n"
                "int c = socket(AF_INET, SOCK_STREAM, 0);\n"
                "connect(c, (struct sockaddr *)&server, sizeof server);   /* returns: queued */\n"
                "write(c, \"hi\", 2);\n"
                "n = read(c, buf, sizeof buf);      /* waits: nobody accepted yet */"
            ),
            action=connect,
            expect=queued,
        ),
        Step(
            title="accept",
            text=(
                "The server calls accept() in a loop: each returns a new connected socket for one "
                "queued connection. It reads the line, replies and closes; the clients print the "
                "reply and exit, and the accept queue is empty again."
            ),
            c_code=(
                "for (;;) {\n"
                "    int conn = accept(s, NULL, NULL);\n"
                "    n = read(conn, buf, sizeof buf);\n"
                "    write(conn, reply, len);\n"
                "    close(conn);\n"
                "}"
            ),
            action=accept,
            expect=accepted,
        ),
    ),
)
