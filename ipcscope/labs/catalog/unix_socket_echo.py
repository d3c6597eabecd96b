"""unix-socket-echo: a server and a client over a socket path; bytes pile up when nobody reads."""

from __future__ import annotations

import signal

from ipcscope.labs.catalog._channels import blocked_fact, unix_of
from ipcscope.labs.catalog._facts import fact, printed, verdict, who
from ipcscope.labs.context import LabContext
from ipcscope.labs.lab import Check, Lab, Step
from ipcscope.labs.observe import Observation
from ipcscope.model import UnixSocket

ECHOES = 3
PILED = 10 * 1000


def server_sockets(ctx: LabContext, obs: Observation, state: str) -> list[UnixSocket]:
    return [s for s in unix_of(obs, ctx.pid("server")) if s.state == state]


def listen(ctx: LabContext) -> None:
    path = ctx.plan_path("socket", "socket")
    ctx.start("server", "unix-echo-server", path, ECHOES)
    ctx.wait_for_output("server", "accept()")


def listening(ctx: LabContext, obs: Observation) -> Check:
    path = ctx.path("socket")
    listeners = [s for s in server_sockets(ctx, obs, "listen") if s.name == path]
    if not listeners:
        return Check(False, f"the probe shows no socket of the server listening on {path} (yet)")
    sock = listeners[0]
    return verdict(
        fact(True, f"unix {sock.inode} listens on {path} (backlog {sock.backlog})"),
        blocked_fact(sock.blocked, ctx.pid("server"), "accept", who(ctx, "server")),
    )


def connect(ctx: LabContext) -> None:
    ctx.start("client", "unix-echo-client", ctx.path("socket"), ECHOES)
    ctx.wait_for_output("client", "waiting for the go signal")


def connected(ctx: LabContext, obs: Observation) -> Check:
    mine = [s for s in unix_of(obs, ctx.pid("client")) if s.state == "connected"]
    theirs = {s.inode: s for s in server_sockets(ctx, obs, "connected")}
    pair = [(c, theirs[c.peer]) for c in mine if c.peer in theirs]
    return verdict(
        printed(ctx, "client", f"sent line {ECHOES}, echo: b'line {ECHOES}\\n'"),
        fact(bool(pair), f"a connected pair: client unix {pair[0][0].inode} <-> server unix {pair[0][1].inode}"
             if pair else "the probe shows no connected pair between client and server (yet)"),
        printed(ctx, "server", "stopped reading"),
    )


def pile_up(ctx: LabContext) -> None:
    ctx.signal("client", signal.SIGUSR1)
    ctx.wait_for_output("client", "nobody reads")


def piled(ctx: LabContext, obs: Observation) -> Check:
    socks = server_sockets(ctx, obs, "connected")
    queued = max((s.queued or 0 for s in socks), default=None)
    return verdict(
        printed(ctx, "client", "nobody reads"),
        fact(queued is not None and queued >= PILED,
             f"{queued} bytes queued in the server's socket, unread" if queued is not None and queued >= PILED
             else f"the server's socket holds {queued} bytes (want at least {PILED})"),
    )


LAB = Lab(
    name="unix-socket-echo",
    title="UNIX sockets: an echo server over a path",
    goal="A server listens on a socket path and echoes a client's lines; when it stops reading, the bytes pile up.",
    kinds=("unix",),
    steps=(
        Step(
            title="The server binds and listens",
            text=(
                "The server makes a stream socket, binds it to a path (a socket file, unique to this "
                "lab) and listens. It blocks in accept() until a client connects. The Channels view "
                "shows the listener with its path and backlog, and the server blocked in accept."
            ),
            c_code=(
                "int s = socket(AF_UNIX, SOCK_STREAM, 0);\n"
                "struct sockaddr_un addr = {.sun_family = AF_UNIX};\n"
                "strncpy(addr.sun_path, path, sizeof addr.sun_path - 1);\n"
                "bind(s, (struct sockaddr *)&addr, sizeof addr);\n"
                "listen(s, 4);\n"
                "int c = accept(s, NULL, NULL);     /* blocks until a client connects */"
            ),
            action=listen,
            expect=listening,
        ),
        Step(
            title="A client connects: echo",
            text=(
                "The client connects to the same path: accept() returns a new socket, and the pair "
                "(client <-> server) is connected, each naming the other as its peer. The client "
                f"sends {ECHOES} lines and the server echoes each back."
            ),
            c_code=(
                "/* client */\n"
                "int s = socket(AF_UNIX, SOCK_STREAM, 0);\n"
                "connect(s, (struct sockaddr *)&addr, sizeof addr);\n"
                "write(s, \"line 1\\n\", 7); n = read(s, buf, sizeof buf);\n"
                "/* server */\n"
                "while ((n = read(c, buf, sizeof buf)) > 0)\n"
                "    write(c, buf, n);"
            ),
            action=connect,
            expect=connected,
        ),
        Step(
            title="The server stops reading",
            text=(
                "The server stops calling read(). The client keeps writing: its writes succeed, and "
                "the bytes wait in the server's socket (the Channels view's queued bytes grow). Once "
                "the buffers are full, the client's write() would block."
            ),
            c_code=(
                "/* server: no more read(c, ...) */\n"
                "/* client */\n"
                "for (int i = 0; i < 10; i++)\n"
                "    write(s, buf, 1000);           /* queued in the server's socket */"
            ),
            action=pile_up,
            expect=piled,
        ),
    ),
)
