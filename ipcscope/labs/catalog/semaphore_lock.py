"""semaphore-lock: a binary semaphore as a lock, and why SEM_UNDO matters when a holder dies."""

from __future__ import annotations

import signal

from ipcscope.labs.catalog._facts import exited, fact, missing, printed, running, verdict, who
from ipcscope.labs.context import LabContext
from ipcscope.labs.lab import Check, Lab, Step
from ipcscope.labs.observe import Observation, finding_pids


def lock_state(ctx: LabContext, obs: Observation, holder: str) -> list[tuple[bool, str]]:
    """Facts: semaphore 0 is 0 (taken) and its sempid is `holder`."""
    semset = obs.sem(ctx.ident("lock"))
    if semset is None or not semset.semaphores:
        return [(False, "the lock's semaphore set is not readable")]
    sem0 = semset.semaphores[0]
    pid = ctx.pid(holder)
    return [
        fact(sem0.value == 0, f"semaphore 0 = {sem0.value}" + ("" if sem0.value == 0 else " (want 0: taken)")),
        fact(sem0.pid == pid, f"sempid {sem0.pid} = {who(ctx, holder)}" if sem0.pid == pid
             else f"sempid {sem0.pid} (want {who(ctx, holder)})"),
    ]


def waits(ctx: LabContext, obs: Observation, label: str) -> tuple[bool, str]:
    waiting = ctx.pid(label) in obs.waiting_pids("sem", ctx.ident("lock"))
    return fact(waiting, f"{who(ctx, label)} waits in semop" if waiting else f"{label} is not waiting in semop")


def no_waiters(ctx: LabContext, obs: Observation) -> tuple[bool, str]:
    left = obs.waiting_pids("sem", ctx.ident("lock"))
    return fact(not left, "nobody waits" if not left else f"still waiting: {sorted(left)}")


# ---- steps


def a_locks(ctx: LabContext) -> None:
    ctx.create_sem("lock", [1])
    ctx.start("A", "sem-lock", ctx.id("lock"), "undo")


def a_holds(ctx: LabContext, obs: Observation) -> Check:
    if obs.sem(ctx.ident("lock")) is None:
        return missing("the semaphore set")
    return verdict(printed(ctx, "A", "locked"), *lock_state(ctx, obs, "A"))


def b_tries(ctx: LabContext) -> None:
    ctx.wait_for_output("A", "locked")
    ctx.start("B", "sem-lock", ctx.id("lock"), "undo")


def b_waits(ctx: LabContext, obs: Observation) -> Check:
    semset = obs.sem(ctx.ident("lock"))
    ncnt = semset.semaphores[0].ncnt if semset and semset.semaphores else None
    return verdict(*lock_state(ctx, obs, "A"), waits(ctx, obs, "B"),
                   fact(ncnt == 1, f"semncnt {ncnt}" + ("" if ncnt == 1 else " (want 1)")))


def kill_a(ctx: LabContext) -> None:
    ctx.kill("A")


def b_got_it(ctx: LabContext, obs: Observation) -> Check:
    return verdict(exited(ctx, "A", -signal.SIGKILL), printed(ctx, "B", "locked"),
                   *lock_state(ctx, obs, "B"), no_waiters(ctx, obs))


def without_undo(ctx: LabContext) -> None:
    ctx.terminate("B")  # B exits: its SEM_UNDO gives the lock back
    ctx.start("C", "sem-lock", ctx.id("lock"), "no-undo")
    ctx.wait_for_output("C", "locked")
    ctx.start("D", "sem-lock", ctx.id("lock"), "no-undo")


def d_waits_for_c(ctx: LabContext, obs: Observation) -> Check:
    return verdict(exited(ctx, "B"), *lock_state(ctx, obs, "C"), waits(ctx, obs, "D"))


def kill_c(ctx: LabContext) -> None:
    ctx.kill("C")


def stuck(ctx: LabContext, obs: Observation) -> Check:
    ref = ctx.ref("lock")
    findings = obs.findings_of("dead-holder", ref) if ref else []
    named = [f for f in findings if ctx.pid("C") in finding_pids(f) or ctx.pid("D") in finding_pids(f)]
    return verdict(
        exited(ctx, "C", -signal.SIGKILL),
        *lock_state(ctx, obs, "C"),
        waits(ctx, obs, "D"),
        fact(bool(named), "the doctor reports dead-holder" if named
             else "the doctor does not report dead-holder for the lock (yet)"),
    )


def rescue(ctx: LabContext) -> None:
    ctx.start("rescuer", "sem-post", ctx.id("lock"), 0)
    ctx.wait_exit("rescuer")


def d_got_it(ctx: LabContext, obs: Observation) -> Check:
    return verdict(running(ctx, "D"), printed(ctx, "D", "locked"), *lock_state(ctx, obs, "D"), no_waiters(ctx, obs))


LOCK_C = (
    "struct sembuf lock   = {0, -1, SEM_UNDO};\n"
    "struct sembuf unlock = {0, +1, SEM_UNDO};\n"
    "semop(semid, &lock, 1);      /* blocks while the value is 0 */\n"
    "pause();                     /* the critical section, until killed */"
)

LAB = Lab(
    name="semaphore-lock",
    title="Semaphores: a lock, a waiter, and SEM_UNDO",
    goal="A locks with SEM_UNDO and B waits; kill A and B gets the lock; without SEM_UNDO it stays stuck.",
    kinds=("sem",),
    steps=(
        Step(
            title="A takes the lock",
            text=(
                "A set with one semaphore, value 1, is a lock: taking it means -1, releasing +1. "
                "Process A takes it with SEM_UNDO: the kernel notes an adjustment of +1 to apply "
                "if A exits without releasing. In the semaphore view: value 0, sempid = A."
            ),
            c_code="int semid = semget(key, 1, IPC_CREAT | IPC_EXCL | 0600);\n"
                   "semctl(semid, 0, SETVAL, 1);\n" + LOCK_C,
            action=a_locks,
            expect=a_holds,
            focus="lock",
        ),
        Step(
            title="B waits",
            text=(
                "Process B asks for the same lock. The value is 0, so B blocks in semop. Open the "
                "set's Waiters: B, waiting for {0, -1, SEM_UNDO}; semncnt is 1. ipcs shows only the "
                "count; ipcscope reads what B asked for from its memory."
            ),
            c_code=LOCK_C,
            action=b_tries,
            expect=b_waits,
            focus="lock",
        ),
        Step(
            title="Kill A: the undo releases B",
            text=(
                "A is killed with SIGKILL: no handler, no unlock. The kernel applies A's undo "
                "adjustment (+1) as A exits, and B's waiting semop succeeds at once: B now holds "
                "the lock (sempid = B), nobody waits."
            ),
            c_code="kill(pid_of_A, SIGKILL);   /* A never runs its unlock */",
            action=kill_a,
            expect=b_got_it,
            focus="lock",
        ),
        Step(
            title="Again, without SEM_UNDO",
            text=(
                "B exits (its undo gives the lock back). Now C takes the lock with sem_flg 0, "
                "no SEM_UNDO, and D waits for it, as before."
            ),
            c_code="struct sembuf lock = {0, -1, 0};   /* no SEM_UNDO */\nsemop(semid, &lock, 1);",
            action=without_undo,
            expect=d_waits_for_c,
            focus="lock",
        ),
        Step(
            title="Kill C: D stays stuck",
            text=(
                "C is killed. Without an undo adjustment nothing gives the lock back: the value "
                "stays 0, and D waits forever. sempid still names C, which no longer exists; the "
                "Findings view reports dead-holder: the lock leaked with its holder."
            ),
            c_code="kill(pid_of_C, SIGKILL);   /* value stays 0: D waits forever */",
            action=kill_c,
            expect=stuck,
            focus="lock",
        ),
        Step(
            title="Rescue: post the semaphore by hand",
            text=(
                "An operator releases the leaked lock with a +1 (the doctor's hint: "
                "`ipcscope semop ID 0:+1`). D's semop completes and D holds the lock."
            ),
            c_code="struct sembuf post = {0, +1, 0};\nsemop(semid, &post, 1);",
            action=rescue,
            expect=d_got_it,
            focus="lock",
        ),
    ),
)
