"""The process-scan keys of `list --json`, on the demo Snapshot (deterministic: no live pids)."""

from __future__ import annotations

import json

import pytest

from ipcscope.cli.json_output import process_fields, scan_summary
from ipcscope.demo import DEMO_NOW, demo_snapshot
from ipcscope.format import iso_time


@pytest.fixture
def scan():
    return demo_snapshot().processes


def test_shm_attached(scan) -> None:
    assert process_fields("shm", "shm:3", scan) == {
        "attached": [{"pid": 4101, "comm": "shm_server"}, {"pid": 4102, "comm": "shm_client"}]}
    assert process_fields("shm", "shm:99", scan) == {"attached": []}


def test_sem_waiters_with_ops_state_and_since(scan) -> None:
    waiters = process_fields("sem", "sem:2", scan)["waiters"]
    assert waiters[1] == {
        "pid": 4418, "tid": 4420, "comm": "worker", "state": "waiting",
        "ops": [{"num": 0, "op": -1, "flags": 0}, {"num": 1, "op": -1, "flags": 0}],
        "blocked_on": 0, "since": iso_time(DEMO_NOW - 130),
    }
    assert waiters[2]["state"] == "stopped"
    assert waiters[0]["ops"] == [{"num": 0, "op": -1, "flags": 0x1000}]


def test_msg_waiters(scan) -> None:
    [sender] = process_fields("msg", "msg:3", scan)["waiters"]
    assert (sender["op"], sender["msgtyp"], sender["size"]) == ("msgsnd", 1, 2000)
    [receiver] = process_fields("msg", "msg:7", scan)["waiters"]
    assert (receiver["op"], receiver["msgtyp"], receiver["msgflg"]) == ("msgrcv", 5, 0)


def test_posix_openers_and_waiters(scan) -> None:
    fields = process_fields("psem", "psem:/ring-lock", scan)
    assert fields["openers"] == [{"pid": 4601, "comm": "ring_writer"}, {"pid": 4602, "comm": "ring_reader"}]
    assert [(w["pid"], w["op"]) for w in fields["waiters"]] == [(4602, "futex")]
    assert process_fields("pmq", "pmq:/jobs", scan)["waiters"] == []


def test_no_scan_means_null_not_empty() -> None:
    assert process_fields("shm", "shm:3", None) == {"attached": None}
    assert process_fields("pshm", "pshm:/ring", None) == {"openers": None, "waiters": None}
    assert scan_summary(None) is None


def test_summary_and_json_round_trip() -> None:
    scan = demo_snapshot(root=False).processes
    summary = scan_summary(scan)
    assert summary["denied"] == 14 and summary["scanned"] == 212 and summary["listing_incomplete"] is False
    assert summary["notes"][0].startswith("14 processes of other users were not inspected")
    json.dumps([summary, process_fields("sem", "sem:2", scan)])


def test_unknown_kind_is_an_error(scan) -> None:
    with pytest.raises(ValueError):
        process_fields("nope", "nope:1", scan)
