"""POSIX named semaphores: sem_open, sem_post, sem_(try|timed)wait, sem_getvalue, sem_close, sem_unlink.

A `NamedSemaphore` owns one sem_open() handle (a mapping of /dev/shm/sem.NAME) and closes it
on close(), on leaving a `with`, or when garbage-collected: handles never leak. The mode given
to sem_open is masked by the process umask, as in C.
"""

from __future__ import annotations

import os
from ctypes import POINTER, byref, c_char_p, c_int, c_long, c_size_t, c_uint, c_void_p

from ipcscope.core import _checks, _libc, _names, c_calls
from ipcscope.core import constants as c
from ipcscope.core._structs import Timespec
from ipcscope.core.errors import ValidationError

# sem_open is variadic (name, oflag, mode_t mode, unsigned value): both extras are 32-bit unsigned.
_sem_open = _libc.function("sem_open", c_void_p, c_char_p, c_int, c_uint, c_uint)
_sem_close = _libc.function("sem_close", c_int, c_void_p)
_sem_unlink = _libc.function("sem_unlink", c_int, c_char_p)
_sem_post = _libc.function("sem_post", c_int, c_void_p)
_sem_wait = _libc.function("sem_wait", c_int, c_void_p)
_sem_trywait = _libc.function("sem_trywait", c_int, c_void_p)
_sem_timedwait = _libc.function("sem_timedwait", c_int, c_void_p, POINTER(Timespec))
_sem_getvalue = _libc.function("sem_getvalue", c_int, c_void_p, POINTER(c_int))


def validate_name(name: str) -> str:
    """As for other POSIX names, but at most 251 bytes: glibc stores it as /dev/shm/sem.NAME."""
    return _names.validate(name, "semaphore", c.NAME_MAX - len("sem."))


class NamedSemaphore:
    """An open named semaphore. Use `NamedSemaphore.open(...)`, preferably in a `with` block."""

    def __init__(self, name: str, handle: int) -> None:
        self.name = name
        self._handle: int | None = handle

    @classmethod
    def open(cls, name: str, create: bool = False, value: int = 0, mode: int = 0o600,
             exclusive: bool = False) -> NamedSemaphore:
        """sem_open(name, 0) or, with `create`, sem_open(name, O_CREAT[|O_EXCL], mode, value).
        `value` only applies when the semaphore is new."""
        validate_name(name)
        if exclusive and not create:
            raise ValidationError("exclusive needs create", "exclusive")
        _checks.integer(value, 0, c.SEM_VALUE_MAX, "value")
        mode = _checks.mode_bits(mode)
        oflag = (c.O_CREAT if create else 0) | (c.O_EXCL if exclusive else 0)
        handle = _sem_open(os.fsencode(name), oflag, mode, value)
        if not handle:  # glibc's SEM_FAILED is NULL
            raise _libc.fail(lambda: c_calls.sem_open_call(name, oflag, mode, value))
        return cls(name, handle)

    @property
    def closed(self) -> bool:
        return self._handle is None

    def _live(self) -> int:
        if self._handle is None:
            raise ValidationError(f"the semaphore {self.name} is closed", "name")
        return self._handle

    def _check(self, result: int, function: str, timeout: float | None = None) -> None:
        _libc.check(result, lambda: c_calls.sem_call(function, self.name, timeout))

    def post(self) -> None:
        """sem_post: add one, waking one waiter."""
        self._check(_sem_post(self._live()), "sem_post")

    def wait(self, timeout: float | None = None) -> None:
        """sem_wait (sem_timedwait with `timeout` seconds: ETIMEDOUT when it expires)."""
        handle = self._live()
        timeout = _checks.timeout(timeout)
        deadline = None if timeout is None else _libc.realtime_deadline(timeout)

        def attempt(_remaining: float | None) -> int:
            return _sem_wait(handle) if deadline is None else _sem_timedwait(handle, byref(deadline))

        function = "sem_wait" if timeout is None else "sem_timedwait"
        _libc.blocking(attempt, timeout, lambda: c_calls.sem_call(function, self.name, timeout))

    def trywait(self) -> None:
        """sem_trywait: take one now, or raise IpcError(EAGAIN) when the value is 0."""
        self._check(_sem_trywait(self._live()), "sem_trywait")

    @property
    def value(self) -> int:
        """sem_getvalue (glibc reports 0, never a negative count, while tasks wait)."""
        result = c_int()
        self._check(_sem_getvalue(self._live(), byref(result)), "sem_getvalue")
        return result.value

    def close(self) -> None:
        """sem_close; calling it again does nothing."""
        if self._handle is not None:
            handle, self._handle = self._handle, None
            self._check(_sem_close(handle), "sem_close")

    def __enter__(self) -> NamedSemaphore:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    def __del__(self) -> None:
        try:
            self.close()
        except Exception:
            pass

    def __repr__(self) -> str:
        return f"<NamedSemaphore {self.name} {'closed' if self.closed else 'open'}>"


def getvalue(name: str) -> int:
    """Open, read the value, close."""
    with NamedSemaphore.open(name) as semaphore:
        return semaphore.value


def unlink(name: str) -> None:
    """sem_unlink: the name goes now; the semaphore when the last handle closes."""
    validate_name(name)
    _libc.check(_sem_unlink(os.fsencode(name)), lambda: c_calls.sem_unlink_call(name))



_mmap = _libc.function("mmap", c_void_p, c_void_p, c_size_t, c_int, c_int, c_int, c_long)
_munmap = _libc.function("munmap", c_int, c_void_p, c_size_t)
_SEM_T_SIZE = 32  # sizeof(sem_t) on 64-bit Linux
_PROT_READ = 1
_MAP_SHARED = 1


def getvalue_at(path: str) -> int:
    """sem_getvalue of the semaphore stored in the file `path`: a sem.NAME file reached another
    way than this mount namespace's /dev/shm (/proc/PID/root/dev/shm of a container).

    The file is mapped read-only and glibc's own sem_getvalue reads it, as after sem_open: no
    guess at the layout. OSError when the file cannot be opened; IpcError when mmap fails.
    """
    fd = os.open(path, os.O_RDONLY | os.O_CLOEXEC)
    try:
        if os.fstat(fd).st_size < _SEM_T_SIZE:
            raise OSError(22, "not a semaphore file (shorter than sem_t)", path)
        address = _mmap(None, _SEM_T_SIZE, _PROT_READ, _MAP_SHARED, fd, 0)
        if address is None or address == c_void_p(-1).value:
            raise _libc.fail(lambda: f"mmap(NULL, {_SEM_T_SIZE}, PROT_READ, MAP_SHARED, fd, 0)")
    finally:
        os.close(fd)
    try:
        result = c_int()
        _libc.check(_sem_getvalue(address, byref(result)), lambda: f'sem_getvalue("{path}")')
        return result.value
    finally:
        _munmap(address, _SEM_T_SIZE)
