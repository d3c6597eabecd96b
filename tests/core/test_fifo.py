"""core.fifo against real FIFOs in a private directory (removed afterwards) and real processes."""

from __future__ import annotations

import errno
import os
import stat
import time

import pytest

from ipcscope.core import fifo
from ipcscope.core.errors import IpcError, ValidationError
from tests.fifo_helpers import finish, nonblocking_reader, reader_process, temp_fifo_dir, writer_process

F_SETPIPE_SZ = 1031


@pytest.fixture
def fifo_dir():
    with temp_fifo_dir() as path:
        yield path


@pytest.fixture
def made(fifo_dir):
    path = fifo_dir / "f"
    fifo.mkfifo(str(path))
    return path


def test_mkfifo_makes_a_fifo_with_mode_0600_and_says_what_it_made(fifo_dir) -> None:
    old = os.umask(0o022)
    try:
        st = fifo.mkfifo(str(fifo_dir / "f"))
    finally:
        os.umask(old)
    assert stat.S_ISFIFO(st.st_mode) and stat.S_IMODE(st.st_mode) == 0o600
    assert os.stat(fifo_dir / "f").st_ino == st.st_ino


def test_mkfifo_errors_name_the_call_and_say_why(made, fifo_dir) -> None:
    with pytest.raises(IpcError) as exists:
        fifo.mkfifo(str(made), 0o640)
    assert exists.value.errno == errno.EEXIST
    assert str(exists.value) == f'mkfifo("{made}", 0640) failed: EEXIST: a file with this path already exists'
    with pytest.raises(IpcError) as missing:
        fifo.mkfifo(str(fifo_dir / "no" / "f"))
    assert missing.value.errno == errno.ENOENT and "directory on the path" in missing.value.explanation


def test_a_non_blocking_writer_without_a_reader_gets_enxio(made) -> None:
    with pytest.raises(IpcError) as error:
        fifo.open_fifo(str(made), write=True, nonblock=True)
    assert error.value.errno == errno.ENXIO
    assert error.value.call == f'open("{made}", O_WRONLY|O_NONBLOCK)'
    assert "nobody has the FIFO open for reading" in error.value.explanation


def test_write_then_read_through_a_reader_held_open(made) -> None:
    held = nonblocking_reader(made)
    try:
        fd = fifo.open_fifo(str(made), write=True, nonblock=True)
        try:
            assert fifo.write(fd, b"hello") == 5
            assert fifo.queued(fd) == 5 and fifo.capacity(fd) >= 4096
        finally:
            fifo.close(fd)
        reader = fifo.open_fifo(str(made), write=False, nonblock=True)
        try:
            assert fifo.read(reader, 3) == b"hel"
            assert fifo.read(reader, 100) == b"lo"
            assert fifo.read(reader, 100) == b""  # no writer left: EOF
        finally:
            fifo.close(reader)
    finally:
        os.close(held)


def test_an_empty_fifo_with_a_writer_gives_eagain_to_a_non_blocking_reader(made) -> None:
    held = nonblocking_reader(made)
    writer = os.open(made, os.O_WRONLY | os.O_NONBLOCK)
    try:
        fd = fifo.open_fifo(str(made), write=False, nonblock=True)
        try:
            with pytest.raises(IpcError) as error:
                fifo.read(fd, 10)
            assert error.value.errno == errno.EAGAIN and error.value.call == "read(fd, buf, 10)"
        finally:
            fifo.close(fd)
    finally:
        os.close(writer)
        os.close(held)


def test_a_full_fifo_takes_what_fits_then_gives_eagain(made) -> None:
    held = nonblocking_reader(made)
    try:
        fd = fifo.open_fifo(str(made), write=True, nonblock=True)
        try:
            import fcntl

            fcntl.fcntl(fd, F_SETPIPE_SZ, 4096)
            assert fifo.write(fd, b"x" * 5000) == 4096  # more than PIPE_BUF: part of it
            with pytest.raises(IpcError) as error:
                fifo.write(fd, b"y")
            assert error.value.errno == errno.EAGAIN and "full" in error.value.explanation
        finally:
            fifo.close(fd)
    finally:
        os.close(held)


def test_writing_after_the_reader_left_gives_epipe(made) -> None:
    held = nonblocking_reader(made)
    fd = fifo.open_fifo(str(made), write=True, nonblock=True)
    try:
        os.close(held)
        with pytest.raises(IpcError) as error:
            fifo.write(fd, b"late")
        assert error.value.errno == errno.EPIPE and "SIGPIPE" in error.value.explanation
    finally:
        fifo.close(fd)


def test_a_blocking_open_without_a_partner_times_out(made) -> None:
    started = time.monotonic()
    with pytest.raises(IpcError) as error:
        fifo.open_fifo(str(made), write=True, nonblock=False, timeout=0.2)
    assert error.value.errno == errno.ETIMEDOUT and error.value.call == f'open("{made}", O_WRONLY)'
    assert time.monotonic() - started < 5


def test_a_blocking_read_times_out_while_the_writer_sends_nothing(made) -> None:
    held = nonblocking_reader(made)
    writer = os.open(made, os.O_WRONLY | os.O_NONBLOCK)
    try:
        fd = fifo.open_fifo(str(made), write=False, nonblock=False, timeout=5)
        try:
            with pytest.raises(IpcError) as error:
                fifo.read(fd, 10, timeout=0.2)
            assert error.value.errno == errno.ETIMEDOUT
        finally:
            fifo.close(fd)
    finally:
        os.close(writer)
        os.close(held)


def test_a_blocking_writer_meets_a_real_reader_process(made) -> None:
    reader = reader_process(made)
    try:
        fd = fifo.open_fifo(str(made), write=True, nonblock=False, timeout=10)
        try:
            assert fifo.write(fd, b"Hello\n", timeout=10) == 6
        finally:
            fifo.close(fd)
    finally:
        out = finish(reader)
    assert bytes.fromhex(out.strip()) == b"Hello\n"


def test_a_blocking_reader_meets_a_real_writer_process(made) -> None:
    writer = writer_process(made, b"from the writer")
    try:
        fd = fifo.open_fifo(str(made), write=False, nonblock=False, timeout=10)
        try:
            data = b""
            while chunk := fifo.read(fd, 100, timeout=10):
                data += chunk
        finally:
            fifo.close(fd)
    finally:
        finish(writer)
    assert data == b"from the writer"


def test_what_is_not_a_fifo_is_never_opened(fifo_dir) -> None:
    plain = fifo_dir / "plain"
    plain.write_bytes(b"keep")
    with pytest.raises(ValidationError, match="is not a FIFO but a regular file"):
        fifo.open_fifo(str(plain), write=True, nonblock=True)
    with pytest.raises(ValidationError, match="a directory"):
        fifo.open_fifo(str(fifo_dir), write=False, nonblock=True)
    assert plain.read_bytes() == b"keep"
    with pytest.raises(IpcError) as missing:
        fifo.open_fifo(str(fifo_dir / "absent"), write=False, nonblock=True)
    assert missing.value.errno == errno.ENOENT and missing.value.call.startswith("stat(")


def test_unlink_removes_the_name(made) -> None:
    fifo.unlink(str(made))
    assert not made.exists()
    with pytest.raises(IpcError) as error:
        fifo.unlink(str(made))
    assert error.value.errno == errno.ENOENT


@pytest.mark.parametrize("bad", ["", "a\0b", "x" * 5000])
def test_bad_paths_are_refused_before_any_call(bad) -> None:
    with pytest.raises(ValidationError):
        fifo.mkfifo(bad)


def test_not_root_the_kernel_refuses_and_the_error_says_why(fifo_dir) -> None:
    """As nobody: no mkfifo in a directory of root's, no open of root's 0600 FIFO."""
    from tests.helpers import run_as_user

    os.chmod(fifo_dir, 0o755)
    private = fifo_dir / "private.fifo"
    fifo.mkfifo(str(private), 0o600)

    def as_nobody() -> tuple[IpcError, IpcError]:
        errors = []
        for attempt in (lambda: fifo.mkfifo(str(fifo_dir / "mine")),
                        lambda: fifo.open_fifo(str(private), write=False, nonblock=True)):
            try:
                attempt()
            except IpcError as error:
                errors.append(error)
        return tuple(errors)  # type: ignore[return-value]

    made, opened = run_as_user(as_nobody)
    assert made.errno == errno.EACCES and "may not create files in this directory" in made.explanation
    assert opened.errno == errno.EACCES and "mode does not let you open it" in opened.explanation
    assert not (fifo_dir / "mine").exists()
