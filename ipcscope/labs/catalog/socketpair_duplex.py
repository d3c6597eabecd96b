"""socketpair-duplex: a full-duplex stream pipe between a parent and its child."""

from __future__ import annotations

import signal

from ipcscope.labs.catalog._channels import unix_of
from ipcscope.labs.catalog._facts import fact, last_number, printed, verdict
from ipcscope.labs.context import LabContext
from ipcscope.labs.lab import Check, Lab, Step
from ipcscope.labs.observe import Observation
from ipcscope.model import UnixSocket


def the_pair(ctx: LabContext, obs: Observation) -> tuple[int | None, UnixSocket | None, UnixSocket | None]:
    """(child pid, the parent's end, the child's end) as the probe sees them."""
    child = last_number(ctx, "parent", r"forked child (\d+)")
    parent_end = next((s for s in unix_of(obs, ctx.pid("parent")) if s.name is None and s.peer), None)
    child_end = next((s for s in unix_of(obs, child) if s.name is None and s.peer), None) if child else None
    return child, parent_end, child_end


def start(ctx: LabContext) -> None:
    ctx.start("parent", "socketpair-fork")
    ctx.wait_for_output("parent", "child: close(")
    ctx.wait_for_output("parent", "parent: close(")


def both_wrote(ctx: LabContext, obs: Observation) -> Check:
    child, mine, theirs = the_pair(ctx, obs)
    if child is None or mine is None or theirs is None:
        return Check(False, "the probe does not show the pair's two ends (yet)")
    return verdict(
        fact(mine.peer == theirs.inode and theirs.peer == mine.inode,
             f"unix {mine.inode} (parent) <-> unix {theirs.inode} (child {child}), no path"),
        fact(mine.type == "stream", f"a {mine.type} pair"),
        fact((mine.queued or 0) > 0, f"{mine.queued} bytes wait at the parent's end (from the child)"),
        fact((theirs.queued or 0) > 0, f"{theirs.queued} bytes wait at the child's end (from the parent)"),
    )


def go(ctx: LabContext) -> None:
    ctx.signal("parent", signal.SIGUSR1)
    ctx.wait_for_output("parent", "exited")


def both_read(ctx: LabContext, obs: Observation) -> Check:
    return verdict(
        printed(ctx, "parent", "parent: read b'hello from the child\\n'"),
        printed(ctx, "parent", "child: read b'hello from the parent\\n'"),
        printed(ctx, "parent", "exited 0"),
    )


LAB = Lab(
    name="socketpair-duplex",
    title="socketpair: a full-duplex stream pipe",
    goal="socketpair gives two connected ends; after fork, parent and child both write and both read.",
    kinds=("unix",),
    steps=(
        Step(
            title="socketpair, fork, and both write",
            text=(
                "socketpair() returns two connected UNIX stream sockets, with no path. After fork, "
                "the parent keeps sv[0] and the child sv[1]. Unlike a pipe, each end can write and "
                "read: both write a line before either reads, and the Channels view shows bytes "
                "queued at both ends at once — one stream in each direction."
            ),
            c_code=(
                "int sv[2];\n"
                "socketpair(AF_UNIX, SOCK_STREAM, 0, sv);\n"
                "if (fork() == 0) {                /* child */\n"
                "    close(sv[0]);\n"
                "    write(sv[1], \"hello from the child\\n\", 21);\n"
                "} else {                          /* parent */\n"
                "    close(sv[1]);\n"
                "    write(sv[0], \"hello from the parent\\n\", 22);\n"
                "}"
            ),
            action=start,
            expect=both_wrote,
        ),
        Step(
            title="Both read",
            text="Each reads what the other wrote: the same descriptor carries both directions.",
            c_code=(
                "n = read(sv[1], buf, sizeof buf);   /* child: the parent's line */\n"
                "n = read(sv[0], buf, sizeof buf);   /* parent: the child's line */\n"
                "wait(NULL);"
            ),
            action=go,
            expect=both_read,
        ),
    ),
)
