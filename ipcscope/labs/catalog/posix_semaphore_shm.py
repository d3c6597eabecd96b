"""posix-semaphore-shm: a named semaphore guarding a counter in POSIX shared memory."""

from __future__ import annotations

import signal

from ipcscope.labs.catalog._facts import exited, fact, missing, printed, verdict
from ipcscope.labs.context import LabContext
from ipcscope.labs.lab import Check, Lab, Step
from ipcscope.labs.observe import Observation

COUNTERS = ("counter-1", "counter-2")
RACERS = ("racer-1", "racer-2")


def times(ctx: LabContext) -> int:
    return 300 if ctx.auto else 3000


def counter(ctx: LabContext) -> int:
    from ipcscope.core import posix_shm

    return int.from_bytes(posix_shm.read(ctx.name("counter"), 0, 8), "little")


def sem_value(ctx: LabContext, obs: Observation) -> int | None:
    found = obs.psem(ctx.name("lock"))
    if found is not None and found.value is not None:
        return found.value
    from ipcscope.core import posix_sem

    return posix_sem.getvalue(ctx.name("lock"))


# ---- steps


def holder_takes_it(ctx: LabContext) -> None:
    ctx.create_pshm("counter", 8)
    ctx.create_psem("lock", 1)
    ctx.start("holder", "psem-hold", ctx.name("lock"))


def held(ctx: LabContext, obs: Observation) -> Check:
    if obs.pshm(ctx.name("counter")) is None:
        return missing("the shared memory object")
    value = sem_value(ctx, obs)
    return verdict(printed(ctx, "holder", "holding the semaphore"),
                   fact(value == 0, f"semaphore value {value}" + ("" if value == 0 else " (want 0)")))


def counters_start(ctx: LabContext) -> None:
    ctx.wait_for_output("holder", "holding the semaphore")
    for label in COUNTERS:
        ctx.start(label, "psem-count", ctx.name("lock"), ctx.name("counter"), times(ctx), "locked")


def counters_wait(ctx: LabContext, obs: Observation) -> Check:
    waiting = obs.waiting_pids("psem", ctx.name("lock"))
    want = {ctx.pid(label) for label in COUNTERS}
    return verdict(
        *(printed(ctx, label, "ready") for label in COUNTERS),
        fact(counter(ctx) == 0, f"counter = {counter(ctx)}"),
        fact(want <= waiting, "both counters wait in sem_wait (a futex wait on the semaphore's page)"
             if want <= waiting else f"waiting on the semaphore: {sorted(waiting)} (want {sorted(want)})"),
    )


def release(ctx: LabContext) -> None:
    ctx.signal("holder", signal.SIGUSR1)


def counted(ctx: LabContext, obs: Observation) -> Check:
    total = 2 * times(ctx)
    value = counter(ctx)
    return verdict(
        exited(ctx, "holder"),
        *(exited(ctx, label) for label in COUNTERS),
        fact(value == total, f"counter = {value} = 2 x {times(ctx)}: no update lost"
             if value == total else f"counter = {value} (want {total})"),
        fact(sem_value(ctx, obs) == 1, f"semaphore value {sem_value(ctx, obs)}"),
    )


def race(ctx: LabContext) -> None:
    from ipcscope.core import posix_shm

    posix_shm.write(ctx.name("counter"), 0, bytes(8))
    for label in RACERS:
        ctx.start(label, "psem-count", ctx.name("lock"), ctx.name("counter"), times(ctx), "unlocked")
    for label in RACERS:
        ctx.wait_for_output(label, "waiting for the go signal")
    for label in RACERS:
        ctx.signal(label, signal.SIGUSR1)


def raced(ctx: LabContext, obs: Observation) -> Check:
    total = 2 * times(ctx)
    value = counter(ctx)
    lost = total - value
    return verdict(
        *(exited(ctx, label) for label in RACERS),
        fact(0 < value <= total,
             f"counter = {value} of {total}: {lost} updates lost" if lost
             else f"counter = {value}: no update lost this time, by luck (run the lab again)"),
    )


LAB = Lab(
    name="posix-semaphore-shm",
    title="POSIX named semaphore + POSIX shared memory",
    goal="Two processes add to a counter in POSIX shm under a named semaphore; without it, updates get lost.",
    kinds=("pshm", "psem"),
    steps=(
        Step(
            title="Someone holds the semaphore",
            text=(
                "A POSIX shared memory object holds an 8-byte counter (0), and a named semaphore "
                "(value 1) guards it. Both appear in /dev/shm: the semaphore as the file sem.NAME. "
                "A first process takes the semaphore and keeps it: value 0."
            ),
            c_code=(
                "int fd = shm_open(\"/counter\", O_CREAT | O_EXCL | O_RDWR, 0600);\n"
                "ftruncate(fd, 8);\n"
                "long *counter = mmap(NULL, 8, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);\n"
                "sem_t *lock = sem_open(\"/lock\", O_CREAT | O_EXCL, 0600, 1);\n"
                "sem_wait(lock);        /* the holder: value 1 -> 0 */"
            ),
            action=holder_takes_it,
            expect=held,
            focus="lock",
        ),
        Step(
            title="Two counters wait",
            text=(
                "Two processes each want to add 1 to the counter many times, each time between "
                "sem_wait and sem_post. The first sem_wait blocks. A POSIX semaphore wait is a "
                "futex wait on the semaphore's page: the Waiters show both processes, found by the "
                "address they sleep on inside the mapped sem.NAME file."
            ),
            c_code=(
                "sem_t *lock = sem_open(\"/lock\", 0);\n"
                "for (int i = 0; i < N; i++) {\n"
                "    sem_wait(lock);\n"
                "    (*counter)++;        /* read, add, write back */\n"
                "    sem_post(lock);\n"
                "}"
            ),
            action=counters_start,
            expect=counters_wait,
            focus="lock",
        ),
        Step(
            title="Release: every increment counts",
            text=(
                "The holder posts and exits. The counters take turns; when both are done the "
                "counter is exactly 2 x N and the semaphore is back at 1."
            ),
            c_code="sem_post(lock);   /* the holder */\nsem_close(lock);",
            action=release,
            expect=counted,
            focus="counter",
        ),
        Step(
            title="The same without the semaphore",
            text=(
                "The counter is reset and two processes increment it again, started at the same "
                "moment, but without sem_wait/sem_post. Both read the same value, both write value "
                "+ 1, and one increment is lost: the total ends below 2 x N (how far below varies "
                "from run to run)."
            ),
            c_code="for (int i = 0; i < N; i++)\n    (*counter)++;   /* no lock: a data race */",
            action=race,
            expect=raced,
            focus="counter",
        ),
    ),
)
