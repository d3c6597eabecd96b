"""pipe-parent-child: the course texts' pipe + fork + close, then the bug of a kept write end."""

from __future__ import annotations

import signal

from ipcscope.labs.catalog._channels import blocked_fact, ends_text, pipes_of
from ipcscope.labs.catalog._facts import fact, last_number, printed, verdict, who
from ipcscope.labs.context import LabContext, LabError
from ipcscope.labs.lab import Check, Lab, Step
from ipcscope.labs.observe import Observation, finding_pids


def child_of(ctx: LabContext, parent: str) -> int | None:
    """The pid of `parent`'s forked child, as the parent printed it."""
    return last_number(ctx, parent, r"forked child (\d+)")


def write_end(ctx: LabContext, parent: str) -> int | None:
    return last_number(ctx, parent, r"fd\[1\] = (\d+)")


def start(label: str, mode: str):
    def action(ctx: LabContext) -> None:
        ctx.start(label, "pipe-fork", mode)
        ctx.wait_for_output(label, "waiting for the go signal")
        if mode == "keep":  # the bug needs no second look: write at once
            ctx.wait_for_output(label, "child: read(")
            ctx.signal(label, signal.SIGUSR1)
    return action


def child_waits(ctx: LabContext, obs: Observation) -> Check:
    child = child_of(ctx, "parent")
    if child is None:
        return Check(False, "the parent has not forked yet")
    pipes = pipes_of(obs, ctx.pid("parent"), child)
    if not pipes:
        return Check(False, "the probe shows no pipe of the parent or its child (yet)")
    pipe = pipes[0]
    modes = {(e.pid, e.mode) for e in pipe.ends}
    want = {(ctx.pid("parent"), "w"), (child, "r")}
    return verdict(
        fact(modes == want, f"pipe {pipe.inode}: {ends_text(pipe.ends)}" if modes == want
             else f"pipe {pipe.inode}: {ends_text(pipe.ends)} (want the parent's write end, the child's read end)"),
        blocked_fact(pipe.blocked, child, "read", f"the child (pid {child})"),
        fact(pipe.queued == 0, f"{pipe.queued} bytes queued"),
    )


def go(ctx: LabContext) -> None:
    ctx.signal("parent", signal.SIGUSR1)
    ctx.wait_for_output("parent", "exited")


def eof(ctx: LabContext, obs: Observation) -> Check:
    child = child_of(ctx, "parent")
    left = pipes_of(obs, ctx.pid("parent"), child or 0)
    return verdict(
        printed(ctx, "parent", "child: read b'hello through the pipe\\n'"),
        printed(ctx, "parent", "child: read() returned 0: EOF"),
        printed(ctx, "parent", f"child {child} exited 0"),
        fact(not left, "the pipe is gone: every end was closed" if not left
             else f"the pipe still has ends: {ends_text(left[0].ends)}"),
    )


def eof_never(ctx: LabContext, obs: Observation) -> Check:
    child = child_of(ctx, "buggy")
    fd = write_end(ctx, "buggy")
    if child is None or fd is None:
        return Check(False, "the buggy parent has not forked yet")
    pipes = pipes_of(obs, child)
    blocked = [blocked_fact(p.blocked, child, "read", f"the child (pid {child})") for p in pipes][:1] \
        or [fact(False, "the probe shows no pipe of the child")]
    findings = [f for f in obs.findings_of("pipe-eof-never") if child in finding_pids(f)]
    hint = f"close({fd})"
    named = [f for f in findings if hint in (f.hint or "")]
    return verdict(
        printed(ctx, "buggy", "parent: wrote a line"),
        *blocked,
        fact(bool(named), f"the doctor reports pipe-eof-never: {named[0].hint}" if named
             else f"the doctor does not report pipe-eof-never naming {hint} in pid {child} (yet)"),
        fact(ctx.alive("buggy"), f"{who(ctx, 'buggy')} still waits in waitpid()"),
    )


def start_buggy(ctx: LabContext) -> None:
    if ctx.returncode("parent") != 0:
        raise LabError(f"the first parent did not finish: {ctx.output('parent')[-200:]}")
    start("buggy", "keep")(ctx)


PIPE_FORK_C = (
    "int fd[2];\n"
    "pipe(fd);                        /* fd[0]: read end, fd[1]: write end */\n"
    "pid_t pid = fork();\n"
    "if (pid == 0) {                  /* child: the reader */\n"
    "    close(fd[1]);                /* without this, read() never returns 0 */\n"
    "    char buf[64]; ssize_t n;\n"
    "    while ((n = read(fd[0], buf, sizeof buf)) > 0)\n"
    "        write(1, buf, n);\n"
    "    _exit(0);                    /* n == 0: EOF, every write end is closed */\n"
    "}\n"
    "close(fd[0]);                    /* parent: the writer */"
)

LAB = Lab(
    name="pipe-parent-child",
    title="Pipes: pipe + fork + close, and the EOF that never comes",
    goal="A parent writes to its child through a pipe and the child reads to EOF; "
         "then the child keeps its write end and waits forever.",
    kinds=("pipe",),
    steps=(
        Step(
            title="pipe, fork, close the unused ends",
            text=(
                "The parent makes a pipe and forks: both processes now hold both ends. Each closes "
                "the end it does not use: the child its write end, the parent its read end. The "
                "Channels view shows one pipe with two ends (the parent's w, the child's r); the "
                "child is blocked in read() on the empty pipe."
            ),
            c_code=PIPE_FORK_C,
            action=start("parent", "close"),
            expect=child_waits,
        ),
        Step(
            title="Write, close, EOF",
            text=(
                "The parent writes a line and closes its write end. The child reads the line; its "
                "next read() returns 0 (EOF) because no process holds a write end any more, and it "
                "exits. The parent's waitpid() returns, and the pipe is gone."
            ),
            c_code=(
                "write(fd[1], \"hello through the pipe\\n\", 23);\n"
                "close(fd[1]);                    /* the last write end: the reader sees EOF */\n"
                "waitpid(pid, &status, 0);"
            ),
            action=go,
            expect=eof,
        ),
        Step(
            title="The child keeps its write end",
            text=(
                "The same program, but the child forgets close(fd[1]). The parent writes and closes "
                "its end; the child reads the line and then blocks in read() for good: a write end is "
                "still open — its own — so the kernel cannot report EOF. The parent waits in waitpid() "
                "forever. The Findings view says why (pipe-eof-never) and which descriptor to close."
            ),
            c_code=(
                "if (pid == 0) {\n"
                "    /* close(fd[1]);   forgotten: this process is a writer too */\n"
                "    while ((n = read(fd[0], buf, sizeof buf)) > 0)   /* blocks after the line */\n"
                "        write(1, buf, n);\n"
                "    _exit(0);                    /* never reached */\n"
                "}"
            ),
            action=start_buggy,
            expect=eof_never,
        ),
    ),
)
