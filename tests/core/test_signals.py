"""Blocking calls and signals: a handler that raises wins (Ctrl-C works); otherwise the call resumes."""

import errno
import os
import signal
import threading
import time

import pytest

from ipcscope.core import sem
from ipcscope.core.errors import IpcError


class Interrupted(Exception):
    pass


def send_signal_soon(delay: float = 0.05) -> threading.Timer:
    timer = threading.Timer(delay, os.kill, (os.getpid(), signal.SIGUSR1))
    timer.start()
    return timer


def with_handler(handler, fn):
    previous = signal.signal(signal.SIGUSR1, handler)
    try:
        return fn()
    finally:
        signal.signal(signal.SIGUSR1, previous)


def test_raising_handler_interrupts_a_blocked_semop(new_sem):
    _, semid = new_sem()

    def raise_interrupted(signum, frame):
        raise Interrupted

    timer = send_signal_soon()
    with pytest.raises(Interrupted):
        with_handler(raise_interrupted, lambda: sem.semop(semid, [(0, -1)], timeout=5))
    timer.join()


def test_quiet_handler_resumes_with_the_time_left(new_sem):
    _, semid = new_sem()
    seen = []
    timer = send_signal_soon()
    started = time.monotonic()
    with pytest.raises(IpcError) as caught:
        with_handler(lambda signum, frame: seen.append(signum), lambda: sem.semop(semid, [(0, -1)], timeout=0.2))
    timer.join()
    assert seen == [signal.SIGUSR1] and caught.value.errno == errno.EAGAIN
    assert 0.19 < time.monotonic() - started < 1
