"""The `list --json` / `limits --json` documents: exact keys, JSON types, formats."""

from __future__ import annotations

import json
from pathlib import Path

from ipcscope.cli.json_output import dumps, limits_document, list_document
from ipcscope.demo import demo_snapshot
from ipcscope.probe import take_snapshot

PROC = Path(__file__).parent.parent / "fixtures" / "proc"

KEYS = {
    ("sysv", "shm"): ["key", "id", "perms", "owner", "uid", "gid", "cuid", "cgid", "size", "nattch",
                      "status", "cpid", "lpid", "atime", "dtime", "ctime", "rss", "swap"],
    ("sysv", "msg"): ["key", "id", "perms", "owner", "uid", "gid", "cuid", "cgid", "cbytes", "qnum",
                      "qbytes", "lspid", "lrpid", "stime", "rtime", "ctime"],
    ("sysv", "sem"): ["key", "id", "perms", "owner", "uid", "gid", "cuid", "cgid", "nsems", "otime",
                      "ctime", "semaphores"],
    ("posix", "mq"): ["name", "perms", "owner", "uid", "gid", "qsize", "curmsgs", "maxmsg",
                      "msgsize", "notify_pid"],
    ("posix", "shm"): ["name", "perms", "owner", "uid", "gid", "size"],
    ("posix", "sem"): ["name", "perms", "owner", "uid", "gid", "value"],
}
# Fields from the process scan (issue 5), after each kind's own fields.
PROCESS_KEYS = {
    ("sysv", "shm"): ["attached", "nattch_hidden"],
    ("sysv", "msg"): ["waiters"],
    ("sysv", "sem"): ["waiters", "waiters_hidden"],
    ("posix", "mq"): ["openers", "waiters"],
    ("posix", "shm"): ["openers", "waiters"],
    ("posix", "sem"): ["openers", "waiters"],
}


def _document(snapshot, kinds=None) -> dict:
    return json.loads(dumps(list_document(snapshot, kinds)))  # through real JSON text


def test_top_level_and_per_kind_keys_are_exact() -> None:
    doc = _document(demo_snapshot())
    assert list(doc) == ["version", "sysv", "posix", "limits", "warnings", "process_scan"]
    assert doc["version"] == 1
    assert list(doc["sysv"]) == ["shm", "msg", "sem"] and list(doc["posix"]) == ["mq", "shm", "sem"]
    for (group, kind), keys in KEYS.items():
        assert doc[group][kind], f"demo has no {group}.{kind}"
        for obj in doc[group][kind]:
            assert list(obj) == keys + PROCESS_KEYS[group, kind], (group, kind)


def test_values_from_the_fixture_tree() -> None:
    doc = _document(take_snapshot(proc_root=str(PROC), shm_dir=str(PROC / "none")))
    shm = {o["id"]: o for o in doc["sysv"]["shm"]}
    assert shm[4]["key"] == "0xdeadbeef" and shm[4]["perms"] == "0600"
    assert shm[4]["status"] == ["locked"] and shm[1]["status"] == ["dest"] and shm[2]["status"] == []
    assert shm[1]["key"] == "0x00000000"
    assert shm[3]["size"] == 1048576 and shm[3]["rss"] == 524288 and shm[3]["nattch"] == 2
    assert shm[3]["atime"] == "2026-11-22T02:47:06+00:00" and shm[3]["dtime"] is None
    (msg,) = doc["sysv"]["msg"]
    assert msg["key"] == "0x4a2d3d53" and msg["perms"] == "0640" and msg["cbytes"] == 41
    assert msg["qbytes"] is None and msg["rtime"] is None
    sem = {o["id"]: o for o in doc["sysv"]["sem"]}
    assert sem[49]["key"] == "0x9ce02a4f" and sem[49]["semaphores"] is None
    assert sem[1]["owner"] == "root" and isinstance(sem[1]["uid"], int)
    assert doc["limits"]["SHMMAX"] == {"description": "Max size of shared memory segment (bytes)",
                                       "limit": 18446744073692774399, "used": None, "unit": "bytes"}
    assert doc["limits"]["SEMMNS"]["used"] == 8
    assert any("mqueue" in w for w in doc["warnings"])


def test_semaphores_and_posix_values() -> None:
    doc = _document(demo_snapshot())
    readable = [s for s in doc["sysv"]["sem"] if s["semaphores"] is not None]
    assert readable and all(
        list(x) == ["num", "value", "ncnt", "zcnt", "pid"] for s in readable for x in s["semaphores"])
    assert any(s["semaphores"] is None for s in doc["sysv"]["sem"])  # the demo's unreadable set
    assert all(o["name"].startswith("/") for g in ("mq", "shm", "sem") for o in doc["posix"][g])


def test_kinds_select_lists() -> None:
    doc = _document(demo_snapshot(), kinds=["shm", "psem"])
    assert list(doc["sysv"]) == ["shm"] and list(doc["posix"]) == ["sem"]
    assert "limits" in doc and "warnings" in doc


def test_limits_document() -> None:
    snap = demo_snapshot()
    doc = json.loads(dumps(limits_document(snap.limits, ["w"])))
    assert list(doc) == ["version", "limits", "warnings"] and doc["warnings"] == ["w"]
    assert [row.resource for row in snap.limits.rows] == list(doc["limits"])


def test_pretty_and_compact_say_the_same() -> None:
    document = list_document(demo_snapshot())
    assert json.loads(dumps(document, pretty=True)) == json.loads(dumps(document))
    assert "\n" not in dumps(document)


def test_inline_formats_match_the_shared_formatters() -> None:
    from ipcscope.cli.json_output import _iso, shm_json
    from ipcscope.format import iso_time
    from ipcscope.model import ShmSegment, format_key, format_perms

    for epoch in (None, 0, 1, 1795315595, 2**31 + 5):
        assert _iso(epoch) == iso_time(epoch)
    seg = ShmSegment(key=0xDEADBEEF, id=1, mode=0o3640, uid=0, gid=0, cuid=0, cgid=0)
    doc = shm_json(seg)
    assert doc["key"] == format_key(seg.key) and doc["perms"] == format_perms(seg.mode) == "0640"
    assert doc["status"] == list(seg.status) == ["dest", "locked"]


def test_process_fields_are_looked_up_by_each_objects_row_key() -> None:
    from ipcscope.cli.json_output import objects_json, process_fields
    from ipcscope.model import KINDS

    snapshot = demo_snapshot()
    found = 0
    for kind in KINDS:
        for obj, document in zip(snapshot.objects(kind), objects_json(snapshot, kind)):
            expected = process_fields(kind, obj.ref.row_key, snapshot.processes)
            assert {k: document[k] for k in expected} == expected
            found += any(expected.values())
    assert found >= 5  # the demo has holders and waiters on several kinds
