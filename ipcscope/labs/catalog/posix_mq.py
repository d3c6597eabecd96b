"""posix-mq: a POSIX queue between a parent and its child, delivered by priority."""

from __future__ import annotations

import signal

from ipcscope.labs.catalog._facts import fact, missing, printed, running, verdict, who
from ipcscope.labs.context import LabContext
from ipcscope.labs.lab import Check, Lab, Step
from ipcscope.labs.observe import Observation

#: the order the parent must receive the child's messages in: by priority, FIFO within one
EXPECTED_ORDER = ("urgent", "urgent too", "normal", "low", "bulk")
MAXMSG = 8


def curmsgs(ctx: LabContext, obs: Observation) -> int | None:
    """Messages in the queue: from the snapshot, else from mq_getattr (when queues are not listed)."""
    queue = obs.pmq(ctx.name("queue"))
    if queue is not None and queue.curmsgs is not None:
        return queue.curmsgs
    from ipcscope.core import posix_mq
    from ipcscope.core.errors import IpcError

    try:
        mqd = posix_mq.open(ctx.name("queue"), readonly=True, nonblock=True)
    except IpcError:
        return None
    try:
        return posix_mq.getattr(mqd).curmsgs
    finally:
        posix_mq.close(mqd)


def received_order(ctx: LabContext) -> list[str]:
    return [line.split("received ", 1)[1].rsplit(" priority", 1)[0].strip("'\"")
            for line in ctx.output("parent").splitlines() if "received " in line]


def start_parent(ctx: LabContext) -> None:
    name = ctx.plan_name("queue", "pmq")
    ctx.start("parent", "pmq-parent", name)


def five_queued(ctx: LabContext, obs: Observation) -> Check:
    count = curmsgs(ctx, obs)
    if count is None:
        return missing("the queue")
    return verdict(printed(ctx, "parent", "waiting for the go signal"),
                   fact(count == 5, f"curmsgs {count}" + ("" if count == 5 else " (want 5)")))


def go(ctx: LabContext) -> None:
    ctx.wait_for_output("parent", "waiting for the go signal")
    ctx.signal("parent", signal.SIGUSR1)


def by_priority(ctx: LabContext, obs: Observation) -> Check:
    order = tuple(received_order(ctx))
    waiting = ctx.pid("parent") in obs.waiting_pids("pmq", ctx.name("queue"))
    return verdict(
        fact(order[:5] == EXPECTED_ORDER, f"received in order {list(order)}"
             + ("" if order[:5] == EXPECTED_ORDER else f" (want {list(EXPECTED_ORDER)})")),
        fact(curmsgs(ctx, obs) == 0, "the queue is empty"),
        fact(waiting,
             f"{who(ctx, 'parent')} waits in mq_receive" if waiting else "the parent is not waiting in mq_receive"),
    )


def send_one(ctx: LabContext) -> None:
    ctx.start("sender", "pmq-send", ctx.name("queue"), 3, "one more")
    ctx.wait_exit("sender")


def got_one_more(ctx: LabContext, obs: Observation) -> Check:
    return verdict(running(ctx, "parent"), printed(ctx, "parent", "received 'one more' priority 3"))


def fill(ctx: LabContext) -> None:
    ctx.terminate("parent")
    ctx.start("filler", "pmq-fill", ctx.name("queue"))
    ctx.wait_exit("filler")


def full(ctx: LabContext, obs: Observation) -> Check:
    count = curmsgs(ctx, obs)
    return verdict(
        fact(count == MAXMSG,
             f"curmsgs {count} = mq_maxmsg" if count == MAXMSG else f"curmsgs {count} (want {MAXMSG})"),
        printed(ctx, "filler", "EAGAIN"),
    )


LAB = Lab(
    name="posix-mq",
    title="POSIX message queues: priorities",
    goal="A child sends five messages with priorities; the parent receives them highest priority first.",
    kinds=("pmq",),
    steps=(
        Step(
            title="The child sends five messages",
            text=(
                "The parent creates a queue (at most 8 messages of 64 bytes) and forks. The child "
                "sends low (1), urgent (9), normal (5), urgent too (9) and bulk (0), then exits. "
                "The parent has not read anything yet: the POSIX queues view shows 5 messages "
                "(curmsgs) and their bytes (QSIZE)."
            ),
            c_code=(
                "struct mq_attr attr = {.mq_maxmsg = 8, .mq_msgsize = 64};\n"
                "mqd_t mq = mq_open(name, O_CREAT | O_EXCL | O_RDWR, 0600, &attr);\n"
                "if (fork() == 0) {                       /* child */\n"
                "    mq_send(mq, \"low\", 3, 1);\n"
                "    mq_send(mq, \"urgent\", 6, 9);\n"
                "    mq_send(mq, \"normal\", 6, 5);\n"
                "    mq_send(mq, \"urgent too\", 10, 9);\n"
                "    mq_send(mq, \"bulk\", 4, 0);\n"
                "    _exit(0);\n"
                "}\n"
                "wait(NULL);"
            ),
            action=start_parent,
            expect=five_queued,
            focus="queue",
        ),
        Step(
            title="The parent receives by priority",
            text=(
                "mq_receive always returns the oldest message of the highest priority: urgent, "
                "urgent too, normal, low, bulk, not the order they were sent. Then the queue is "
                "empty and the parent blocks in mq_receive: see it in the queue's Waiters."
            ),
            c_code=(
                "char buf[64]; unsigned prio;\n"
                "for (;;) {\n"
                "    ssize_t n = mq_receive(mq, buf, sizeof buf, &prio);\n"
                "    printf(\"received '%.*s' priority %u\\n\", (int)n, buf, prio);\n"
                "}"
            ),
            action=go,
            expect=by_priority,
            focus="queue",
        ),
        Step(
            title="One more",
            text="Another process opens the queue by name and sends one message; the waiting parent gets it at once.",
            c_code="mqd_t mq = mq_open(name, O_WRONLY);\nmq_send(mq, \"one more\", 8, 3);\nmq_close(mq);",
            action=send_one,
            expect=got_one_more,
            focus="queue",
        ),
        Step(
            title="Fill it: EAGAIN",
            text=(
                "With the parent gone, a sender opens the queue with O_NONBLOCK and sends until "
                "the queue holds mq_maxmsg (8) messages: the next mq_send fails with EAGAIN instead "
                "of blocking. Without O_NONBLOCK it would wait for room."
            ),
            c_code=(
                "mqd_t mq = mq_open(name, O_WRONLY | O_NONBLOCK);\n"
                "while (mq_send(mq, msg, len, 0) == 0)\n"
                "    ;\n"
                "/* errno == EAGAIN: the queue is full */"
            ),
            action=fill,
            expect=full,
            focus="queue",
        ),
    ),
)
