"""deadlock: two processes take two locks in opposite order; then the fix, a global lock order."""

from __future__ import annotations

import signal

from ipcscope.labs.catalog._facts import exited, fact, missing, printed, verdict, who
from ipcscope.labs.context import LabContext
from ipcscope.labs.lab import Check, Lab, Step
from ipcscope.labs.observe import Observation, finding_pids


def holds(ctx: LabContext, obs: Observation, label: str, num: int) -> tuple[bool, str]:
    semset = obs.sem(ctx.ident("locks"))
    if semset is None or not semset.semaphores:
        return fact(False, "the set is not readable")
    sem = semset.semaphores[num]
    pid = ctx.pid(label)
    ok = sem.value == 0 and sem.pid == pid
    return fact(ok, f"semaphore {num} = 0, taken by {who(ctx, label)}" if ok
                else f"semaphore {num} = {sem.value}, sempid {sem.pid} (want 0, taken by {who(ctx, label)})")


def waits_for(ctx: LabContext, obs: Observation, label: str, num: int) -> tuple[bool, str]:
    pid = ctx.pid(label)
    on = [w for w in obs.waiters("sem", ctx.ident("locks"))
          if w.pid == pid and (w.blocked_on == num or (w.blocked_on is None and w.ops and w.ops[0].num == num))]
    return fact(bool(on), f"{who(ctx, label)} waits for semaphore {num}" if on
                else f"{label} is not waiting for semaphore {num}")


def deadlock_findings(ctx: LabContext, obs: Observation) -> list:
    ref = ctx.ref("locks")
    return obs.findings_of("deadlock", ref) if ref else []


# ---- steps


def p_takes_0(ctx: LabContext) -> None:
    ctx.create_sem("locks", [1, 1])
    ctx.start("P", "sem-two-locks", ctx.id("locks"), 0, 1)


def p_holds_0(ctx: LabContext, obs: Observation) -> Check:
    if obs.sem(ctx.ident("locks")) is None:
        return missing("the set")
    return verdict(printed(ctx, "P", "locked semaphore 0"), holds(ctx, obs, "P", 0))


def q_takes_1(ctx: LabContext) -> None:
    ctx.wait_for_output("P", "locked semaphore 0")
    ctx.start("Q", "sem-two-locks", ctx.id("locks"), 1, 0)


def q_holds_1(ctx: LabContext, obs: Observation) -> Check:
    return verdict(printed(ctx, "Q", "locked semaphore 1"), holds(ctx, obs, "P", 0), holds(ctx, obs, "Q", 1))


def go(ctx: LabContext) -> None:
    ctx.wait_for_output("Q", "locked semaphore 1")
    ctx.signal("P", signal.SIGUSR1)
    ctx.signal("Q", signal.SIGUSR1)


def deadlocked(ctx: LabContext, obs: Observation) -> Check:
    findings = deadlock_findings(ctx, obs)
    both = {ctx.pid("P"), ctx.pid("Q")}
    named = [f for f in findings if both <= finding_pids(f)]
    return verdict(
        waits_for(ctx, obs, "P", 1),
        waits_for(ctx, obs, "Q", 0),
        fact(bool(named), "the doctor reports a deadlock naming P and Q" if named
             else "the doctor does not report the P-Q deadlock (yet)"),
    )


def fix_order(ctx: LabContext) -> None:
    ctx.kill_together("P", "Q")  # SEM_UNDO gives back what each held
    ctx.start("P2", "sem-two-locks", ctx.id("locks"), 0, 1)
    ctx.wait_for_output("P2", "locked semaphore 0")
    ctx.start("Q2", "sem-two-locks", ctx.id("locks"), 0, 1)


def ordered_wait(ctx: LabContext, obs: Observation) -> Check:
    findings = deadlock_findings(ctx, obs)
    return verdict(
        exited(ctx, "P", -signal.SIGKILL),
        exited(ctx, "Q", -signal.SIGKILL),
        holds(ctx, obs, "P2", 0),
        waits_for(ctx, obs, "Q2", 0),
        fact(not findings, "no deadlock: Q2 waits, but for a process that waits for nobody"
             if not findings else "the doctor still reports a deadlock"),
    )


def go_again(ctx: LabContext) -> None:
    ctx.signal("P2", signal.SIGUSR1)
    ctx.signal("Q2", signal.SIGUSR1)


def both_finished(ctx: LabContext, obs: Observation) -> Check:
    semset = obs.sem(ctx.ident("locks"))
    now = [s.value for s in semset.semaphores] if semset and semset.semaphores else None
    return verdict(
        exited(ctx, "P2"), printed(ctx, "P2", "released both"),
        exited(ctx, "Q2"), printed(ctx, "Q2", "released both"),
        fact(now == [1, 1], f"values {now}" + ("" if now == [1, 1] else " (want [1, 1])")),
    )


TWO_LOCKS_C = (
    "void worker(int first, int second) {\n"
    "    struct sembuf take1 = {first, -1, SEM_UNDO}, take2 = {second, -1, SEM_UNDO};\n"
    "    semop(semid, &take1, 1);\n"
    "    sigwaitinfo(&go, NULL);            /* the lab's \"go\": SIGUSR1 */\n"
    "    semop(semid, &take2, 1);\n"
    "    /* ... work ..., then release both */\n"
    "}\n"
)

LAB = Lab(
    name="deadlock",
    title="Semaphores: a deadlock and its fix",
    goal="P takes lock 0 then 1, Q takes 1 then 0: both wait forever; the doctor names the cycle.",
    kinds=("sem",),
    steps=(
        Step(
            title="P takes lock 0",
            text=(
                "A set of two semaphores, both 1: two locks. P takes lock 0 and waits for the go "
                "signal before it takes lock 1. Semaphore 0 is 0, sempid = P."
            ),
            c_code="int semid = semget(key, 2, IPC_CREAT | IPC_EXCL | 0600);\n"
                   "unsigned short init[] = {1, 1};\nsemctl(semid, 0, SETALL, init);\n"
                   + TWO_LOCKS_C + "worker(0, 1);   /* P */",
            action=p_takes_0,
            expect=p_holds_0,
            focus="locks",
        ),
        Step(
            title="Q takes lock 1",
            text="Q runs the same code with the locks the other way round: it takes lock 1 first.",
            c_code="worker(1, 0);   /* Q: the opposite order */",
            action=q_takes_1,
            expect=q_holds_1,
            focus="locks",
        ),
        Step(
            title="Go: both wait for the other",
            text=(
                "Both get the go signal. P now wants lock 1, held by Q; Q wants lock 0, held by P. "
                "Neither can continue, ever. The Waiters of the set show both; the Findings view "
                "reports a deadlock and names the cycle: P waits for Q, which waits for P."
            ),
            c_code=(
                "kill(P, SIGUSR1);\nkill(Q, SIGUSR1);\n"
                "/* P: semop(semid, {1, -1}) blocks;  Q: semop(semid, {0, -1}) blocks */"
            ),
            action=go,
            expect=deadlocked,
            focus="locks",
        ),
        Step(
            title="The fix: one lock order for everyone",
            text=(
                "P and Q are killed together; their SEM_UNDO adjustments release the locks. "
                "P2 and Q2 both take lock 0 first, then lock 1. "
                "Q2 now waits for lock 0 while P2 holds it, but P2 waits for nobody: no cycle, no deadlock. "
                "(Taking both in one semop call, {{0,-1},{1,-1}}, also works: "
                "the kernel applies the operations all at once or not at all.)"
            ),
            c_code="worker(0, 1);   /* P2 */\nworker(0, 1);   /* Q2: same order */",
            action=fix_order,
            expect=ordered_wait,
            focus="locks",
        ),
        Step(
            title="Go: both finish",
            text="P2 takes lock 1, works, releases both; Q2 gets lock 0, then 1, and finishes too.",
            c_code="kill(P2, SIGUSR1);\nkill(Q2, SIGUSR1);",
            action=go_again,
            expect=both_finished,
            focus="locks",
        ),
    ),
)
