"""message-types: one queue, many conversations, told apart by the message type."""

from __future__ import annotations

from ipcscope.labs.catalog._facts import exited, fact, missing, printed, verdict, who
from ipcscope.labs.context import LabContext
from ipcscope.labs.lab import Check, Lab, Step
from ipcscope.labs.observe import Observation

MIXED = (3, 1, 2, 5, 1)
#: (process label, msgtyp, mode, the type it gets from the queue 3,1,2,5,1)
RECEIVES = (
    ("recv-0", 0, "", 3),
    ("recv-2", 2, "", 2),
    ("recv-minus-2", -2, "", 1),
    ("recv-except-1", 1, "except", 5),
)


def queued_types(ctx: LabContext, obs: Observation) -> tuple[int, ...] | None:
    """The queue's message types in order: from the snapshot's peek, else a MSG_COPY peek here."""
    queue = obs.msg(ctx.ident("queue"))
    if queue is None:
        return None
    if queue.queued_types is not None:
        return queue.queued_types
    from ipcscope.core import msg

    return tuple(message.mtype for message in msg.peek_all(queue.id))


def start_server(ctx: LabContext) -> None:
    key = ctx.plan_key("queue", "msg")
    ctx.start("server", "msg-server", key)


def server_waits_for_type_1(ctx: LabContext, obs: Observation) -> Check:
    queue_id = ctx.ident("queue")
    if obs.msg(queue_id) is None:
        return missing("the server's queue")
    waits = [w for w in obs.waiters("msg", queue_id) if w.pid == ctx.pid("server")]
    return verdict(
        fact(bool(waits), f"{who(ctx, 'server')} waits in msgrcv" if waits else "the server is not waiting in msgrcv"),
        fact(bool(waits) and waits[0].msgtyp == 1,
             f"for type {waits[0].msgtyp if waits else '?'}" + ("" if waits and waits[0].msgtyp == 1 else " (want 1)")),
    )


def start_clients(ctx: LabContext) -> None:
    ctx.start("client-1", "msg-client", ctx.key("queue"), "ping")
    ctx.start("client-2", "msg-client", ctx.key("queue"), "pong")


def clients_answered(ctx: LabContext, obs: Observation) -> Check:
    queue = obs.msg(ctx.ident("queue"))
    if queue is None:
        return missing("the queue")
    return verdict(
        exited(ctx, "client-1"),
        printed(ctx, "client-1", f"reply (type {ctx.pid('client-1')}): HELLO PING"),
        exited(ctx, "client-2"),
        printed(ctx, "client-2", f"reply (type {ctx.pid('client-2')}): HELLO PONG"),
        fact(queue.qnum == 0, f"qnum {queue.qnum}" + ("" if queue.qnum == 0 else " (want 0)")),
        server_waits_for_type_1(ctx, obs),
    )


def fill_mixed(ctx: LabContext) -> None:
    ctx.terminate("server")
    ctx.start("sender", "msg-send-types", ctx.id("queue"), ",".join(map(str, MIXED)))
    ctx.wait_exit("sender")


def mixed_queued(ctx: LabContext, obs: Observation) -> Check:
    types = queued_types(ctx, obs)
    if types is None:
        return missing("the queue")
    return verdict(
        exited(ctx, "server"),
        fact(types == MIXED, f"queue order {list(types)}" + ("" if types == MIXED else f" (want {list(MIXED)})")),
    )


def receive_by_type(ctx: LabContext) -> None:
    for label, msgtyp, mode, _ in RECEIVES:
        ctx.start(label, "msg-recv", ctx.id("queue"), msgtyp, mode)
        ctx.wait_exit(label)


def received_by_type(ctx: LabContext, obs: Observation) -> Check:
    types = queued_types(ctx, obs)
    facts = [printed(ctx, label, f"got type {want}") for label, _, _, want in RECEIVES]
    want = "" if types == (1,) else " (want [1])"
    facts.append(fact(types == (1,), f"left in the queue: {list(types or ())}{want}"))
    return verdict(*facts)


def start_type_7_receiver(ctx: LabContext) -> None:
    ctx.start("recv-7", "msg-recv", ctx.id("queue"), 7)


def receiver_unmatched(ctx: LabContext, obs: Observation) -> Check:
    queue_id = ctx.ident("queue")
    waits = [w for w in obs.waiters("msg", queue_id) if w.pid == ctx.pid("recv-7")]
    ref = ctx.ref("queue")
    findings = obs.findings_of("unmatched-receiver", ref) if ref else []
    return verdict(
        fact(bool(waits) and waits[0].msgtyp == 7,
             f"{who(ctx, 'recv-7')} waits in msgrcv for type 7" if waits else "recv-7 is not waiting in msgrcv"),
        fact(bool(findings), "the doctor reports unmatched-receiver" if findings
             else "the doctor does not report unmatched-receiver (yet)"),
    )


def send_type_7(ctx: LabContext) -> None:
    ctx.start("sender-7", "msg-send-types", ctx.id("queue"), "7")
    ctx.wait_exit("sender-7")


def receiver_served(ctx: LabContext, obs: Observation) -> Check:
    types = queued_types(ctx, obs)
    return verdict(
        exited(ctx, "recv-7"),
        printed(ctx, "recv-7", "got type 7"),
        fact(types == (1,), f"left in the queue: {list(types or ())}"),
    )


LAB = Lab(
    name="message-types",
    title="Message queues: types route the messages",
    goal="A server reads type 1, replies typed by each client's pid; receive by type 0, >0, <0, MSG_EXCEPT.",
    kinds=("msg",),
    steps=(
        Step(
            title="A server waits for requests (type 1)",
            text=(
                "The server creates a queue and calls msgrcv for type 1 only: requests. The queue "
                "is empty, so it blocks; select the queue and look at its Waiters: the server, in "
                "msgrcv, wanting type 1."
            ),
            c_code=(
                "int msqid = msgget(key, IPC_CREAT | 0600);\n"
                "struct { long mtype; char text[128]; } req, rep;\n"
                "for (;;) {\n"
                "    msgrcv(msqid, &req, sizeof req.text, 1, 0);      /* requests only */\n"
                "    rep.mtype = client_pid_from(req.text);           /* reply to that client */\n"
                "    msgsnd(msqid, &rep, strlen(rep.text) + 1, 0);\n"
                "}"
            ),
            action=start_server,
            expect=server_waits_for_type_1,
            focus="queue",
        ),
        Step(
            title="Two clients, one queue",
            text=(
                "Each client sends a type-1 request carrying its pid, then waits for a message of "
                "type = its own pid. Both share one queue, yet each gets only its own reply: the "
                "type is the address. lspid/lrpid show the last sender and receiver."
            ),
            c_code=(
                "req.mtype = 1;\n"
                "snprintf(req.text, sizeof req.text, \"%d:ping\", getpid());\n"
                "msgsnd(msqid, &req, strlen(req.text) + 1, 0);\n"
                "msgrcv(msqid, &rep, sizeof rep.text, getpid(), 0);   /* only my reply */"
            ),
            action=start_clients,
            expect=clients_answered,
            focus="queue",
        ),
        Step(
            title="Five messages of mixed types",
            text=(
                "The server is stopped and a sender queues types 3, 1, 2, 5, 1 in that order. "
                "The detail pane peeks at them without consuming (msgrcv with MSG_COPY): the "
                "queue keeps arrival order, whatever the types."
            ),
            c_code=(
                "long types[] = {3, 1, 2, 5, 1};\n"
                "for (int i = 0; i < 5; i++) {\n"
                "    msg.mtype = types[i];\n"
                "    msgsnd(msqid, &msg, len, 0);\n"
                "}\n"
                "/* peek at message i without taking it (what ipcscope does): */\n"
                "msgrcv(msqid, &msg, size, i, MSG_COPY | IPC_NOWAIT | MSG_NOERROR);"
            ),
            action=fill_mixed,
            expect=mixed_queued,
            focus="queue",
        ),
        Step(
            title="Receive by type: 0, >0, <0 and MSG_EXCEPT",
            text=(
                "Four receivers, one after the other, on the queue 3,1,2,5,1:\n"
                "  msgtyp 0 takes the first message, whatever its type: 3.\n"
                "  msgtyp 2 takes the first message of type 2: 2.\n"
                "  msgtyp -2 takes the first message of the lowest type <= 2: 1.\n"
                "  msgtyp 1 with MSG_EXCEPT takes the first message NOT of type 1: 5.\n"
                "One type-1 message is left."
            ),
            c_code=(
                "msgrcv(msqid, &msg, size,  0, 0);            /* -> type 3 */\n"
                "msgrcv(msqid, &msg, size,  2, 0);            /* -> type 2 */\n"
                "msgrcv(msqid, &msg, size, -2, 0);            /* -> type 1 */\n"
                "msgrcv(msqid, &msg, size,  1, MSG_EXCEPT);   /* -> type 5 */"
            ),
            action=receive_by_type,
            expect=received_by_type,
            focus="queue",
        ),
        Step(
            title="A receiver for a type nobody sends",
            text=(
                "A receiver asks for type 7. The queue is not empty (one type-1 message), but "
                "nothing matches, so it blocks. The Findings view says why: unmatched-receiver, "
                "the wanted type compared with the types peeked in the queue."
            ),
            c_code="msgrcv(msqid, &msg, size, 7, 0);   /* blocks: no type 7 queued */",
            action=start_type_7_receiver,
            expect=receiver_unmatched,
            focus="queue",
        ),
        Step(
            title="Send type 7",
            text="A message of type 7 arrives and the waiting receiver takes it at once and exits.",
            c_code="msg.mtype = 7;\nmsgsnd(msqid, &msg, len, 0);",
            action=send_type_7,
            expect=receiver_served,
            focus="queue",
        ),
    ),
)
