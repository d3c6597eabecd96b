"""Loading libc and calling it: errno capture, signal-safe retries, and timeouts.

Every wrapper in core goes through `check` (non-blocking calls) or `blocking` (calls that may
sleep in the kernel). Both turn a -1 return into `IpcError(errno, the call as C writes it)`;
the C rendering is computed only on failure, so the success path stays cheap.
"""

from __future__ import annotations

import ctypes
import errno
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any, overload

from ipcscope.core._structs import Timespec
from ipcscope.core.errors import IpcError, ValidationError

# The C library this interpreter already runs on: dlopen(NULL) finds it at once, where
# ctypes.util.find_library("c") runs `ldconfig -p` in a subprocess (4 ms on every start-up,
# which `ipcscope list` cannot afford).
LIBC = ctypes.CDLL(None, use_errno=True)
_librt: ctypes.CDLL | None = None


@overload
def function(name: str, restype: type[ctypes._SimpleCData[int]], *argtypes: Any) -> Callable[..., int]: ...
@overload
def function(name: str, restype: type[ctypes.c_void_p], *argtypes: Any) -> Callable[..., int | None]: ...
def function(name: str, restype: Any, *argtypes: Any) -> Callable[..., Any]:
    """A libc function with its C prototype. glibc >= 2.34 has mq_*/shm_* in libc; older: librt.

    ctypes returns a Python int for an integer restype and int or None (NULL) for c_void_p.
    """
    global _librt
    func: ctypes._NamedFuncPointer
    try:
        func = getattr(LIBC, name)
    except AttributeError:
        if _librt is None:
            import ctypes.util  # imports subprocess: only on old glibc, which needs librt

            _librt = ctypes.CDLL(ctypes.util.find_library("rt") or "librt.so.1", use_errno=True)
        func = getattr(_librt, name)
    func.restype = restype
    func.argtypes = argtypes
    return func


def unprototyped(name: str) -> Callable[..., int]:
    """A libc function returning int, without argtypes, for loops of thousands of calls.

    ctypes converts a Python int, None or ctypes object directly when no prototype is set: a
    semctl call costs 0.6 µs on a small VM against 1.0 µs through argtypes. Only for call sites
    that pass nothing else (ints stay C ints, pointers are byref()/arrays); `function` is the
    default, as its prototype catches a wrong argument.
    """
    func = LIBC[name]  # a new function object: the prototyped one stays as `function` made it
    func.restype = ctypes.c_int
    return func


def last_errno() -> int:
    return ctypes.get_errno()


def fail(render: Callable[[], str]) -> IpcError:
    """The IpcError for the errno the last call left, with the call rendered as C."""
    return IpcError(ctypes.get_errno(), render())


def check(result: int, render: Callable[[], str]) -> int:
    """Return `result`, or raise IpcError when a call returned -1."""
    if result == -1:
        raise fail(render)
    return result


def check_signals() -> None:
    """Run pending Python signal handlers now, so Ctrl-C during a blocking call raises at once."""
    ctypes.pythonapi.PyErr_CheckSignals()


def blocking(
    attempt: Callable[[float | None], int],
    timeout: float | None,
    render: Callable[[], str],
    expired_errno: int | None = None,
) -> int:
    """Run a call that may sleep; `attempt(remaining_seconds)` makes one try.

    A signal interrupts the call with EINTR. As Python's own os functions do (PEP 475), the
    signal's handler runs first (so KeyboardInterrupt propagates), then the call is retried with
    the time that is left. With `expired_errno`, an EINTR after the deadline means our own timer
    fired (see `alarm_after`), and raises that errno instead of retrying.
    """
    deadline = None if timeout is None else time.monotonic() + timeout
    remaining = timeout
    while True:
        result = attempt(remaining)
        if result != -1:
            return result
        err = ctypes.get_errno()
        if err != errno.EINTR:
            raise IpcError(err, render())
        check_signals()
        if deadline is not None:
            remaining = max(0.0, deadline - time.monotonic())
            if expired_errno is not None and remaining == 0.0:
                raise IpcError(expired_errno, render())


def _on_alarm(signum: int, frame: object) -> None:
    """Does nothing: its only job is to make the blocked syscall return EINTR."""


@contextmanager
def alarm_after(timeout: float | None) -> Iterator[None]:
    """Interrupt a blocking syscall of this thread after `timeout` seconds (for msgsnd/msgrcv).

    msgsnd and msgrcv have no timeout of their own, so a SIGALRM interval timer interrupts them;
    it keeps firing every 50 ms after the deadline, so a signal that lands just before the call
    starts sleeping cannot make it block forever. Signals go to the main thread only, hence the
    restriction; the app runs blocking calls in helper processes, where that is the case.
    """
    if timeout is None:
        yield
        return
    import signal  # here: every command imports this module, few need a timer (1 ms of start-up)
    import threading

    if threading.current_thread() is not threading.main_thread():
        raise ValidationError("a timeout on msgsnd/msgrcv works only in the main thread", "timeout")
    if signal.getitimer(signal.ITIMER_REAL)[0] > 0:
        raise ValidationError("the process's SIGALRM timer is already in use", "timeout")
    previous = signal.signal(signal.SIGALRM, _on_alarm)
    signal.setitimer(signal.ITIMER_REAL, max(timeout, 1e-6), 0.05)
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous if previous is not None else signal.SIG_DFL)


def realtime_deadline(timeout: float) -> Timespec:
    """Absolute CLOCK_REALTIME time `timeout` seconds from now (mq_timed*, sem_timedwait)."""
    nanoseconds = time.clock_gettime_ns(time.CLOCK_REALTIME) + max(0, round(timeout * 1e9))
    return Timespec(nanoseconds // 1_000_000_000, nanoseconds % 1_000_000_000)
