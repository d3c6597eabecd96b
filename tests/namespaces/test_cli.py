"""`--ns` on the command line, against real namespaces: what `ipcscope ns`, `list`, `limits` and
`doctor` say about them, and actions run inside them (checked with `nsenter ... ipcs`, the
kernel's own view from inside)."""

from __future__ import annotations

import errno
import json
import shutil
import subprocess
from collections.abc import Iterator

import pytest

from tests.actions.support import assert_one_line_error, cli, cli_json
from tests.helpers import unique_key
from tests.namespaces.conftest import _need_root
from tests.namespaces.members import Member, start_member, wait_blocked


def nsenter_ipcs(member: Member, *args: str) -> str:
    """`ipcs ARGS` run inside the member's IPC namespace by util-linux, not by ipcscope."""
    if shutil.which("nsenter") is None or shutil.which("ipcs") is None:
        pytest.skip("nsenter and ipcs are needed to check from inside")
    return subprocess.run(["nsenter", "-t", str(member.pid), "--ipc", "ipcs", *args],
                          capture_output=True, text=True, check=True).stdout


@pytest.fixture
def waiting() -> Iterator[Member]:
    """A namespace whose set 0 has a process blocked in semop({0, -1}), for this test alone."""
    _need_root()
    member = start_member(unique_key(), waiter=True)
    try:
        assert wait_blocked(member.waiter)
        yield member
    finally:
        member.end()


def test_ns_lists_every_namespace_with_its_objects(two_namespaces) -> None:
    first, second = two_namespaces
    document = cli_json("ns")
    assert document["version"] == 1
    rows = {ns["inode"]: ns for ns in document["namespaces"]}
    for member in (first, second):
        row = rows[member.inode]
        assert row["objects"] == {"shm": 1, "msg": 1, "sem": 1, "pmq": 1, "pshm": 1, "psem": 1}
        assert row["pid"] == member.pid and row["nprocs"] == (2 if member is first else 1)
        assert row["host"] is False and row["unreachable"] is None
    assert sum(ns["own"] for ns in document["namespaces"]) == 1
    text = cli("ns")
    assert text.returncode == 0
    header, *lines = text.stdout.splitlines()
    assert header.split() == ["NS", "NAME", "NPROCS", "PID", "USER", "SHM", "MSG", "SEM", "PMQ",
                              "PSHM", "PSEM", "COMMAND"]
    assert any(line.split()[0] == str(first.inode) for line in lines)


def test_list_json_of_another_namespace(two_namespaces) -> None:
    first, second = two_namespaces
    document = cli_json("list", "--ns", str(first.pid))
    assert document["version"] == 1
    assert [(ns["inode"], ns["pid"], ns["host"]) for ns in document["namespaces"]] == [
        (first.inode, first.pid, False)]
    assert set(document["namespaces"][0]) >= {"inode", "name", "pid", "nprocs", "host"}
    (sem,) = document["sysv"]["sem"]
    assert sem["ns"] == first.inode and sem["id"] == first.ids["sem"]
    assert [w["pid"] for w in sem["waiters"]] == [first.waiter]
    for group, key in (("sysv", "shm"), ("sysv", "msg"), ("posix", "mq"), ("posix", "shm"), ("posix", "sem")):
        assert [obj["ns"] for obj in document[group][key]] == [first.inode], (group, key)
    assert document["posix"]["sem"][0]["openers"] and document["posix"]["sem"][0]["value"] == 3

    both = cli_json("list", "--ns", "all", "-t", "sem")
    mine = [s for s in both["sysv"]["sem"] if s["ns"] in (first.inode, second.inode)]
    assert sorted((s["ns"], len(s["waiters"])) for s in mine) == sorted([(first.inode, 1), (second.inode, 0)])
    assert all("ns" in s for s in both["sysv"]["sem"])


def test_own_namespace_is_the_usual_document() -> None:
    assert "namespaces" not in cli_json("list", "--ns", "own", "-t", "shm")
    assert "namespaces" not in cli_json("list", "-t", "shm")


def test_limits_per_namespace(two_namespaces) -> None:
    first, _ = two_namespaces
    document = cli_json("limits", "--ns", str(first.inode))
    (ns,) = document["namespaces"]
    assert ns["inode"] == first.inode and ns["limits"]["SEMMNI"]["used"] == 1


def test_unknown_namespace_is_one_line_naming_the_choices() -> None:
    proc = cli("list", "--ns", "no-such-container")
    assert_one_line_error(proc, 2, "--ns: no IPC namespace is named 'no-such-container'", "there are:")


def test_doctor_finds_the_waiter_inside_and_semop_through_ns_releases_it(waiting: Member) -> None:
    proc = cli("doctor", "--ns", str(waiting.pid), "--json", "--stuck-after", "0")
    assert proc.returncode == 1, proc.stderr
    (finding,) = [f for f in json.loads(proc.stdout)["findings"] if f["kind"] == "stuck-semaphore"]
    assert finding["object"] == {"type": "sem", "id": waiting.ids["sem"], "ns": waiting.inode}
    assert finding["pids"][0] == waiting.waiter
    assert finding["hint"] == f"ipcscope semop --ns {waiting.inode} {waiting.ids['sem']} 0:+1"

    out = cli_json(*finding["hint"].split()[1:])
    assert out["ok"] and out["call"].startswith(f"in ipc:[{waiting.inode}] (")
    assert out["call"].endswith(f"): semop({waiting.ids['sem']}, {{{{0, +1, 0}}}}, 1)")
    assert not wait_blocked(waiting.waiter, timeout=0.5)  # released: it returned and exited
    assert "ncount" in nsenter_ipcs(waiting, "-s", "-i", str(waiting.ids["sem"]))


def test_semop_in_one_namespace_leaves_the_same_id_in_the_other_alone(waiting: Member) -> None:
    other = start_member(unique_key())
    try:
        assert other.ids["sem"] == waiting.ids["sem"]
        out = cli_json("setval", "--ns", str(other.pid), str(other.ids["sem"]), "1", "7")
        assert out["call"].endswith(f"semctl({other.ids['sem']}, 1, SETVAL, 7)")
        values = cli_json("list", "--ns", "all", "-t", "sem")["sysv"]["sem"]
        by_ns = {s["ns"]: [v["value"] for v in s["semaphores"]] for s in values}
        assert by_ns[other.inode] == [0, 7] and by_ns[waiting.inode] == [0, 0]
    finally:
        other.end()


def test_rm_inside_rechecks_identity_and_removes_only_there(waiting: Member) -> None:
    other = start_member(unique_key())
    try:
        made = cli_json("create", "shm", "--ns", str(other.pid), "--key", "0x2a", "--size", "4096")
        shmid = made["ident"]
        assert made["call"].startswith(f"in ipc:[{other.inode}]")
        assert "0x0000002a" in nsenter_ipcs(other, "-m") and "0x0000002a" not in nsenter_ipcs(waiting, "-m")

        from dataclasses import replace

        from ipcscope.actions import Remove
        from ipcscope.actions.in_namespace import run_in
        from ipcscope.core.errors import IpcError
        from ipcscope.probe.ns_snapshot import NamespaceProbe

        probe = NamespaceProbe()
        try:
            snapshot = probe.snapshot([other.inode], kinds=["shm"])
        finally:
            probe.close()
        where = snapshot.namespaces[0]
        shown = next(seg for seg in snapshot.shm if seg.id == shmid)
        stale = replace(shown, key=0x2B)  # as if the segment had been replaced since it was shown
        with pytest.raises(IpcError) as refused:
            run_in(Remove.parse({"kind": "shm", "id": str(shmid)}, target=stale), where)
        assert "changed since it was shown" in str(refused.value) and refused.value.errno == errno.ESTALE
        assert "0x0000002a" in nsenter_ipcs(other, "-m")  # nothing removed

        proc = cli("rm", "--ns", str(other.pid), "--yes", "shm", str(shmid))
        assert proc.returncode == 0, proc.stderr
        assert proc.stdout.startswith(f"in ipc:[{other.inode}]") and f"removed shm {shmid}" in proc.stdout
        assert "0x0000002a" not in nsenter_ipcs(other, "-m")
        assert str(waiting.ids["shm"]) in nsenter_ipcs(waiting, "-m")  # the same id there is untouched
    finally:
        other.end()


def test_an_action_needs_one_namespace() -> None:
    proc = cli("semop", "--ns", "all", "0", "0:+1")
    assert_one_line_error(proc, 2, "--ns: an action runs in one namespace")
