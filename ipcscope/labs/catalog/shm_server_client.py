"""shm-server-client: the textbook pair of programs around the 27-byte segment with key 5678."""

from __future__ import annotations

from ipcscope.labs.catalog._facts import exited, fact, missing, printed, verdict, who
from ipcscope.labs.context import LabContext
from ipcscope.labs.lab import Check, Lab, Step
from ipcscope.labs.observe import Observation

KEY = 5678


def start_server(ctx: LabContext) -> None:
    key = ctx.plan_key("segment", "shm", fixed=KEY)
    ctx.start("server", "shm-server", key, ctx.pace(1.0, 0.05))


def server_waiting(ctx: LabContext, obs: Observation) -> Check:
    segment = obs.shm(ctx.ident("segment"))
    if segment is None:
        return missing("the segment with key 5678")
    server = ctx.pid("server")
    return verdict(
        fact(segment.size == 27, f"size {segment.size}" + ("" if segment.size == 27 else " (want 27)")),
        fact(segment.nattch == 1, f"nattch {segment.nattch}" + ("" if segment.nattch == 1 else " (want 1)")),
        fact(segment.cpid == server, f"cpid {segment.cpid} = {who(ctx, 'server')}"
             if segment.cpid == server else f"cpid {segment.cpid} (want the server, {server})"),
        printed(ctx, "server", "waiting for a '*'"),
    )


def start_client(ctx: LabContext) -> None:
    ctx.start("client", "shm-client", ctx.key("segment"))


def both_done(ctx: LabContext, obs: Observation) -> Check:
    segment = obs.shm(ctx.ident("segment"))
    if segment is None:
        return missing("the segment")
    server = ctx.pid("server")
    return verdict(
        exited(ctx, "client"),
        printed(ctx, "client", "read: abcdefghijklmnopqrstuvwxyz"),
        exited(ctx, "server"),
        fact(segment.nattch == 0, f"nattch {segment.nattch}" + ("" if segment.nattch == 0 else " (want 0)")),
        fact(segment.lpid == server, f"lpid {segment.lpid} = the server, the last to detach"
             if segment.lpid == server else f"lpid {segment.lpid} (want the server, {server})"),
        fact(segment.dtime is not None, "dtime is set" if segment.dtime else "dtime is not set"),
    )


def orphaned(ctx: LabContext, obs: Observation) -> Check:
    ref = ctx.ref("segment")
    segment = obs.shm(ctx.ident("segment"))
    if segment is None or ref is None:
        return missing("the segment")
    findings = obs.findings_of("orphan-shm", ref)
    return verdict(
        fact(segment.nattch == 0, f"the segment is still there with nattch {segment.nattch}"),
        fact(bool(findings), "the doctor reports orphan-shm for it" if findings
             else "the doctor does not report orphan-shm for it (yet)"),
    )


def remove_segment(ctx: LabContext) -> None:
    ctx.remove("segment")


def removed(ctx: LabContext, obs: Observation) -> Check:
    left = [seg for seg in obs.snapshot.shm if seg.key == KEY]
    return verdict(fact(not left, "no segment has key 5678 any more" if not left
                        else f"segment {left[0].id} still has key 5678"))


LAB = Lab(
    name="shm-server-client",
    title="Shared memory: the classic server and client",
    goal="A server writes a..z into segment 5678 and waits for '*'; a client prints it and answers.",
    kinds=("shm",),
    steps=(
        Step(
            title="The server creates the segment and waits",
            text=(
                "The server asks the kernel for a 27-byte segment with key 5678 (0x0000162e), "
                "attaches it, writes the letters a..z and a NUL, and then checks the first byte "
                "every second. In the shared memory view: key 0x0000162e, size 27, nattch 1 (the "
                "server's attachment), cpid and lpid = the server. Open the segment's hex view: "
                "61 62 63 ... 7a 00. (The textbook uses mode 0666 and no IPC_EXCL; the lab uses "
                "0600 and IPC_EXCL so it never opens someone else's segment.)"
            ),
            c_code=(
                "#define SHMSZ 27\n"
                "key_t key = 5678;\n"
                "int shmid = shmget(key, SHMSZ, IPC_CREAT | IPC_EXCL | 0600);\n"
                "char *shm = shmat(shmid, NULL, 0);\n"
                "char *s = shm;\n"
                "for (char c = 'a'; c <= 'z'; c++)\n"
                "    *s++ = c;\n"
                "*s = '\\0';\n"
                "while (*shm != '*')\n"
                "    sleep(1);"
            ),
            action=start_server,
            expect=server_waiting,
            focus="segment",
        ),
        Step(
            title="The client reads it and answers with '*'",
            text=(
                "The client finds the segment by its key (shmget without IPC_CREAT), attaches it "
                "(nattch goes to 2 for a moment), prints the string and writes '*' into the first "
                "byte. Within a second the server sees the '*', detaches and exits. Watch nattch "
                "fall to 0, lpid change to the last process that detached, and dtime being set."
            ),
            c_code=(
                "int shmid = shmget(5678, SHMSZ, 0);   /* find it, do not create */\n"
                "char *shm = shmat(shmid, NULL, 0);\n"
                "for (char *s = shm; *s != '\\0'; s++)\n"
                "    putchar(*s);\n"
                "putchar('\\n');\n"
                "*shm = '*';\n"
                "shmdt(shm);"
            ),
            action=start_client,
            expect=both_done,
            focus="segment",
        ),
        Step(
            title="Nobody removed it",
            text=(
                "Both programs have exited, but the segment is still there: System V objects live "
                "until someone removes them (or the machine reboots). nattch is 0 and both its "
                "creator and its last user are dead, so the Findings view reports it as "
                "orphan-shm. The classic example forgets shmctl(IPC_RMID); so do many real programs."
            ),
            c_code="/* neither program calls: */\nshmctl(shmid, IPC_RMID, NULL);",
            expect=orphaned,
            focus="segment",
        ),
        Step(
            title="Remove it",
            text=(
                "The lab now does what the server should have done before exiting: IPC_RMID. "
                "The row disappears. From a shell: `ipcrm -m ID` or `ipcscope rm shm ID`. Had a "
                "process still been attached, the segment would only be marked 'dest' (key 0) "
                "and freed at the last detach."
            ),
            c_code="shmctl(shmid, IPC_RMID, NULL);",
            action=remove_segment,
            expect=removed,
        ),
    ),
)
