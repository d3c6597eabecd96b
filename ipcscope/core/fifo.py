"""FIFOs (named pipes), by their path: mkfifo, open, read, write, close, unlink.

Only FIFOs a user names by their path are touched here: ipcscope never opens another process's
pipe or socket. Opening a FIFO is a rendezvous: a blocking open waits for the other side, and a
non-blocking open for writing fails with ENXIO while nobody reads. So `open_fifo` checks that the
path is a FIFO before opening it (opening a device or a regular file has effects of its own) and
checks the descriptor again after. Calls that can block take a timeout, enforced as for msgsnd
with an interval timer (core._libc.alarm_after: main thread only; the app runs them in helper
processes). open, read and write go through libc, not os: os retries a call interrupted by a
signal (PEP 475), which would make the timer useless.
"""

from __future__ import annotations

import ctypes
import errno
import fcntl
import os
import stat as stat_module
import sys
from ctypes import c_char_p, c_int, c_size_t, c_ssize_t, c_uint, c_void_p

from ipcscope.core import _checks, _libc, c_calls
from ipcscope.core import constants as c
from ipcscope.core.errors import IpcError, ValidationError, register_explanations

_open = _libc.function("open", c_int, c_char_p, c_int, c_uint)
_read = _libc.function("read", c_ssize_t, c_int, c_void_p, c_size_t)
_write = _libc.function("write", c_ssize_t, c_int, c_char_p, c_size_t)
_mkfifo = _libc.function("mkfifo", c_int, c_char_p, c_uint)
_unlink = _libc.function("unlink", c_int, c_char_p)

#: fcntl command for a pipe's capacity (not in Python 3.11's fcntl module)
F_GETPIPE_SZ = 1032
FIONREAD = 0x541B
PATH_MAX = 4096
#: the most one read() returns here (a pipe holds at most /proc/sys/fs/pipe-max-size, 1 MiB)
MAX_READ = 1 << 20


def _path_arg(path: str) -> str:
    return c_calls.string(path, 200)


def validate_path(path: object) -> str:
    """A usable path: a non-empty str without NUL, at most PATH_MAX bytes."""
    if not isinstance(path, str) or not path:
        raise ValidationError("path must be a file path, e.g. /tmp/demo.fifo", "path")
    if "\0" in path:
        raise ValidationError("path must not contain a NUL character", "path")
    if len(os.fsencode(path)) >= PATH_MAX:
        raise ValidationError(f"path is longer than PATH_MAX ({PATH_MAX} bytes)", "path")
    return path


def open_call(path: str, oflag: int) -> str:
    return c_calls.call("open", _path_arg(path), c_calls.open_flags(oflag))


def mkfifo_call(path: str, mode: int) -> str:
    return c_calls.call("mkfifo", _path_arg(path), c_calls.mode(mode))


def read_call(size: int) -> str:
    return c_calls.call("read", "fd", "buf", size)


def write_call(data: bytes) -> str:
    return c_calls.call("write", "fd", c_calls.string(data), len(data))


def unlink_call(path: str) -> str:
    return c_calls.call("unlink", _path_arg(path))


def stat_call(path: str) -> str:
    return c_calls.call("stat", _path_arg(path), "&st")


# --------------------------------------------------------------------------- the calls


def mkfifo(path: str, mode: int = 0o600) -> os.stat_result:
    """mkfifo(path, mode) (masked by the umask, as in C); returns what was made (stat)."""
    validate_path(path)
    bits = _checks.mode_bits(mode)
    _libc.check(_mkfifo(os.fsencode(path), bits), lambda: mkfifo_call(path, bits))
    return stat(path)


def stat(path: str) -> os.stat_result:
    """stat(path), following symlinks, as open() would; IpcError naming the call."""
    validate_path(path)
    try:
        return os.stat(path)
    except OSError as error:
        raise IpcError(error.errno or errno.EIO, stat_call(path)) from None


def require_fifo(path: str, st: os.stat_result) -> None:
    if not stat_module.S_ISFIFO(st.st_mode):
        what = _file_type(st.st_mode)
        raise ValidationError(f"{_path_arg(path)} is not a FIFO but {what}: ipcscope opens FIFOs only", "path")


def _file_type(mode: int) -> str:
    for test, name in ((stat_module.S_ISREG, "a regular file"), (stat_module.S_ISDIR, "a directory"),
                       (stat_module.S_ISCHR, "a character device"), (stat_module.S_ISBLK, "a block device"),
                       (stat_module.S_ISSOCK, "a socket"), (stat_module.S_ISLNK, "a symbolic link")):
        if test(mode):
            return name
    return "not a FIFO"


def open_fifo(path: str, *, write: bool, nonblock: bool, timeout: float | None = None) -> int:
    """open() the FIFO at `path` for reading or writing; the descriptor (close-on-exec).

    Blocking (not `nonblock`), it waits until the other side opens too, at most `timeout`
    seconds (ETIMEDOUT); non-blocking, a reader opens at once and a writer fails with ENXIO
    while nobody reads.
    """
    before = stat(path)
    require_fifo(path, before)
    oflag = (c.O_WRONLY if write else c.O_RDONLY) | (c.O_NONBLOCK if nonblock else 0)
    timeout = None if nonblock else _checks.timeout(timeout)
    raw = os.fsencode(path)
    flags = oflag | c.O_CLOEXEC | os.O_NOCTTY
    with _libc.alarm_after(timeout):
        fd = _libc.blocking(lambda _left: _open(raw, flags, 0), timeout, lambda: open_call(path, oflag),
                            expired_errno=errno.ETIMEDOUT)
    after = os.fstat(fd)
    if (after.st_dev, after.st_ino) != (before.st_dev, before.st_ino) or not stat_module.S_ISFIFO(after.st_mode):
        os.close(fd)
        raise ValidationError(f"{_path_arg(path)} was replaced while it was being opened: nothing was read or written",
                              "path")
    return fd


def read(fd: int, size: int, timeout: float | None = None) -> bytes:
    """One read() of at most `size` bytes: what is queued now (b"" means EOF: no writer left).

    On a blocking descriptor it waits for data or EOF, at most `timeout` seconds (ETIMEDOUT)."""
    size = _checks.integer(size, 1, MAX_READ, "size", f"the number of bytes (1..{MAX_READ})")
    timeout = _checks.timeout(timeout)
    buffer = ctypes.create_string_buffer(size)
    with _libc.alarm_after(timeout if _blocking(fd) else None):
        count = _libc.blocking(lambda _left: _read(fd, buffer, size), timeout, lambda: read_call(size),
                               expired_errno=errno.ETIMEDOUT)
    return buffer.raw[:count]


def write(fd: int, data: bytes, timeout: float | None = None) -> int:
    """write() `data`; the number of bytes written.

    Non-blocking, one write(): all, part (what fits; a write of at most PIPE_BUF, 4096 bytes, is
    all or nothing) or EAGAIN. Blocking, it writes until all is written, at most `timeout`
    seconds: after a partial write the count so far is returned, else ETIMEDOUT.
    """
    payload = _checks.data(data)
    timeout = _checks.timeout(timeout)
    blocking = _blocking(fd)
    done = 0
    with _libc.alarm_after(timeout if blocking else None):
        while True:
            rest = payload[done:]

            def attempt(_left: float | None, rest: bytes = rest) -> int:
                return int(_write(fd, rest, len(rest)))

            try:
                done += _libc.blocking(attempt, timeout, lambda: write_call(payload),
                                       expired_errno=errno.ETIMEDOUT)
            except IpcError as error:
                if error.errno == errno.ETIMEDOUT and done:
                    return done
                raise
            if done >= len(payload) or not blocking:
                return done


def queued(fd: int) -> int | None:
    """Bytes in the FIFO now (FIONREAD, either end), or None if the kernel will not say."""
    buffer = bytearray(4)
    try:
        fcntl.ioctl(fd, FIONREAD, buffer)
    except OSError:
        return None
    return int.from_bytes(buffer, sys.byteorder, signed=True)


def capacity(fd: int) -> int | None:
    """F_GETPIPE_SZ: how many bytes the FIFO holds before writers block."""
    try:
        return fcntl.fcntl(fd, F_GETPIPE_SZ)
    except OSError:
        return None


def close(fd: int) -> None:
    os.close(fd)


def unlink(path: str) -> None:
    """unlink(path): the name goes; processes that have the FIFO open keep using it."""
    validate_path(path)
    _libc.check(_unlink(os.fsencode(path)), lambda: unlink_call(path))


def _blocking(fd: int) -> bool:
    return not fcntl.fcntl(fd, fcntl.F_GETFL) & c.O_NONBLOCK


# --------------------------------------------------------------------------- what errno means here

_E = errno
register_explanations({
    ("mkfifo", _E.EEXIST): "a file with this path already exists",
    ("mkfifo", _E.ENOENT): "a directory on the path does not exist",
    ("mkfifo", _E.EACCES): "you may not create files in this directory (or search a directory on the path)",
    ("mkfifo", _E.ENOTDIR): "a component of the path is not a directory",
    ("mkfifo", _E.EROFS): "the filesystem is mounted read-only",
    ("mkfifo", _E.ENOSPC): "the filesystem has no room for a new file",
    ("mkfifo", _E.EPERM): "this filesystem does not support FIFOs",
    ("stat", _E.ENOENT): "there is no file at this path",
    ("stat", _E.EACCES): "a directory on the path cannot be searched",
    ("stat", _E.ENOTDIR): "a component of the path is not a directory",
    ("open", _E.ENXIO): "nobody has the FIFO open for reading, and O_NONBLOCK was given: a non-blocking "
    "writer does not wait for a reader (wait for one, or start the reader first)",
    ("open", _E.ENOENT): "there is no file at this path",
    ("open", _E.EACCES): "the FIFO's mode does not let you open it this way (see its owner and mode)",
    ("open", _E.ETIMEDOUT): "nobody opened the other end before the timeout (ipcscope's timer: open has none)",
    ("open", _E.EINTR): "interrupted by a signal while waiting for the other end to open",
    ("read", _E.EAGAIN): "the FIFO is empty and a writer has it open; O_NONBLOCK was given, so read() "
    "does not wait for data",
    ("read", _E.ETIMEDOUT): "no data arrived before the timeout (ipcscope's timer: read has none)",
    ("read", _E.EINTR): "interrupted by a signal while waiting for data",
    ("write", _E.EAGAIN): "the FIFO is full (it holds its capacity, 64K by default) and O_NONBLOCK was "
    "given, so write() does not wait for the reader",
    ("write", _E.EPIPE): "nobody has the FIFO open for reading any more: a C program would be killed "
    "by SIGPIPE",
    ("write", _E.ETIMEDOUT): "the FIFO stayed full until the timeout (ipcscope's timer: write has none)",
    ("write", _E.EINTR): "interrupted by a signal while waiting for room in the FIFO",
    ("unlink", _E.ENOENT): "there is no file at this path (removed already?)",
    ("unlink", _E.EACCES): "you may not remove files from this directory",
    ("unlink", _E.EPERM): "the directory is sticky (like /tmp): only the file's owner, the directory's "
    "owner or root may remove it",
    ("unlink", _E.EROFS): "the filesystem is mounted read-only",
})
