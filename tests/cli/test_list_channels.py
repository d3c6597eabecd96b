"""`ipcscope list` for channels: the exact JSON fields per kind, --type and --no-processes, the
ss/lsof-style text tables, and one live run against a real pipe and socketpair."""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys

import pytest

from ipcscope.cli.channel_tables import channel_table
from ipcscope.cli.json_output import list_document, scan_summary
from ipcscope.model import (
    BlockedTask,
    ChannelEnd,
    ChannelScan,
    Fifo,
    InetSocket,
    Pipe,
    ProcessScan,
    Snapshot,
    UnixSocket,
)
from tests.probe.scan_helpers import children, sleep_forever

NOW = 1_800_000_000.0


def channels() -> ChannelScan:
    reader = ChannelEnd(812, "cat", 0, "r")
    writer = ChannelEnd(810, "sh", 4, "w")
    return ChannelScan(
        pipes=(Pipe(inode=41235, dev=15, ends=(writer, reader), queued=1000, capacity=65536,
                    blocked=(BlockedTask(812, 812, "cat", "read", 0, since=NOW - 60),)),),
        fifos=(Fifo(path="/tmp/jobs", inode=77, dev=os.makedev(0, 30), unlinked=True,
                    blocked=(BlockedTask(820, 820, "echo", "open", None, since=NOW - 5, mode="w"),)),),
        unix=(UnixSocket(inode=5001, type="stream", state="listen", name="/run/srv.sock", pending=2, backlog=5,
                         pending_peers=(5003, 5004), uid=0, ends=(ChannelEnd(900, "srv", 3, "rw"),)),
              UnixSocket(inode=5002, type="dgram", state="unconnected", name="@logs", queued=20)),
        inet=(InetSocket(inode=6001, proto="tcp", local="127.0.0.1:5432", remote="127.0.0.1:40000",
                         state="established", peer=6002, queued=5000, uid=1000),),
        hidden_ends=1, notes=("1 socket has no visible owner.",))


def scan() -> ProcessScan:
    return ProcessScan(taken_at=NOW, channels=channels())


def test_every_kind_has_exactly_its_documented_fields() -> None:
    document = list_document(Snapshot(taken_at=NOW, processes=scan()))
    groups = document["channels"]
    assert list(groups) == ["pipe", "fifo", "unix", "inet"]
    [pipe] = groups["pipe"]
    assert pipe == {
        "inode": 41235, "capacity": 65536,
        "ends": [{"pid": 810, "comm": "sh", "fd": 4, "mode": "w"}, {"pid": 812, "comm": "cat", "fd": 0, "mode": "r"}],
        "blocked": [{"pid": 812, "tid": 812, "comm": "cat", "op": "read", "fd": 0, "state": "waiting",
                     "since": "2027-01-15T07:59:00+00:00"}],
        "queued": 1000,
    }
    [fifo] = groups["fifo"]
    assert fifo == {"path": "/tmp/jobs", "inode": 77, "dev": "0:30", "unlinked": True, "capacity": None,
                    "ends": [], "queued": None,
                    "blocked": [{"pid": 820, "tid": 820, "comm": "echo", "op": "open", "fd": None,
                                 "state": "waiting", "since": "2027-01-15T07:59:55+00:00"}]}
    listener, dgram = groups["unix"]
    assert listener == {"inode": 5001, "type": "stream", "state": "listen", "name": "/run/srv.sock", "peer": None,
                        "pending": 2, "backlog": 5, "pending_peers": [5003, 5004], "uid": 0,
                        "ends": [{"pid": 900, "comm": "srv", "fd": 3, "mode": "rw"}], "blocked": [], "queued": None}
    assert (dgram["name"], dgram["queued"], dgram["pending"]) == ("@logs", 20, None)
    [tcp] = groups["inet"]
    assert tcp == {"inode": 6001, "proto": "tcp", "local": "127.0.0.1:5432", "remote": "127.0.0.1:40000",
                   "state": "established", "peer": 6002, "pending": None, "backlog": None, "uid": 1000,
                   "ends": [], "blocked": [], "queued": 5000}
    assert document["process_scan"]["hidden_ends"] == 1
    assert "1 socket has no visible owner." in document["process_scan"]["notes"]
    json.dumps(document)


def test_type_selects_channel_kinds_and_no_scan_gives_null() -> None:
    snapshot = Snapshot(taken_at=NOW, processes=scan())
    assert list(list_document(snapshot, ["unix", "pipe"])["channels"]) == ["pipe", "unix"]
    assert list_document(snapshot, ["shm"])["channels"] == {}
    assert list_document(Snapshot(taken_at=NOW), ["pipe"])["channels"] is None
    assert list_document(Snapshot(taken_at=NOW))["channels"] is None
    assert scan_summary(ProcessScan(taken_at=NOW))["hidden_ends"] is None


def test_text_tables_in_the_style_of_ss_and_lsof() -> None:
    found = channels()
    pipes = channel_table(found, "pipe").splitlines()
    assert pipes[0].split() == ["INODE", "QUEUED", "CAPACITY", "WRITERS", "READERS", "BLOCKED"]
    assert pipes[1].split() == ["41235", "1000B", "64K", "sh[810]:4", "cat[812]:0", "read:cat[812]"]
    fifo = channel_table(found, "fifo", raw_bytes=True).splitlines()
    assert fifo[1].split() == ["/tmp/jobs", "(deleted)", "77", "-", "-", "-", "-", "open:echo[820]"]
    unix = channel_table(found, "unix").splitlines()
    assert unix[0].split() == ["TYPE", "STATE", "QUEUED", "PENDING", "NAME", "INODE", "PEER", "OWNERS", "BLOCKED"]
    assert unix[1].split() == ["stream", "listen", "-", "2/5", "/run/srv.sock", "5001", "-", "srv[900]:3", "-"]
    inet = channel_table(found, "inet").splitlines()
    assert inet[0].split()[:6] == ["PROTO", "STATE", "QUEUED", "PENDING", "LOCAL", "REMOTE"]
    assert channel_table(None, "pipe").startswith("(not scanned")


@pytest.mark.usefixtures("root_only")
def test_a_live_listing_finds_a_real_pipe_and_socketpair() -> None:
    read_end, write_end = os.pipe()
    a, b = socket.socketpair()
    with a, b:
        os.write(write_end, b"hello")
        a.send(b"twelve bytes")
        pipe_inode, sock_inode = os.fstat(read_end).st_ino, os.fstat(b.fileno()).st_ino
        with children() as kids:
            holder = kids.spawn(sleep_forever)  # holds copies of everything, as a forked child does
            try:
                proc = subprocess.run([sys.executable, "-m", "ipcscope", "list", "--json", "--type", "pipe,unix"],
                                      capture_output=True, text=True, timeout=120)
                bare = subprocess.run([sys.executable, "-m", "ipcscope", "list", "--json", "--no-processes"],
                                      capture_output=True, text=True, timeout=120)
                text = subprocess.run([sys.executable, "-m", "ipcscope", "list", "-t", "pipe"],
                                      capture_output=True, text=True, timeout=120)
            finally:
                os.close(read_end)
                os.close(write_end)
    assert proc.returncode == 0, proc.stderr
    document = json.loads(proc.stdout)
    assert list(document["channels"]) == ["pipe", "unix"] and document["sysv"] == {} and document["posix"] == {}
    [pipe] = [p for p in document["channels"]["pipe"] if p["inode"] == pipe_inode]
    assert pipe["queued"] == 5 and pipe["capacity"] == 65536
    assert {(e["pid"], e["mode"]) for e in pipe["ends"]} >= {(os.getpid(), "r"), (holder, "w")}
    [sock] = [s for s in document["channels"]["unix"] if s["inode"] == sock_inode]
    assert (sock["queued"], sock["type"], sock["state"]) == (12, "stream", "connected")
    assert json.loads(bare.stdout)["channels"] is None
    assert text.returncode == 0 and text.stdout.split()[:3] == ["INODE", "QUEUED", "CAPACITY"]
    assert str(pipe_inode) in text.stdout


def test_the_kind_list_names_the_channel_kinds() -> None:
    proc = subprocess.run([sys.executable, "-m", "ipcscope", "list", "-t", "pipes"],
                          capture_output=True, text=True, timeout=60)
    assert proc.returncode == 2 and "pipe, fifo, unix, inet" in proc.stderr
