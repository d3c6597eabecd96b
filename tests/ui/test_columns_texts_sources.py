"""The pure parts of the UI: cells, tones, notices, sources."""

from __future__ import annotations

import threading
import time
from dataclasses import replace

import pytest

from ipcscope.demo import demo_snapshot
from ipcscope.model import KINDS, Environment, Snapshot
from ipcscope.ui.data.sources import LiveSource, StaticSource, call_abandonable
from ipcscope.ui.render import texts
from ipcscope.ui.render.columns import (
    COLUMNS,
    DEFAULT_SORT,
    RowContext,
    filter_text,
    row_tone,
    scan_counts,
    use_tone,
)

CTX = RowContext(attached=None, waiters=None, now=demo_snapshot().taken_at)


def cells(obj, ctx=CTX):
    return {column.key: column.cell(obj, ctx) for column in COLUMNS[obj.kind]}


@pytest.mark.parametrize("fraction, tone", [
    (None, None), (0.0, "ok"), (0.49, "ok"), (0.5, None), (0.69, None), (0.7, "warn"),
    (0.89, "warn"), (0.9, "bad"), (1.0, "bad"),
])
def test_use_tone_thresholds(fraction, tone) -> None:
    assert use_tone(fraction) == tone


def test_every_kind_renders_every_demo_object() -> None:
    snapshot = demo_snapshot()
    for kind in KINDS:
        assert DEFAULT_SORT[kind] in {c.key for c in COLUMNS[kind]}
        for obj in snapshot.objects(kind):
            for cell in cells(obj).values():
                assert isinstance(cell.text, str)


def test_sizes_show_human_but_sort_by_bytes() -> None:
    seg = next(s for s in demo_snapshot().shm if s.id == 2)
    size = cells(seg)["size"]
    assert (size.text, size.sort) == ("64M", 67108864)


def test_queue_fullness_coloured() -> None:
    full = next(q for q in demo_snapshot().msg if q.id == 3)  # 15000 / 16384 bytes
    row = cells(full)
    assert row["usedbytes"].tone == "bad" and row["use"].text == "91.6%"
    unknown = next(q for q in demo_snapshot().msg if q.id == 9)
    assert cells(unknown)["use"].sort is None and cells(unknown)["use"].text == "-"


def test_posix_queue_msgs_fill() -> None:
    jobs = next(q for q in demo_snapshot().pmq if q.name == "/jobs")
    assert cells(jobs)["msgs"].text == "10/10" and cells(jobs)["msgs"].tone == "bad"
    hidden = replace(jobs, curmsgs=None)
    assert cells(hidden)["msgs"].text == "?"


def test_dest_rows_dimmed_locked_marked() -> None:
    shm = {s.id: s for s in demo_snapshot().shm}
    assert row_tone(shm[1]) == "dest"
    status = cells(shm[4])["status"]
    assert (status.text, status.tone) == ("locked", "locked")
    assert row_tone(shm[3]) is None


def test_attached_and_waiters_dash_without_scan() -> None:
    queue = demo_snapshot().pmq[0]
    assert cells(queue)["attached"].text == "-"
    assert cells(queue, RowContext(2, 1, CTX.now))["waiters"].text == "1"


def row_cells(snapshot, row_key):
    """The cells of one row as the table makes them: counts from the scan, then the columns."""
    obj = snapshot.find(row_key)
    counts = scan_counts(obj.kind, row_key, obj, snapshot.processes)
    ctx = RowContext(counts[0], counts[1], CTX.now, attached_partial=counts[2], waiters_partial=counts[3])
    return cells(obj, ctx)


def test_counts_the_kernel_proves_but_the_scan_cannot_name_are_marked_partial() -> None:
    root, alice = demo_snapshot(), demo_snapshot(root=False)
    # root sees all: the stopped waiter is listed, and the kernel (ncnt 2) agrees on the rest
    assert row_cells(root, "sem:2")["waiters"].text == "3"
    # alice sees none of root's workers, but ncnt says 2 wait
    assert (row_cells(alice, "sem:2")["waiters"].text, row_cells(alice, "sem:2")["waiters"].tone) == ("2?", "warn")
    assert row_cells(alice, "sem:6")["waiters"].text == "2"  # her own: all named
    assert row_cells(alice, "sem:49")["waiters"].text == "0?"  # unreadable, and processes refused
    assert row_cells(root, "shm:3")["attached"].text == "2"
    assert row_cells(alice, "shm:3")["attached"].text == "0?"  # nattch 2, none in her maps
    assert row_cells(alice, "shm:4")["attached"].text == "1"


def test_filter_text_covers_key_id_name_owner() -> None:
    snapshot = demo_snapshot()
    seg = snapshot.shm[0]
    assert seg.key_text in filter_text(seg) and str(seg.id) in filter_text(seg)
    assert "/jobs" in filter_text(snapshot.pmq[0]) and "root" in filter_text(snapshot.pmq[0])


# --------------------------------------------------------------------------- texts


def test_empty_texts_say_how_to_create() -> None:
    for kind in KINDS:
        assert "ipcscope create" in texts.empty_text(kind)


def test_not_root_notice_lists_notes_and_warnings_but_not_mqueue() -> None:
    snapshot = demo_snapshot(root=False, mqueue=False)
    notice = texts.global_notice(snapshot)
    assert notice is not None
    # one line that fits 80 columns (the padding takes 2): numbers, and where the details are
    assert notice == "Not root (alice): 14 processes and 2 waiters hidden, 1 warning · details: 0, ?"
    assert len(notice) <= 78 and "\n" not in notice
    assert "mqueue" not in notice  # the POSIX queue view explains that one
    assert "mount -t mqueue" in texts.mqueue_notice(snapshot)
    details = texts.hidden_details(snapshot)
    assert any("semaphore set is not readable" in line for line in details)
    assert any(line.startswith("14 processes of other users") for line in details)
    assert ("sem 2: 2 tasks wait that you cannot see (processes of other users): "
            "run `sudo ipcscope` to name them.") in details


def test_root_denied_by_a_security_module_is_not_told_to_run_as_root() -> None:
    from ipcscope.probe.access import AccessFacts, Refusal, blind_spots

    snapshot = demo_snapshot()
    spots = blind_spots([Refusal(1, 0, 0, "read")], AccessFacts(euid=0, cap_sys_ptrace=True,
                                                               initial_user_ns=True))
    scan = replace(snapshot.processes, denied=1, notes=tuple(s.note for s in spots), blind_spots=spots)
    snapshot = replace(snapshot, processes=scan)
    notice = texts.global_notice(snapshot)
    assert notice == "1 process hidden even from root (a security module) · details: 0, ?"
    text = " ".join([notice, *texts.hidden_details(snapshot)])
    assert "/sys/kernel/security/lsm" in text
    assert "sudo" not in text and "as root" not in text.replace("even as root", "")


def test_root_with_nothing_to_say_has_no_notice() -> None:
    assert texts.global_notice(demo_snapshot()) is None
    assert texts.mqueue_notice(demo_snapshot()) is None


def test_mqueue_sources() -> None:
    base = Snapshot(taken_at=0)
    assert texts.mqueue_visible(replace(base, mqueue_source="mount:/dev/mqueue"))
    assert texts.mqueue_visible(replace(base, mqueue_source="detached"))
    assert "cannot be listed" in texts.mqueue_notice(replace(base, mqueue_source="none"))


# --------------------------------------------------------------------------- sources


def test_static_source_returns_what_it_was_given() -> None:
    first, second = demo_snapshot(), demo_snapshot(empty=True)
    source = StaticSource(first)
    assert source() is first
    source.set(second)
    assert source() is second and source.calls == 2


def test_live_source_without_probe_says_why(monkeypatch) -> None:
    import builtins

    real_import = builtins.__import__

    def no_probe(name, *args, **kwargs):
        if name == "ipcscope.probe" and args and args[2] and "take_snapshot" in args[2]:
            raise ImportError("cannot import name 'take_snapshot'")
        return real_import(name, *args, **kwargs)

    monkeypatch.setattr(builtins, "__import__", no_probe)
    snapshot = LiveSource(clock=lambda: 123.0)()
    assert snapshot.taken_at == 123.0
    assert "probe is not available" in snapshot.warnings[0]
    assert isinstance(snapshot.environment, Environment)


def test_call_abandonable_returns_raises_and_walks_away() -> None:
    assert call_abandonable(lambda: 42, lambda: False) == 42
    with pytest.raises(ZeroDivisionError):
        call_abandonable(lambda: 1 / 0, lambda: False)
    release = threading.Event()
    cancelled = threading.Event()
    threading.Timer(0.1, cancelled.set).start()
    t0 = time.monotonic()
    assert call_abandonable(lambda: release.wait(10), cancelled.is_set) is None
    assert time.monotonic() - t0 < 1
    release.set()


def test_columns_use_lsipc_names() -> None:
    labels = {kind: [c.label for c in COLUMNS[kind]] for kind in KINDS}
    assert labels["shm"][:6] == ["KEY", "ID", "PERMS", "OWNER", "SIZE", "NATTCH"]
    assert {"USEDBYTES", "MSGS", "LSPID", "LRPID"} <= set(labels["msg"])
    assert {"NSEMS", "OTIME", "CTIME"} <= set(labels["sem"])
