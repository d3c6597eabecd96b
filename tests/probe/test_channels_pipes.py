"""Pipes and FIFOs between real processes: ends and their modes, bytes queued, capacity, blocked
readers, writers and openers, FIFOs nobody has open; and that watching changes nothing."""

from __future__ import annotations

import fcntl
import os
import signal
import threading
import time

import pytest

from ipcscope.probe.channels.pipes import F_GETPIPE_SZ
from tests.probe.channel_helpers import (
    empty_snapshot,
    fdinfo_mode,
    fifo_at,
    in_pid_namespace,
    pipe_of,
    poll_channels,
    private_dir,
    scanner,
    wait_for_state,
)
from tests.probe.scan_helpers import children, sleep_forever

pytestmark = pytest.mark.usefixtures("root_only")

PIPES = ("pipe",)
FIFOS = ("fifo",)


def closing(*fds: int):
    """A child body: close `fds` (the ends it must not hold), then sleep."""
    def run() -> None:
        for fd in fds:
            os.close(fd)
        sleep_forever()
    return run


def blocked_reading(read_end: int, *close: int):
    def run() -> None:
        for fd in close:
            os.close(fd)
        os.read(read_end, 1)
        sleep_forever()
    return run


@pytest.fixture
def pipe():
    read_end, write_end = os.pipe()
    try:
        yield read_end, write_end
    finally:
        for fd in (read_end, write_end):
            try:
                os.close(fd)
            except OSError:
                pass


# --------------------------------------------------------------------------- pipes


def test_ends_modes_queued_and_capacity(pipe) -> None:
    read_end, write_end = pipe
    os.write(write_end, b"x" * 1000)
    with children() as kids:
        reader = kids.spawn(closing(write_end))
        os.close(read_end)
        expected = {(reader, read_end, "r"), (os.getpid(), write_end, "w")}
        # Until the child has closed its inherited copy of the write end, a scan sees it too.
        scan = poll_channels(scanner(), lambda c: (p := pipe_of(c, write_end)) is not None
                             and {(e.pid, e.fd, e.mode) for e in p.ends} == expected, kinds=PIPES)
    found = pipe_of(scan.channels, write_end)
    assert {(e.pid, e.fd, e.mode) for e in found.ends} == expected
    assert found.queued == 1000
    assert found.capacity == fcntl.fcntl(write_end, F_GETPIPE_SZ)
    assert found.dev == os.fstat(write_end).st_dev and found.ref.row_key == f"pipe:{found.inode}"
    me = next(e for e in found.ends if e.pid == os.getpid())
    assert (me.comm, me.uid) == (scan.processes[os.getpid()].comm, 0)


def test_capacity_is_read_per_pipe_and_a_full_pipe_is_full(pipe) -> None:
    read_end, write_end = pipe
    size = fcntl.fcntl(write_end, fcntl.F_SETPIPE_SZ, 16384)
    os.set_blocking(write_end, False)
    written = 0
    try:
        while True:
            written += os.write(write_end, b"y" * 4096)
    except BlockingIOError:
        pass
    found = pipe_of(poll_channels(scanner(), lambda c: pipe_of(c, write_end) is not None, kinds=PIPES).channels,
                    write_end)
    assert found.capacity == size == 16384
    assert found.queued == written == 16384


def test_the_probe_modes_agree_with_fdinfo_for_every_end(pipe) -> None:
    read_end, write_end = pipe
    with private_dir() as directory:
        path = f"{directory}/both"
        os.mkfifo(path, 0o600)
        both = os.open(path, os.O_RDWR)  # a FIFO opened read-write: never blocks, never sees EOF
        try:
            scan = poll_channels(scanner(), lambda c: pipe_of(c, write_end) is not None
                                 and fifo_at(c, path) is not None, kinds=("pipe", "fifo"))
            ends = [*pipe_of(scan.channels, write_end).ends, *fifo_at(scan.channels, path).ends]
            mine = [e for e in ends if e.pid == os.getpid()]
            assert {e.mode for e in mine} == {"r", "w", "rw"}
            for end in mine:
                assert end.mode == fdinfo_mode(end.pid, end.fd)
        finally:
            os.close(both)


def test_a_forked_child_holds_its_own_copy_of_both_ends(pipe) -> None:
    read_end, write_end = pipe
    with children() as kids:
        child = kids.spawn(sleep_forever)  # closes nothing: the classic mistake
        scan = poll_channels(scanner(), lambda c: (p := pipe_of(c, read_end)) is not None
                             and child in {e.pid for e in p.ends}, kinds=PIPES)
    ends = {(e.pid, e.mode) for e in pipe_of(scan.channels, read_end).ends}
    assert ends == {(os.getpid(), "r"), (os.getpid(), "w"), (child, "r"), (child, "w")}


def test_an_o_path_descriptor_is_no_end(pipe) -> None:
    read_end, write_end = pipe
    with private_dir() as directory:
        path = f"{directory}/fifo"
        os.mkfifo(path, 0o600)
        handle = os.open(path, os.O_PATH)
        try:
            scan = poll_channels(scanner([directory]), lambda c: fifo_at(c, path) is not None, kinds=FIFOS)
            assert fifo_at(scan.channels, path).ends == ()
        finally:
            os.close(handle)


# --------------------------------------------------------------------------- blocked tasks


def test_a_blocked_reader_and_a_blocked_writer(pipe) -> None:
    read_end, write_end = pipe
    full_read, full_write = os.pipe()
    try:
        os.set_blocking(full_write, False)
        try:
            while True:
                os.write(full_write, b"z" * 65536)
        except BlockingIOError:
            pass
        os.set_blocking(full_write, True)

        def write_more() -> None:
            os.write(full_write, b"!")
            sleep_forever()

        with children() as kids:
            reader = kids.spawn(blocked_reading(read_end, write_end))
            writer = kids.spawn(write_more)
            started = time.time()
            scan = poll_channels(scanner(), lambda c: bool(pipe_of(c, read_end).blocked)
                                 and bool(pipe_of(c, full_write).blocked), kinds=PIPES)
        [task] = pipe_of(scan.channels, read_end).blocked
        assert (task.pid, task.tid, task.op, task.fd, task.state) == (reader, reader, "read", read_end, "waiting")
        assert task.since is not None and task.since <= time.time() and task.since >= started - 5
        [task] = pipe_of(scan.channels, full_write).blocked
        assert (task.pid, task.op, task.fd) == (writer, "write", full_write)
        assert pipe_of(scan.channels, full_write).queued == pipe_of(scan.channels, full_write).capacity
    finally:
        os.close(full_read)
        os.close(full_write)


def test_since_stays_while_blocked_and_starts_again_when_woken(pipe) -> None:
    read_end, write_end = pipe

    def read_forever() -> None:
        os.close(write_end)
        while os.read(read_end, 1):
            pass

    with children() as kids:
        kids.spawn(read_forever)
        watcher = scanner()
        first = poll_channels(watcher, lambda c: bool(pipe_of(c, read_end).blocked), kinds=PIPES)
        since = pipe_of(first.channels, read_end).blocked[0].since
        time.sleep(0.05)
        again = watcher.scan(empty_snapshot(), PIPES)
        assert pipe_of(again.channels, read_end).blocked[0].since == since
        os.write(write_end, b"!")  # the reader wakes, reads, and blocks again: a new wait
        later = poll_channels(watcher, lambda c: bool(pipe_of(c, read_end).blocked)
                              and pipe_of(c, read_end).blocked[0].since != since, kinds=PIPES)
    assert pipe_of(later.channels, read_end).blocked[0].since >= since


def test_a_stopped_reader_is_marked_stopped(pipe) -> None:
    read_end, write_end = pipe
    with children() as kids:
        reader = kids.spawn(blocked_reading(read_end, write_end))
        watcher = scanner()
        poll_channels(watcher, lambda c: bool(pipe_of(c, read_end).blocked), kinds=PIPES)
        os.kill(reader, signal.SIGSTOP)
        scan = poll_channels(watcher, lambda c: [t.state for t in pipe_of(c, read_end).blocked] == ["stopped"],
                             kinds=PIPES)
        os.kill(reader, signal.SIGCONT)
    assert pipe_of(scan.channels, read_end).blocked[0].op == "read"


# --------------------------------------------------------------------------- FIFOs


def test_fifo_ends_path_bytes_and_unlinked() -> None:
    with private_dir() as directory:
        path = f"{directory}/jobs"
        os.mkfifo(path, 0o600)

        def reader() -> None:
            os.open(path, os.O_RDONLY)  # returns once the writer below opens
            sleep_forever()

        with children() as kids:
            pid = kids.spawn(reader)
            writer = os.open(path, os.O_WRONLY)
            try:
                os.write(writer, b"0123456789")
                inode = os.stat(path).st_ino
                watcher = scanner([directory])
                scan = poll_channels(watcher, lambda c: (f := fifo_at(c, path)) is not None and len(f.ends) == 2,
                                     kinds=FIFOS)
                fifo = fifo_at(scan.channels, path)
                assert (fifo.path, fifo.inode, fifo.dev, fifo.unlinked) == (path, inode, os.stat(path).st_dev, False)
                assert {(e.pid, e.mode) for e in fifo.ends} == {(pid, "r"), (os.getpid(), "w")}
                assert (fifo.queued, fifo.capacity) == (10, 65536)
                assert fifo.ref.row_key == f"fifo:{inode}"
                os.unlink(path)
                scan = watcher.scan(empty_snapshot(), FIFOS)
                [fifo] = [f for f in scan.channels.fifos if f.inode == inode]
                assert (fifo.path, fifo.unlinked, fifo.queued) == (path, True, 10)
            finally:
                os.close(writer)


def test_fifos_nobody_has_open_are_found_by_the_bounded_walk() -> None:
    with private_dir() as directory:
        shallow = f"{directory}/a/b/c/shallow"  # 4 levels below the walked directory
        deep = f"{directory}/a/b/c/d/deep"  # 5: beyond the walk
        os.makedirs(os.path.dirname(deep))
        os.mkfifo(shallow, 0o600)
        os.mkfifo(deep, 0o600)
        scan = scanner([directory]).scan(empty_snapshot(), FIFOS)
        found = {f.path: f for f in scan.channels.fifos}
        assert shallow in found and deep not in found
        assert found[shallow].ends == () and found[shallow].capacity is None
        # pid 1 here refuses its descriptors even to root: it might hold the FIFO, so 0 is not certain
        assert found[shallow].queued is None and not scan.channels.complete


def test_a_fifo_nobody_has_open_holds_nothing_when_every_process_is_seen() -> None:
    with private_dir() as directory:
        path = f"{directory}/idle"
        os.mkfifo(path, 0o600)

        def look(proc_root: str):
            scan = scanner([directory], proc_root=proc_root).scan(empty_snapshot(), FIFOS)
            return scan.channels.complete, [(f.path, f.queued, f.ends) for f in scan.channels.fifos]

        complete, fifos = in_pid_namespace(look)
    assert complete and fifos == [(path, 0, ())]


def test_the_walk_is_cached_and_its_fifos_rechecked() -> None:
    with private_dir() as directory:
        first, second = f"{directory}/first", f"{directory}/second"
        os.mkfifo(first, 0o600)
        watcher = scanner([directory])
        assert [f.path for f in watcher.scan(empty_snapshot(), FIFOS).channels.fifos] == [first]
        os.mkfifo(second, 0o600)
        os.unlink(first)
        # before the next walk: the removed one is gone at once, the new one waits for the walk
        assert [f.path for f in watcher.scan(empty_snapshot(), FIFOS).channels.fifos] == []
        watcher.refresh_fifos()
        assert [f.path for f in watcher.scan(empty_snapshot(), FIFOS).channels.fifos] == [second]


@pytest.mark.parametrize("flags, mode", [(os.O_WRONLY, "w"), (os.O_RDONLY, "r")])
def test_an_opener_waiting_for_its_partner(flags: int, mode: str) -> None:
    with private_dir() as directory:
        path = f"{directory}/rendezvous"
        os.mkfifo(path, 0o600)

        def open_relative() -> None:
            os.chdir(directory)
            os.open("rendezvous", flags)  # a relative path: resolved through the task's cwd
            sleep_forever()

        with children() as kids:
            opener = kids.spawn(open_relative)
            wait_for_state(opener, "wait_for_partner")
            scan = poll_channels(scanner(), lambda c: (f := fifo_at(c, path)) is not None and bool(f.blocked),
                                 kinds=FIFOS)
            fifo = fifo_at(scan.channels, path)
    [task] = fifo.blocked
    assert (task.pid, task.op, task.fd, task.mode, task.state) == (opener, "open", None, mode, "waiting")
    assert fifo.path == path and fifo.ends == ()


# --------------------------------------------------------------------------- watching changes nothing


def test_a_writer_still_gets_epipe_when_its_reader_goes_while_scans_run(pipe) -> None:
    read_end, write_end = pipe
    os.close(read_end)
    stop = threading.Event()
    scans = [0]

    def keep_scanning() -> None:
        watcher = scanner()
        while not stop.is_set():
            watcher.scan(empty_snapshot(), PIPES)
            scans[0] += 1

    thread = threading.Thread(target=keep_scanning, daemon=True)
    thread.start()
    try:
        for _ in range(5):
            read_again, write_again = os.pipe()
            with children() as kids:
                reader = kids.spawn(closing(write_again))
                os.close(read_again)
                start = scans[0]
                while scans[0] < start + 2:  # the reader's end has been seen (and duplicated) by scans
                    time.sleep(0.005)
                os.write(write_again, b"fine")
                os.kill(reader, signal.SIGKILL)
                os.waitpid(reader, 0)
                kids.pids.remove(reader)
            with pytest.raises(BrokenPipeError):
                os.write(write_again, b"nobody reads this")
            os.close(write_again)
    finally:
        stop.set()
        thread.join()


def test_a_fifo_opener_is_not_released_by_scans() -> None:
    with private_dir() as directory:
        path = f"{directory}/wait"
        os.mkfifo(path, 0o600)

        def open_for_writing() -> None:
            os.open(path, os.O_WRONLY)
            os._exit(7)  # released: it would exit at once

        with children() as kids:
            opener = kids.spawn(open_for_writing)
            wait_for_state(opener, "wait_for_partner")
            watcher = scanner([directory])
            for _ in range(10):
                watcher.scan(empty_snapshot())  # every kind, the FIFO walk included
            assert os.waitpid(opener, os.WNOHANG) == (0, 0)
            wait_for_state(opener, "wait_for_partner")
            reader = os.open(path, os.O_RDONLY | os.O_NONBLOCK)  # now a partner comes
            try:
                _, status = os.waitpid(opener, 0)
                kids.pids.remove(opener)
            finally:
                os.close(reader)
    assert os.waitstatus_to_exitcode(status) == 7


# --------------------------------------------------------------------------- idle processes


def test_an_idle_process_is_replayed_and_one_that_ran_is_read_again() -> None:
    control_read, control_write = os.pipe()
    kept_read, kept_write = os.pipe()
    dropped_read, dropped_write = os.pipe()
    made: list[int] = []

    def idle_until_told() -> None:
        os.close(control_write)
        os.read(control_read, 1)  # sleeps: its descriptors cannot change meanwhile
        os.close(dropped_read)  # then, once woken: one pipe gone, a new one made
        os.close(dropped_write)
        os.pipe()
        os.read(control_read, 1)

    with children() as kids:
        child = kids.spawn(idle_until_told)
        os.close(control_read)
        os.close(dropped_read)
        watcher = scanner()

        def child_fds(channels) -> set[int]:
            return {p.inode for p in channels.pipes if child in {e.pid for e in p.ends}}

        first = poll_channels(watcher, lambda c: bool(pipe_of(c, control_write).blocked), kinds=PIPES)
        before = child_fds(first.channels)
        again = watcher.scan(empty_snapshot(), PIPES)
        assert watcher._channel_state.last_replayed >= 1
        assert child_fds(again.channels) == before
        replayed = [e for p in again.channels.pipes for e in p.ends if e.pid == child]
        assert replayed == [e for p in first.channels.pipes for e in p.ends if e.pid == child]
        os.write(control_write, b"!")
        dropped = os.fstat(dropped_write).st_ino
        after = poll_channels(watcher, lambda c: dropped not in child_fds(c) and len(child_fds(c) - before) == 1,
                              kinds=PIPES)
        made = sorted(child_fds(after.channels) - before)
    for fd in (control_write, kept_read, kept_write, dropped_write):
        os.close(fd)
    assert len(made) == 1


def test_a_fifo_renamed_while_its_holder_sleeps_shows_its_new_path() -> None:
    with private_dir() as directory:
        old, new = f"{directory}/old", f"{directory}/new"
        os.mkfifo(old, 0o600)
        handle = os.open(old, os.O_RDWR)
        try:
            with children() as kids:
                kids.spawn(closing())
                watcher = scanner()
                poll_channels(watcher, lambda c: fifo_at(c, old) is not None and len(fifo_at(c, old).ends) == 2,
                              kinds=FIFOS)
                watcher.scan(empty_snapshot(), FIFOS)
                os.rename(old, new)
                scan = watcher.scan(empty_snapshot(), FIFOS)
                assert {f.path for f in scan.channels.fifos if f.inode == os.stat(new).st_ino} == {new}
        finally:
            os.close(handle)
