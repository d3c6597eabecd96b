"""fifo-rendezvous: a named pipe; whoever opens it first waits in open() for the other side."""

from __future__ import annotations

from ipcscope.labs.catalog._channels import blocked_fact, fifo_at
from ipcscope.labs.catalog._facts import exited, fact, printed, verdict, who
from ipcscope.labs.context import LabContext
from ipcscope.labs.lab import Check, Lab, Step
from ipcscope.labs.observe import Observation, finding_pids


def open_waits(ctx: LabContext, obs: Observation, label: str, mode: str) -> Check:
    """`label` is blocked in open() of the FIFO for the other end (mode "w": wants a reader)."""
    path = ctx.path("fifo")
    fifo = fifo_at(obs, path)
    if fifo is None:
        return Check(False, f"the probe does not show the FIFO {path} (yet)")
    pid = ctx.pid(label)
    task = next((t for t in fifo.blocked if t.pid == pid and t.op == "open"), None)
    findings = [f for f in obs.findings_of("fifo-open-wait") if pid in finding_pids(f)]
    flags = "O_WRONLY" if mode == "w" else "O_RDONLY"
    return verdict(
        blocked_fact(fifo.blocked, pid, "open", who(ctx, label)),
        fact(task is not None and task.mode == mode, f"it opens the {'write' if mode == 'w' else 'read'} end"
             if task is not None and task.mode == mode else f"(want open({flags}))"),
        fact(not fifo.ends, "nobody has the FIFO open yet" if not fifo.ends else f"ends: {fifo.ends}"),
        fact(bool(findings), f"the doctor reports fifo-open-wait (hint: {findings[0].hint})" if findings
             else "the doctor does not report fifo-open-wait (yet)"),
    )


def make_and_write(ctx: LabContext) -> None:
    path = ctx.make_fifo("fifo")
    ctx.start("writer", "fifo-writer", path, "hello through the FIFO")
    ctx.wait_for_output("writer", "O_WRONLY")


def writer_waits(ctx: LabContext, obs: Observation) -> Check:
    return open_waits(ctx, obs, "writer", "w")


def reader_comes(ctx: LabContext) -> None:
    ctx.start("reader", "fifo-reader", ctx.path("fifo"))
    ctx.wait_exit("writer")
    ctx.wait_exit("reader")


def met(ctx: LabContext, obs: Observation) -> Check:
    fifo = fifo_at(obs, ctx.path("fifo"))
    return verdict(
        exited(ctx, "writer"), exited(ctx, "reader"),
        printed(ctx, "reader", "read b'hello through the FIFO\\n'"),
        printed(ctx, "reader", "EOF"),
        fact(fifo is None or not fifo.ends, "the FIFO stays as a file, open by nobody"
             if fifo is None or not fifo.ends else "the FIFO is still open"),
    )


def cat_first(ctx: LabContext) -> None:
    ctx.start("cat", "fifo-reader", ctx.path("fifo"))
    ctx.wait_for_output("cat", "O_RDONLY")


def cat_waits(ctx: LabContext, obs: Observation) -> Check:
    return open_waits(ctx, obs, "cat", "r")


def echo(ctx: LabContext) -> None:
    ctx.start("echo", "fifo-writer", ctx.path("fifo"), "hello")
    ctx.wait_exit("echo")
    ctx.wait_exit("cat")


def cat_got_it(ctx: LabContext, obs: Observation) -> Check:
    return verdict(exited(ctx, "echo"), exited(ctx, "cat"), printed(ctx, "cat", "read b'hello\\n'"),
                   printed(ctx, "cat", "EOF"))


LAB = Lab(
    name="fifo-rendezvous",
    title="FIFOs: a named pipe and the rendezvous in open()",
    goal="mkfifo makes a pipe with a name; a writer waits in open() until a reader comes, and the other way round.",
    kinds=("fifo",),
    steps=(
        Step(
            title="mkfifo, and a writer waits in open()",
            text=(
                "mkfifo makes a FIFO: a pipe with a path (here under /tmp, unique to this lab). A "
                "writer opens it with O_WRONLY and blocks in open() itself: a FIFO's open waits "
                "until the other end is opened too. The Channels view shows the FIFO with nobody "
                "holding it and the writer blocked in open; the doctor reports fifo-open-wait."
            ),
            c_code=(
                "mkfifo(path, 0600);\n"
                "int fd = open(path, O_WRONLY);    /* blocks until a reader opens it */\n"
                "/* in a shell: echo 'hello through the FIFO' > path */"
            ),
            action=make_and_write,
            expect=writer_waits,
        ),
        Step(
            title="A reader comes",
            text=(
                "A reader opens the FIFO with O_RDONLY: both open() calls return. The writer writes "
                "its line and closes; the reader reads it, then read() returns 0 (EOF) because no "
                "writer is left. Both exit; the FIFO stays as a file on disk, open by nobody, until "
                "someone unlinks it."
            ),
            c_code=(
                "int fd = open(path, O_RDONLY);    /* the writer's open returns too */\n"
                "char buf[256]; ssize_t n;\n"
                "while ((n = read(fd, buf, sizeof buf)) > 0)\n"
                "    write(1, buf, n);\n"
                "close(fd);                        /* in a shell: cat path */"
            ),
            action=reader_comes,
            expect=met,
        ),
        Step(
            title="cat first: the reader waits for a writer",
            text=(
                "The other way round: `cat path` opens the FIFO first and blocks in open(O_RDONLY) "
                "until a writer comes."
            ),
            c_code="int fd = open(path, O_RDONLY);    /* cat path: blocks until a writer opens it */",
            action=cat_first,
            expect=cat_waits,
        ),
        Step(
            title="echo > fifo",
            text=(
                "`echo hello > path`: the shell opens the FIFO for writing, both opens return, echo "
                "writes one line and exits; cat prints it, sees EOF and exits."
            ),
            c_code=(
                "int fd = open(path, O_WRONLY);    /* echo hello > path */\n"
                "write(fd, \"hello\\n\", 6);\n"
                "close(fd);                        /* cat's read() returns 0: EOF */"
            ),
            action=echo,
            expect=cat_got_it,
        ),
    ),
)
