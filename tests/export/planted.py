"""Real objects for the export tests: one of each kind, three messages in a SysV queue, and a
child process really blocked in semop. Everything is removed by the id or name recorded here."""

from __future__ import annotations

import os
import signal
import time
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass

from ipcscope.core import msg, posix_mq, posix_shm, sem, shm
from ipcscope.core.posix_sem import NamedSemaphore
from ipcscope.core.posix_sem import unlink as psem_unlink
from tests.helpers import unique_key, unique_name

MESSAGES = (b"one", b"two!", b"three")


@dataclass(frozen=True)
class Planted:
    shmid: int
    msqid: int
    semid: int
    pmq: str
    pshm: str
    psem: str
    #: the child asleep in semop(semid, {0, -1}) on the set's only semaphore (value 0)
    waiter_pid: int


@contextmanager
def planted_objects() -> Iterator[Planted]:
    with ExitStack() as cleanup:
        shmid = shm.create(unique_key(), 4096, exclusive=True)
        cleanup.callback(shm.remove, shmid)
        msqid = msg.create(unique_key(), exclusive=True)
        cleanup.callback(msg.remove, msqid)
        for text in MESSAGES:
            msg.send(msqid, 1, text)
        semid = sem.create(unique_key(), 1, exclusive=True)
        cleanup.callback(sem.remove, semid)
        pmq = unique_name("ipcscope_export")
        mqd = posix_mq.open(pmq, create=True, exclusive=True, maxmsg=4, msgsize=32)
        cleanup.callback(posix_mq.unlink, pmq)
        cleanup.callback(posix_mq.close, mqd)
        posix_mq.send(mqd, b"queued")
        pshm = unique_name("ipcscope_export")
        posix_shm.create(pshm, 8192)
        cleanup.callback(posix_shm.unlink, pshm)
        psem = unique_name("ipcscope_export")
        NamedSemaphore.open(psem, create=True, value=3, exclusive=True).close()
        cleanup.callback(psem_unlink, psem)

        pid = os.fork()
        if pid == 0:
            try:
                sem.semop(semid, [(0, -1)])
            finally:
                os._exit(0)
        cleanup.callback(_reap, pid)
        deadline = time.monotonic() + 10
        while sem.getncnt(semid, 0) != 1:
            if time.monotonic() > deadline:
                raise AssertionError("the semop child never blocked")
            time.sleep(0.01)
        yield Planted(shmid, msqid, semid, pmq, pshm, psem, pid)


def _reap(pid: int) -> None:
    try:
        os.kill(pid, signal.SIGKILL)
    except ProcessLookupError:
        pass
    os.waitpid(pid, 0)
