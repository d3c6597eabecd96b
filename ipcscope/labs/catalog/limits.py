"""limits: run into the kernel's IPC limits on purpose and read the errors."""

from __future__ import annotations

import os

from ipcscope.labs.catalog._facts import exited, fact, missing, printed, verdict, who
from ipcscope.labs.context import LabContext
from ipcscope.labs.lab import Check, Lab, Step
from ipcscope.labs.observe import Observation

QBYTES = 4096
SIZE = 1000


def fill_queue(ctx: LabContext) -> None:
    ctx.create_msg("queue", qbytes=QBYTES)
    ctx.start("filler", "msg-fill", ctx.id("queue"), SIZE)
    ctx.wait_exit("filler")


def queue_full(ctx: LabContext, obs: Observation) -> Check:
    queue = obs.msg(ctx.ident("queue"))
    if queue is None:
        return missing("the queue")
    fits = QBYTES // SIZE
    return verdict(
        fact(queue.qbytes == QBYTES, f"qbytes {queue.qbytes}"),
        fact(queue.qnum == fits and queue.cbytes == fits * SIZE,
             f"{queue.qnum} messages, cbytes {queue.cbytes}: one more {SIZE}-byte message would pass qbytes"),
        printed(ctx, "filler", "EAGAIN"),
    )


def blocking_sender(ctx: LabContext) -> None:
    ctx.start("sender", "msg-send", ctx.id("queue"), 1, SIZE)


def sender_blocked(ctx: LabContext, obs: Observation) -> Check:
    queue_id = ctx.ident("queue")
    waiting = [w for w in obs.waiters("msg", queue_id) if w.pid == ctx.pid("sender") and w.op == "msgsnd"]
    ref = ctx.ref("queue")
    findings = obs.findings_of("queue-full", ref) if ref else []
    return verdict(
        fact(bool(waiting),
             f"{who(ctx, 'sender')} waits in msgsnd" if waiting else "the sender is not waiting in msgsnd"),
        fact(bool(findings),
             "the doctor reports queue-full" if findings else "the doctor does not report queue-full (yet)"),
    )


def too_big(ctx: LabContext) -> None:
    ctx.start("too-big", "msg-send", ctx.id("queue"), 1, "msgmax+1")
    ctx.wait_exit("too-big")


def einval(ctx: LabContext, obs: Observation) -> Check:
    return verdict(exited(ctx, "too-big", 1), printed(ctx, "too-big", "EINVAL"))


def semaphore_limits(ctx: LabContext) -> None:
    ctx.create_sem("set", [0])
    unused = ctx.plan_key("never-created", "sem")
    ctx.start("sem-limits", "sem-limits", ctx.id("set"), unused)
    ctx.wait_exit("sem-limits")


SEMAPHORE_ERRORS = (
    ("semget(", "EINVAL", "a set of SEMMSL+1 semaphores"),
    ("SEMOPM", "E2BIG", "SEMOPM+1 operations in one semop"),
    ("SEMVMX", "ERANGE", "a value past SEMVMX"),
)


def semaphore_errors(ctx: LabContext, obs: Observation) -> Check:
    lines = ctx.output("sem-limits").splitlines()
    facts = []
    for marker, errno_name, what in SEMAPHORE_ERRORS:
        line = next((text for text in lines if marker in text), "")
        ok = f": {errno_name}:" in line
        facts.append(fact(ok, f"{what}: {errno_name}" if ok else f"{what}: no {errno_name} ({line or 'not tried'})"))
    return verdict(exited(ctx, "sem-limits"), *facts)


def enospc(ctx: LabContext) -> None:
    ctx.start("namespace", "enospc-namespace")
    ctx.wait_exit("namespace")


def enospc_seen(ctx: LabContext, obs: Observation) -> Check:
    if os.geteuid() != 0:
        return verdict(exited(ctx, "namespace"), fact(True, "skipped: a private IPC namespace needs root"))
    return verdict(exited(ctx, "namespace"), printed(ctx, "namespace", "ENOSPC"))


LAB = Lab(
    name="limits",
    title="Limits: EAGAIN, EINVAL, E2BIG, ERANGE, ENOSPC",
    goal="Fill a queue to qbytes, exceed SEMMSL/SEMOPM/SEMVMX and MSGMNI, and read each error.",
    kinds=("msg", "sem"),
    steps=(
        Step(
            title="Fill a queue to qbytes: EAGAIN",
            text=(
                "A queue's capacity is counted in bytes, not messages: msg_qbytes (default MSGMNB, "
                "16384 here). The lab lowers it to 4096 (an owner may lower it; raising it above "
                "MSGMNB needs CAP_SYS_RESOURCE). A sender with IPC_NOWAIT fits four 1000-byte "
                "messages; the fifth fails with EAGAIN. Watch cbytes/qbytes in the fill bar."
            ),
            c_code=(
                "int msqid = msgget(key, IPC_CREAT | IPC_EXCL | 0600);\n"
                "struct msqid_ds ds;\n"
                "msgctl(msqid, IPC_STAT, &ds);\n"
                "ds.msg_qbytes = 4096;\n"
                "msgctl(msqid, IPC_SET, &ds);\n"
                "while (msgsnd(msqid, &msg, 1000, IPC_NOWAIT) == 0)\n"
                "    ;\n"
                "/* errno == EAGAIN: the message would pass msg_qbytes */"
            ),
            action=fill_queue,
            expect=queue_full,
            focus="queue",
        ),
        Step(
            title="Without IPC_NOWAIT the sender waits",
            text=(
                "The same msgsnd without IPC_NOWAIT blocks until a receiver makes room. The "
                "queue's Waiters show the sender in msgsnd; the Findings view reports queue-full."
            ),
            c_code="msgsnd(msqid, &msg, 1000, 0);   /* blocks: the queue is full */",
            action=blocking_sender,
            expect=sender_blocked,
            focus="queue",
        ),
        Step(
            title="One message larger than MSGMAX: EINVAL",
            text=(
                "No single message may exceed MSGMAX bytes (/proc/sys/kernel/msgmax, 8192 by "
                "default). That is checked before anything else, so this msgsnd fails with EINVAL "
                "at once, full queue or not."
            ),
            c_code="msgsnd(msqid, &msg, MSGMAX + 1, 0);   /* errno == EINVAL */",
            action=too_big,
            expect=einval,
            focus="queue",
        ),
        Step(
            title="Semaphore limits: EINVAL, E2BIG, ERANGE",
            text=(
                "/proc/sys/kernel/sem holds SEMMSL (semaphores per set), SEMMNS (in all sets), "
                "SEMOPM (operations per semop call) and SEMMNI (sets). Asking for a set of SEMMSL+1 "
                "semaphores gives EINVAL; a semop with SEMOPM+1 operations gives E2BIG; an "
                "operation that would take a value above SEMVMX (32767) gives ERANGE."
            ),
            c_code=(
                "semget(key, SEMMSL + 1, IPC_CREAT | 0600);   /* EINVAL */\n"
                "semop(semid, ops, SEMOPM + 1);               /* E2BIG */\n"
                "semctl(semid, 0, SETVAL, 32767);             /* SEMVMX: the largest value */\n"
                "struct sembuf up = {0, +1, 0};\n"
                "semop(semid, &up, 1);                        /* ERANGE */"
            ),
            action=semaphore_limits,
            expect=semaphore_errors,
            focus="set",
        ),
        Step(
            title="Out of queue ids: ENOSPC",
            text=(
                "ENOSPC means a system-wide table is full: MSGMNI queues, SEMMNI sets or SEMMNS "
                "semaphores, SHMMNI segments or SHMALL pages. To show it without filling this "
                "system's tables, a root worker enters a new, empty IPC namespace, sets MSGMNI to "
                "1 there and creates two queues: the second msgget fails with ENOSPC. The namespace "
                "vanishes with the worker (and is not visible here)."
            ),
            c_code=(
                "unshare(CLONE_NEWIPC);                        /* root: a private IPC namespace */\n"
                "write_file(\"/proc/sys/kernel/msgmni\", \"1\");\n"
                "msgget(0x1234, IPC_CREAT | IPC_EXCL | 0600); /* ok */\n"
                "msgget(0x1235, IPC_CREAT | IPC_EXCL | 0600); /* ENOSPC */"
            ),
            action=enospc,
            expect=enospc_seen,
        ),
    ),
)
