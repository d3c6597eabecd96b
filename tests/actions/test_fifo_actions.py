"""The FIFO actions against real FIFOs in a private directory (removed afterwards): validation and
C calls, non-blocking by default, blocking ones in a helper process (seen in open() by the kernel,
cancellable), and removal that says who has it open and unlinks only the FIFO that was shown."""

from __future__ import annotations

import errno
import os
import time

import pytest

from ipcscope.actions import (
    FifoData,
    FifoRead,
    FifoRemove,
    FifoWrite,
    FifoWritten,
    MakeFifo,
    preview,
    request_from_json,
)
from ipcscope.actions.fifo_removal import find_fifo, plan_fifo_removal, remove_fifo_checked
from ipcscope.actions.removal import ObjectChanged
from ipcscope.core import fifo
from ipcscope.core.errors import IpcError, ValidationError
from ipcscope.model import BlockedTask, ChannelEnd, ChannelScan, Fifo
from tests.actions.support import blocked_syscalls
from tests.actions.test_runner import assert_reaped, wait_until
from tests.fifo_helpers import finish, nonblocking_reader, reader_process, temp_fifo_dir, writer_process

OPENAT, READ = 257, 0


@pytest.fixture
def fifo_dir():
    with temp_fifo_dir() as path:
        yield path


@pytest.fixture
def made(fifo_dir):
    path = fifo_dir / "f"
    fifo.mkfifo(str(path))
    return path


def test_mkfifo_validates_once_and_shows_the_call(fifo_dir, monkeypatch) -> None:
    monkeypatch.chdir(fifo_dir)
    request = MakeFifo.parse({"path": "demo.fifo"})
    assert request.path == str(fifo_dir / "demo.fifo") and request.mode == 0o600
    assert request.c_call() == f'mkfifo("{fifo_dir}/demo.fifo", 0600)'
    result = request.run()
    assert result.kind == "fifo" and result.ident == request.path
    assert f"mode 0{0o600 & ~_umask():03o}" in result.describe()
    with pytest.raises(IpcError) as again:
        request.run()
    assert again.value.errno == errno.EEXIST


def _umask() -> int:
    old = os.umask(0)
    os.umask(old)
    return old


def test_the_preview_names_what_is_missing() -> None:
    shown = preview(MakeFifo, {"mode": "0640"})
    assert shown.c_call == "mkfifo(path, 0640)" and set(shown.errors) == {"path"}
    bad = preview(MakeFifo, {"path": "/tmp/x", "mode": "999"})
    assert set(bad.errors) == {"mode"}
    write = preview(FifoWrite, {"path": "/tmp/f", "data": "hi"})
    assert write.c_call == 'fd = open("/tmp/f", O_WRONLY|O_NONBLOCK); write(fd, "hi", 2)'
    assert not write.may_block


@pytest.mark.parametrize(("typed", "timeout", "blocks"), [(None, 0.0, False), ("0", 0.0, False),
                                                           ("", None, True), ("2.5", 2.5, True)])
def test_reads_and_writes_never_wait_unless_asked(typed, timeout, blocks) -> None:
    fields = {"path": "/tmp/f", "data": "x"} | ({} if typed is None else {"timeout": typed})
    for cls in (FifoWrite, FifoRead):
        request = cls.parse(fields)
        assert (request.timeout, request.may_block) == (timeout, blocks)
        assert request_from_json(request.to_json()) == request
    assert "O_NONBLOCK" not in FifoRead.parse({"path": "/tmp/f", "timeout": ""}).c_call()


def test_a_non_blocking_write_without_a_reader_fails_with_enxio(made) -> None:
    with pytest.raises(IpcError) as error:
        FifoWrite.parse({"path": str(made), "data": "hello"}).run()
    assert error.value.errno == errno.ENXIO and "O_NONBLOCK" in error.value.call


def test_write_then_read_back_through_the_fifo(made) -> None:
    held = nonblocking_reader(made)
    try:
        written = FifoWrite.parse({"path": str(made), "data": "hex:00ff41"}).run()
        assert isinstance(written, FifoWritten)
        assert (written.length, written.requested, written.queued) == (3, 3, 3)
        assert "3 bytes now queued" in written.describe()
        got = FifoRead.parse({"path": str(made), "bytes": "2"}).run()
        assert isinstance(got, FifoData) and got.data == b"\x00\xff" and not got.eof
        assert FifoRead.parse({"path": str(made)}).run().data == b"A"
        eof = FifoRead.parse({"path": str(made)}).run()  # no writer left, nothing queued
        assert eof.eof and "end of file" in eof.describe()
    finally:
        os.close(held)


def test_a_blocking_read_waits_in_a_helper_process_then_gets_the_data(runner, made) -> None:
    op = runner.start(FifoRead.parse({"path": str(made), "timeout": ""}))
    wait_until(lambda: OPENAT in blocked_syscalls(op.pid), what="the helper to wait in open()")
    assert runner.poll() == () or runner.get(op.op_id).status == "running"
    writer = writer_process(made, b"for the helper")
    try:
        done = runner.wait(op, timeout=10)
    finally:
        finish(writer)
    assert done.status == "done", done
    assert done.result.data == b"for the helper"
    assert_reaped(op.pid, runner)


def test_a_blocking_write_is_cancelled_and_releases_nothing(runner, made) -> None:
    op = runner.start(FifoWrite.parse({"path": str(made), "data": "never read", "timeout": ""}))
    wait_until(lambda: OPENAT in blocked_syscalls(op.pid), what="the helper to wait in open()")
    ended = runner.cancel(op)
    assert ended.status == "cancelled"
    assert_reaped(op.pid, runner)
    with pytest.raises(IpcError) as error:  # nobody is left at the other end
        fifo.open_fifo(str(made), write=True, nonblock=True)
    assert error.value.errno == errno.ENXIO


def test_a_timed_write_reaches_a_real_reader(made) -> None:
    reader = reader_process(made)
    try:
        result = FifoWrite.parse({"path": str(made), "data": "hello\n", "timeout": "10"}).run()
    finally:
        out = finish(reader)
    assert result.length == 6 and bytes.fromhex(out.strip()) == b"hello\n"


def test_a_timed_read_without_a_writer_times_out(made) -> None:
    started = time.monotonic()
    with pytest.raises(IpcError) as error:
        FifoRead.parse({"path": str(made), "timeout": "0.2"}).run()
    assert error.value.errno == errno.ETIMEDOUT and time.monotonic() - started < 5


def test_what_is_not_a_fifo_is_refused(fifo_dir) -> None:
    plain = fifo_dir / "plain"
    plain.write_bytes(b"keep")
    with pytest.raises(ValidationError, match="not a FIFO"):
        FifoWrite.parse({"path": str(plain), "data": "x"}).run()
    assert plain.read_bytes() == b"keep"
    link = fifo_dir / "link"
    os.symlink(plain, link)
    with pytest.raises(ValidationError, match="symbolic link"):
        find_fifo(str(link))


# --------------------------------------------------------------------------- removal


def test_removal_says_who_has_it_open_and_who_waits_in_open(made) -> None:
    found = find_fifo(str(made))
    assert found is not None
    scanned = Fifo(str(made), found.inode, found.dev, queued=12,
                   ends=(ChannelEnd(4101, "cat", 3, "r"), ChannelEnd(4102, "logger", 1, "w")),
                   blocked=(BlockedTask(4103, 4103, "late", "open"),))
    plan = plan_fifo_removal(str(made), found, ChannelScan(fifos=(scanned,), hidden_ends=2))
    text = plan.text
    assert plan.title == f"Unlink FIFO {made} (inode {found.inode})?"
    assert "pid 4101 cat (fd 3, r), pid 4102 logger (fd 1, w)" in text and "12B queued stay readable" in text
    assert "pid 4103 late waits in open()" in text
    assert "2 descriptors of processes that could not be inspected" in text
    unknown = plan_fifo_removal(str(made), found, None)
    assert "not known: channels were not scanned" in unknown.text
    nothing = plan_fifo_removal(str(made), None, None)
    assert not nothing.possible


def test_remove_unlinks_the_fifo_shown_and_only_it(made) -> None:
    shown = find_fifo(str(made))
    fifo.mkfifo(str(made) + ".new")
    os.rename(str(made) + ".new", made)  # same path, another FIFO (made while the first existed)
    with pytest.raises(ObjectChanged, match="changed since it was shown"):
        FifoRemove.parse({}, target=shown).run()
    assert made.exists()
    current = find_fifo(str(made))
    result = FifoRemove.parse({}, target=current).run()
    assert "unlinked" in result.describe() and not made.exists()
    with pytest.raises(ObjectChanged, match="no longer exists"):
        remove_fifo_checked(current)


def test_remove_needs_the_fifo_as_shown() -> None:
    with pytest.raises(ValidationError, match="must be shown before it can be removed"):
        FifoRemove.parse({"path": "/tmp/whatever.fifo"})
