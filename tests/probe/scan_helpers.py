"""Scenario plumbing for the process-scan tests: forked children, snapshots of what a test made,
and polling the scan until the kernel really shows a child blocked (never a fixed sleep)."""

from __future__ import annotations

import os
import signal
import time
import traceback
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass

from ipcscope.model import (
    PosixQueue,
    PosixSemaphore,
    PosixShm,
    ProcessScan,
    Semaphore,
    SemSet,
    ShmSegment,
    Snapshot,
)
from ipcscope.probe.processes import ProcessScanner
from tests.helpers import NOBODY
from tests.probe import ipc_calls


@dataclass
class Children:
    """Forks children that run a function and never return into pytest; kills and reaps them all."""

    pids: list[int]

    def spawn(self, fn: Callable[[], object], *, uid: int | None = None) -> int:
        pid = os.fork()
        if pid == 0:
            try:
                if uid is not None:
                    os.setgroups([])
                    os.setgid(uid)
                    os.setuid(uid)
                    ipc_calls.set_dumpable(True)  # setuid cleared it: /proc/PID would be root's
                fn()
            except BaseException:  # noqa: BLE001 - report, then leave without running pytest's code
                traceback.print_exc()
            finally:
                os._exit(0)
        self.pids.append(pid)
        return pid


@contextmanager
def children() -> Iterator[Children]:
    kids = Children([])
    try:
        yield kids
    finally:
        for pid in kids.pids:
            try:
                os.kill(pid, signal.SIGKILL)
            except ProcessLookupError:
                pass
        for pid in kids.pids:
            os.waitpid(pid, 0)


def sleep_forever() -> None:
    while True:
        time.sleep(3600)


def poll(scanner: ProcessScanner, snapshot: Callable[[], Snapshot],
         ready: Callable[[ProcessScan], bool], timeout: float = 10.0) -> ProcessScan:
    """Scan until `ready(scan)`, with a fresh snapshot each time; fail after `timeout` seconds."""
    deadline = time.monotonic() + timeout
    while True:
        scan = scanner.scan(snapshot())
        if ready(scan):
            return scan
        if time.monotonic() > deadline:
            raise AssertionError(f"the scan never showed the expected state; last: {scan}")
        time.sleep(0.01)


def poll_as_nobody(snapshot: Snapshot, ready: Callable[[ProcessScan], bool],
                   timeout: float = 10.0, scans: int = 1) -> list[ProcessScan]:
    """Like `poll`, run by a fresh scanner in a child that dropped to uid 65534; then `scans - 1`
    more scans with the same scanner. Returns every scan from the ready one on."""
    from tests.helpers import run_as_user

    def work() -> list[ProcessScan]:
        scanner = ProcessScanner()
        found = [poll(scanner, lambda: snapshot, ready, timeout)]
        found += [scanner.scan(snapshot) for _ in range(scans - 1)]
        return found

    return run_as_user(work, NOBODY)


# --------------------------------------------------------------------------- snapshots


def _sysvipc_line(kind: str, ident: int) -> list[str]:
    with open(f"/proc/sysvipc/{kind}") as table:
        next(table)
        for line in table:
            fields = line.split()
            if int(fields[1]) == ident:
                return fields
    raise LookupError(f"{kind} {ident} is not in /proc/sysvipc/{kind}")


def shm_segment(shmid: int) -> ShmSegment:
    f = _sysvipc_line("shm", shmid)
    return ShmSegment(key=int(f[0]) & 0xFFFFFFFF, id=shmid, mode=int(f[2], 8), uid=int(f[7]),
                      gid=int(f[8]), cuid=int(f[9]), cgid=int(f[10]), size=int(f[3]), nattch=int(f[6]))


def sem_set(semid: int, nsems: int) -> SemSet:
    f = _sysvipc_line("sem", semid)
    values = ipc_calls.sem_values(semid, nsems)
    return SemSet(key=int(f[0]) & 0xFFFFFFFF, id=semid, mode=int(f[2], 8), uid=int(f[4]), gid=int(f[5]),
                  cuid=int(f[6]), cgid=int(f[7]), nsems=nsems,
                  semaphores=tuple(Semaphore(i, v, 0, 0, 0) for i, v in enumerate(values)))


def _posix_file(cls, name: str, path: str, **extra):
    st = os.stat(path)
    return cls(name=name, mode=st.st_mode & 0o7777, uid=st.st_uid, gid=st.st_gid,
               dev=st.st_dev, inode=st.st_ino, **extra)


def posix_shm(name: str) -> PosixShm:
    return _posix_file(PosixShm, name, f"/dev/shm{name}")


def posix_semaphore(name: str) -> PosixSemaphore:
    return _posix_file(PosixSemaphore, name, f"/dev/shm/sem.{name[1:]}")


def posix_queue(name: str, mqd: int) -> PosixQueue:
    """A queue as the probe lists it; (dev, inode) from the descriptor (an mqd is an fd on Linux)."""
    st = os.fstat(mqd)
    return PosixQueue(name=name, mode=st.st_mode & 0o7777, uid=st.st_uid, gid=st.st_gid,
                      dev=st.st_dev, inode=st.st_ino)


def snapshot(**objects) -> Snapshot:
    objects.setdefault("mqueue_source", "detached")
    return Snapshot(taken_at=time.time(), **objects)
