"""The channel findings: each planted with real processes and its absence when healthy, then the
rules' edges on hand-built scans (threads, stopped tasks, hidden processes, JSON, sorting)."""

from __future__ import annotations

import fcntl
import os
import socket
import subprocess
import sys
import time

import pytest

from ipcscope.doctor import Finding, coverage_notes, diagnose, doctor_to_json
from ipcscope.model import (
    BlockedTask,
    ChannelEnd,
    ChannelScan,
    Fifo,
    InetSocket,
    ObjectRef,
    Pipe,
    ProcessRef,
    ProcessScan,
    Snapshot,
    UnixSocket,
)
from tests.probe.channel_helpers import (
    empty_snapshot,
    in_pid_namespace,
    poll_channels,
    private_dir,
    scanner,
    socket_inode,
    wait_for_state,
)
from tests.probe.scan_helpers import children

CHANNELS = ("pipe", "fifo", "unix", "inet")


def findings_on(scan: ProcessScan, stuck_after: float = 0.0) -> list[Finding]:
    snapshot = Snapshot(taken_at=scan.taken_at, processes=scan, mqueue_source="detached")
    return diagnose(snapshot, now=time.time(), stuck_after=stuck_after)


def of(findings: list[Finding], ident: int | str) -> list[Finding]:
    return [f for f in findings if f.object.ident == ident]


# --------------------------------------------------------------------------- planted, real processes


@pytest.mark.usefixtures("root_only")
class TestPlanted:
    def test_pipe_eof_never_when_the_reader_kept_its_write_end(self) -> None:
        read_end, write_end = os.pipe()
        inode = os.fstat(read_end).st_ino
        with children() as kids:
            child = kids.spawn(lambda: os.read(read_end, 1))  # the classic: no close(write_end)
            os.close(read_end)
            os.close(write_end)
            wait_for_state(child, "pipe_read")
            scan = poll_channels(scanner(), lambda c: any(p.inode == inode and p.blocked for p in c.pipes),
                                 kinds=CHANNELS)
            [finding] = of(findings_on(scan), inode)
        assert (finding.kind, finding.severity, finding.object) == ("pipe-eof-never", "error", ObjectRef("pipe", inode))
        assert finding.pids == (child,)
        assert f"close({write_end}) before reading" in finding.hint
        assert "never" in finding.message or "cannot return EOF" in finding.message

    def test_no_eof_finding_when_the_reader_closed_its_write_end(self) -> None:
        read_end, write_end = os.pipe()
        inode = os.fstat(read_end).st_ino

        def reader() -> None:
            os.close(write_end)
            os.read(read_end, 1)

        with children() as kids:
            child = kids.spawn(reader)
            wait_for_state(child, "pipe_read")
            os.close(read_end)
            try:
                scan = poll_channels(scanner(), lambda c: any(p.inode == inode and p.blocked for p in c.pipes),
                                     kinds=CHANNELS)
                assert of(findings_on(scan), inode) == []  # we hold the write end and are not blocked
            finally:
                os.close(write_end)

    def test_pipe_full_names_the_reader_and_what_it_does(self) -> None:
        read_end, write_end = os.pipe()
        other_read, other_write = os.pipe()
        inode, other = os.fstat(read_end).st_ino, os.fstat(other_read).st_ino
        fcntl.fcntl(write_end, fcntl.F_SETPIPE_SZ, 4096)

        def writer() -> None:
            os.close(read_end)
            os.write(write_end, b"w" * 100000)

        def busy_reader() -> None:  # holds the read end but is blocked reading another pipe
            os.close(write_end)
            os.close(other_write)
            os.read(other_read, 1)

        with children() as kids:
            blocked = kids.spawn(writer)
            reader = kids.spawn(busy_reader)
            for fd in (read_end, write_end, other_read):
                os.close(fd)
            try:
                scan = poll_channels(scanner(), lambda c: any(p.inode == inode and p.blocked and len(p.ends) == 2
                                                              for p in c.pipes), kinds=CHANNELS)
                [finding] = of(findings_on(scan), inode)
                assert of(findings_on(scan, stuck_after=3600), inode) == []  # not stuck long enough
            finally:
                os.close(other_write)
        assert (finding.kind, finding.severity, finding.pids) == ("pipe-full", "warning", (blocked, reader))
        assert "4096 of 4096 bytes (100.0%)" in finding.message
        assert f"{reader} (fd {read_end}) is blocked in read() on pipe {other}" in finding.message
        assert finding.hint == f"ps -o pid,stat,wchan:32,cmd -p {reader}"

    def test_no_pipe_full_while_there_is_room(self) -> None:
        read_end, write_end = os.pipe()
        inode = os.fstat(read_end).st_ino
        os.write(write_end, b"room left")
        try:
            scan = poll_channels(scanner(), lambda c: any(p.inode == inode for p in c.pipes), kinds=CHANNELS)
            assert of(findings_on(scan), inode) == []
        finally:
            os.close(read_end)
            os.close(write_end)

    def test_pipe_no_reader_when_every_process_is_seen(self) -> None:
        def scene(proc_root: str):
            read_end, write_end = os.pipe()
            healthy_read, healthy_write = os.pipe()
            os.close(read_end)
            inode, healthy = os.fstat(write_end).st_ino, os.fstat(healthy_write).st_ino
            scan = scanner(proc_root=proc_root).scan(empty_snapshot(), CHANNELS)
            findings = findings_on(scan)
            return (scan.channels.complete, [(f.kind, f.severity) for f in of(findings, inode)],
                    of(findings, healthy), [p.queued for p in scan.channels.pipes if p.inode == inode])

        complete, found, healthy, queued = in_pid_namespace(scene)
        assert complete and found == [("pipe-no-reader", "warning")] and healthy == []
        assert queued == [0]  # measured through the write end: nobody could read, so nobody misses EOF

    def test_pipe_no_reader_is_not_claimed_when_a_process_could_not_be_inspected(self) -> None:
        read_end, write_end = os.pipe()
        os.close(read_end)
        inode = os.fstat(write_end).st_ino
        try:
            scan = poll_channels(scanner(), lambda c: any(p.inode == inode for p in c.pipes), kinds=CHANNELS)
            assert not scan.channels.complete  # pid 1 refuses its descriptors even to root here
            assert of(findings_on(scan), inode) == []
            snapshot = Snapshot(taken_at=scan.taken_at, processes=scan)
            assert any("pipe-no-reader was not checked" in note for note in coverage_notes(snapshot))
        finally:
            os.close(write_end)

    def test_fifo_open_wait_says_which_partner_is_missing(self) -> None:
        with private_dir() as directory:
            path = f"{directory}/q"
            os.mkfifo(path, 0o600)
            with children() as kids:
                opener = kids.spawn(lambda: os.open(path, os.O_WRONLY))
                wait_for_state(opener, "wait_for_partner")
                scan = poll_channels(scanner([directory]), lambda c: any(f.path == path and f.blocked
                                                                         for f in c.fifos), kinds=CHANNELS)
                inode = os.stat(path).st_ino
                [info] = of(findings_on(scan, stuck_after=3600), inode)
                [warning] = of(findings_on(scan, stuck_after=0), inode)
                healthy = scanner([directory])
                reader = os.open(path, os.O_RDONLY | os.O_NONBLOCK)  # the partner: the open returns
                try:
                    os.waitpid(opener, 0)
                    kids.pids.remove(opener)
                    assert of(findings_on(healthy.scan(empty_snapshot(), CHANNELS)), inode) == []
                finally:
                    os.close(reader)
        assert (info.kind, info.severity, warning.severity) == ("fifo-open-wait", "info", "warning")
        assert info.object == ObjectRef("fifo", inode) and info.pids == (opener,)
        assert f"open({path}, O_WRONLY)" in info.message and "for a reader" in info.message
        assert info.hint == f"cat {path}"

    def test_socket_backlog_full_names_the_owner(self) -> None:
        # The listener belongs to a child that only sleeps: this test's own process may have a
        # thread blocked in read() (a pytest-xdist worker's channel), which the finding would name.
        code = ("import socket, sys, time\n"
                "s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM); s.bind(sys.argv[1]); s.listen(1)\n"
                "print('listening', flush=True); time.sleep(120)\n")
        with private_dir() as directory:
            path = f"{directory}/srv"
            owner = subprocess.Popen([sys.executable, "-c", code, path], stdout=subprocess.PIPE, text=True)
            healthy = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
            clients = [socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) for _ in range(3)]
            try:
                assert owner.stdout is not None and owner.stdout.readline() == "listening\n"
                healthy.bind(f"{directory}/ok")
                healthy.listen(5)
                for client in clients[:2]:
                    client.connect(path)  # nobody accepts: backlog 1 admits 2
                clients[2].connect(f"{directory}/ok")
                fine = socket_inode(healthy)
                scan = poll_channels(scanner(), lambda c: any(s.name == path and s.pending == 2 for s in c.unix),
                                     kinds=CHANNELS)
                listener = next(s.inode for s in scan.channels.unix if s.name == path and s.state == "listen")
                [finding] = of(findings_on(scan), listener)
                assert of(findings_on(scan), fine) == []
            finally:
                for sock in (healthy, *clients):
                    sock.close()
                owner.kill()
                owner.wait()
        assert (finding.kind, finding.severity, finding.pids) == ("socket-backlog-full", "warning", (owner.pid,))
        assert f"on {path}" in finding.message and "2 connections (backlog 1" in finding.message
        assert "is not blocked" in finding.message  # the owner sleeps: it is not in accept()


# --------------------------------------------------------------------------- rules on hand-built scans

NOW = 1_800_000_000.0


def task(pid: int, op: str, *, fd: int | None = 3, since: float = NOW - 120, state: str = "waiting",
         tid: int | None = None, mode: str | None = None) -> BlockedTask:
    return BlockedTask(pid, tid or pid, f"p{pid}", op, fd, since=since, state=state, mode=mode)  # type: ignore[arg-type]


def end(pid: int, fd: int, mode: str) -> ChannelEnd:
    return ChannelEnd(pid, f"p{pid}", fd, mode)  # type: ignore[arg-type]


def run(channels: ChannelScan, stuck_after: float = 60.0) -> list[Finding]:
    pids = {e.pid for c in channels.all() for e in c.ends} | {t.pid for c in channels.all() for t in c.blocked}
    scan = ProcessScan(taken_at=NOW, processes={p: ProcessRef(p, f"p{p}") for p in pids}, channels=channels)
    return diagnose(Snapshot(taken_at=NOW, processes=scan), now=NOW, stuck_after=stuck_after)


def test_a_multithreaded_reader_may_write_its_own_pipe() -> None:
    pipe = Pipe(inode=7, dev=15, ends=(end(10, 3, "r"), end(10, 4, "w")), blocked=(task(10, "read"),), queued=0)
    assert [f.kind for f in run(ChannelScan(pipes=(pipe,), threads={10: 1}))] == ["pipe-eof-never"]
    assert run(ChannelScan(pipes=(pipe,), threads={10: 2})) == []  # another thread may write
    assert run(ChannelScan(pipes=(pipe,))) == []  # thread count unknown: no claim


def test_write_ends_held_by_other_blocked_readers_never_give_eof() -> None:
    pipe = Pipe(inode=7, dev=15, ends=(end(10, 3, "r"), end(11, 3, "r"), end(11, 4, "w")),
                blocked=(task(10, "read"), task(11, "read")), queued=0)
    [finding] = run(ChannelScan(pipes=(pipe,), threads={10: 1, 11: 1}))
    assert finding.kind == "pipe-eof-never" and finding.pids == (10, 11)
    assert "held by processes blocked reading it" in finding.message
    stopped = Pipe(inode=7, dev=15, ends=pipe.ends, blocked=(task(10, "read"), task(11, "read", state="stopped")))
    assert run(ChannelScan(pipes=(stopped,), threads={10: 1, 11: 1})) == []  # 11 may write once continued


def test_an_o_rdwr_fifo_reader_never_sees_eof() -> None:
    fifo = Fifo(path="/tmp/q", inode=9, dev=30, ends=(end(10, 3, "rw"),), blocked=(task(10, "read"),), queued=0)
    [finding] = run(ChannelScan(fifos=(fifo,), threads={10: 1}))
    assert finding.kind == "pipe-eof-never" and "FIFO (/tmp/q)" in finding.message
    assert doctor_to_json([finding])["findings"][0]["object"] == {"type": "fifo", "id": 9}


def test_findings_sort_channel_kinds_after_the_ipc_kinds() -> None:
    full = UnixSocket(inode=5, type="stream", state="listen", name="/run/s", pending=3, backlog=2,
                      ends=(end(20, 4, "rw"),))
    idle = UnixSocket(inode=6, type="stream", state="listen", name=None, pending=0, backlog=0)
    tcp = InetSocket(inode=8, proto="tcp", local="127.0.0.1:80", remote=None, state="listen", pending=128,
                     backlog=128)
    lone = Pipe(inode=4, dev=15, ends=(end(21, 5, "w"),))
    opener = Fifo(path="/tmp/f", inode=0, dev=0, blocked=(task(22, "open", fd=None, mode="r"),))
    findings = run(ChannelScan(pipes=(lone,), fifos=(opener,), unix=(full, idle), inet=(tcp,)))
    assert [(f.kind, f.object.kind) for f in findings] == [
        ("pipe-no-reader", "pipe"), ("fifo-open-wait", "fifo"), ("socket-backlog-full", "unix"),
        ("socket-backlog-full", "inet")]
    opened = findings[1]
    assert opened.object == ObjectRef("fifo", "/tmp/f") and "for a writer" in opened.message
    assert doctor_to_json([opened])["findings"][0]["object"] == {"type": "fifo", "name": "/tmp/f"}
    assert opened.hint == "ipcscope write fifo /tmp/f DATA"
    assert "its owner is not visible" in findings[3].message


def test_no_channel_findings_without_channels_or_when_incomplete_for_no_reader() -> None:
    lone = Pipe(inode=4, dev=15, ends=(end(21, 5, "w"),))
    assert run(ChannelScan(pipes=(lone,), complete=False)) == []
    assert diagnose(Snapshot(taken_at=NOW, processes=ProcessScan(taken_at=NOW)), now=NOW) == []


def test_pipe_full_reports_only_writers_stuck_long_enough() -> None:
    pipe = Pipe(inode=7, dev=15, ends=(end(10, 4, "w"), end(11, 3, "r")), queued=65536, capacity=65536,
                blocked=(task(10, "write", since=NOW - 5),))
    assert run(ChannelScan(pipes=(pipe,)), stuck_after=60) == []
    [finding] = run(ChannelScan(pipes=(pipe,)), stuck_after=1)
    assert ("p10 10 is blocked writing for 5s into a full pipe: it holds 65536 of 65536 bytes (100.0%)"
            in finding.message)
    assert "p11 11 (fd 3) is not blocked" in finding.message
