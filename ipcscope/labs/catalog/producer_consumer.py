"""producer-consumer: the bounded buffer with empty/full/mutex semaphores over a shared ring."""

from __future__ import annotations

from ipcscope.labs.catalog._facts import exited, fact, last_number, missing, running, verdict, who
from ipcscope.labs.context import LabContext
from ipcscope.labs.lab import Check, Lab, Step
from ipcscope.labs.observe import Observation
from ipcscope.labs.ring import EMPTY, FULL, HEADER, MUTEX, SIZE, SLOTS


def set_speeds(ctx: LabContext, producer_ms: int, consumer_ms: int) -> None:
    """Write the two delays into the ring's header, where the workers read them every item."""
    from ipcscope.core import shm

    with shm.attach(ctx.id("ring"), readonly=False) as ring:
        ring.write(0, HEADER.pack(producer_ms, consumer_ms))


def values(ctx: LabContext, obs: Observation) -> tuple[int, int, int] | None:
    semset = obs.sem(ctx.ident("slots"))
    if semset is None or semset.semaphores is None or len(semset.semaphores) < 3:
        return None
    empty, full, mutex = (s.value for s in semset.semaphores[:3])
    return empty, full, mutex


def blocked_on(ctx: LabContext, obs: Observation, label: str, num: int) -> tuple[bool, str]:
    """Fact: process `label` waits in semop on semaphore `num` of the set."""
    pid = ctx.pid(label)
    waits = [w for w in obs.waiters("sem", ctx.ident("slots")) if w.pid == pid]
    on = [w for w in waits if w.blocked_on == num or (w.blocked_on is None and w.ops and w.ops[0].num == num)]
    names = {EMPTY: "empty", FULL: "full", MUTEX: "mutex"}
    return fact(bool(on), f"{who(ctx, label)} waits on semaphore {num} ({names[num]})" if on
                else f"{label} is not waiting on semaphore {num} ({names[num]})")


# ---- steps


def start_fast_producer(ctx: LabContext) -> None:
    ctx.create_shm("ring", SIZE)
    ctx.create_sem("slots", [SLOTS, 0, 1])
    set_speeds(ctx, *((5, 300) if ctx.auto else (100, 1000)))
    ctx.start("producer", "producer", ctx.id("ring"), ctx.id("slots"))
    ctx.start("consumer", "consumer", ctx.id("ring"), ctx.id("slots"))


def buffer_full(ctx: LabContext, obs: Observation) -> Check:
    now = values(ctx, obs)
    if now is None:
        return missing("the semaphore set")
    empty, full, _mutex = now
    return verdict(
        fact(empty == 0, f"empty = {empty}" + ("" if empty == 0 else " (want 0)")),
        fact(full >= SLOTS - 1, f"full = {full}"),
        blocked_on(ctx, obs, "producer", EMPTY),
    )


def consumer_faster(ctx: LabContext) -> None:
    set_speeds(ctx, *((300, 5) if ctx.auto else (1000, 100)))


def buffer_empty(ctx: LabContext, obs: Observation) -> Check:
    now = values(ctx, obs)
    if now is None:
        return missing("the semaphore set")
    empty, full, _mutex = now
    return verdict(
        fact(full == 0, f"full = {full}" + ("" if full == 0 else " (want 0)")),
        fact(empty >= SLOTS - 1, f"empty = {empty}"),
        blocked_on(ctx, obs, "consumer", FULL),
    )


def same_speed(ctx: LabContext) -> None:
    set_speeds(ctx, *((10, 10) if ctx.auto else (300, 300)))


def flowing(ctx: LabContext, obs: Observation) -> Check:
    produced = last_number(ctx, "producer", r"produced (\d+)") or 0
    consumed = last_number(ctx, "consumer", r"consumed (\d+)") or 0
    now = values(ctx, obs)
    return verdict(
        running(ctx, "producer"),
        running(ctx, "consumer"),
        fact(0 <= produced - consumed <= SLOTS,
             f"produced {produced}, consumed {consumed}: "
             f"{produced - consumed} in the buffer (never more than {SLOTS})"),
        fact(now is not None and now[0] + now[1] in (SLOTS, SLOTS - 1, SLOTS - 2),
             f"empty + full = {now[0] + now[1] if now else '?'} (the slot being worked on is in neither)"),
    )


def stop_both(ctx: LabContext) -> None:
    ctx.terminate("producer")
    ctx.terminate("consumer")


def stopped(ctx: LabContext, obs: Observation) -> Check:
    now = values(ctx, obs)
    return verdict(
        exited(ctx, "producer"),
        exited(ctx, "consumer"),
        fact(now is not None and now[MUTEX] == 1,
             f"mutex = {now[MUTEX] if now else '?'}: released by SEM_UNDO even if a process died holding it"),
    )


LOOP_C = (
    "struct ring { int producer_ms, consumer_ms; int slot[8]; } *ring = shmat(shmid, NULL, 0);\n"
    "enum { EMPTY, FULL, MUTEX };\n"
    "struct sembuf wait_empty = {EMPTY, -1, 0}, post_full = {FULL, +1, 0};\n"
    "struct sembuf wait_full = {FULL, -1, 0}, post_empty = {EMPTY, +1, 0};\n"
    "struct sembuf lock = {MUTEX, -1, SEM_UNDO}, unlock = {MUTEX, +1, SEM_UNDO};\n"
    "/* producer */                            /* consumer (mirrored) */\n"
    "for (int item = 1, in = 0; ; item++) {    for (int out = 0; ; ) {\n"
    "    semop(semid, &wait_empty, 1);             semop(semid, &wait_full, 1);\n"
    "    semop(semid, &lock, 1);                   semop(semid, &lock, 1);\n"
    "    ring->slot[in] = item;                    item = ring->slot[out];\n"
    "    semop(semid, &unlock, 1);                 semop(semid, &unlock, 1);\n"
    "    semop(semid, &post_full, 1);              semop(semid, &post_empty, 1);\n"
    "    in = (in + 1) % 8;                        out = (out + 1) % 8;\n"
    "    usleep(ring->producer_ms * 1000);         usleep(ring->consumer_ms * 1000);\n"
    "}                                         }"
)

LAB = Lab(
    name="producer-consumer",
    title="Semaphores + shared memory: the bounded buffer",
    goal="A ring buffer of 8 slots guarded by empty/full/mutex semaphores; change speeds, watch who waits.",
    kinds=("shm", "sem"),
    steps=(
        Step(
            title="A fast producer fills the buffer",
            text=(
                "A shared ring of 8 slots and a set of 3 semaphores: empty (free slots, starts at "
                "8), full (filled slots, 0) and mutex (1). The producer is much faster than the "
                "consumer, so the buffer fills: empty reaches 0 and the producer waits on semaphore "
                "0 (see Waiters), while full stays near 8. The speeds live in the ring's header."
            ),
            c_code=(
                "int shmid = shmget(key1, sizeof(struct ring), IPC_CREAT | IPC_EXCL | 0600);\n"
                "int semid = semget(key2, 3, IPC_CREAT | IPC_EXCL | 0600);\n"
                "unsigned short init[] = {8, 0, 1};\n"
                "semctl(semid, 0, SETALL, init);\n" + LOOP_C
            ),
            action=start_fast_producer,
            expect=buffer_full,
            focus="slots",
        ),
        Step(
            title="Now the consumer is faster",
            text=(
                "The lab writes new delays into the ring's header: the producer slows down, the "
                "consumer speeds up. The buffer drains: full reaches 0 and now the consumer waits, "
                "on semaphore 1."
            ),
            c_code="ring->producer_ms = 1000;\nring->consumer_ms = 100;",
            action=consumer_faster,
            expect=buffer_empty,
            focus="slots",
        ),
        Step(
            title="Same speed",
            text=(
                "With equal speeds the values move around the middle and waits are short. However "
                "fast either side runs, produced - consumed never exceeds 8, and empty + full stays "
                "at 8 (minus a slot in the middle of being filled or emptied)."
            ),
            c_code="ring->producer_ms = ring->consumer_ms = 300;",
            action=same_speed,
            expect=flowing,
            focus="slots",
        ),
        Step(
            title="Stop both",
            text=(
                "Both get SIGTERM. The mutex uses SEM_UNDO, so even a process killed inside the "
                "critical section gives it back: mutex is 1. (empty and full have no undo: a "
                "process killed between its two operations can lose a slot.)"
            ),
            c_code="kill(producer, SIGTERM);\nkill(consumer, SIGTERM);",
            action=stop_both,
            expect=stopped,
            focus="slots",
        ),
    ),
)
