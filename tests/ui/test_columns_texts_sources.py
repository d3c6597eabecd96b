"""The pure parts of the UI: cells, tones, notices, sources."""

from __future__ import annotations

import threading
import time
from dataclasses import replace

import pytest

from ipcscope.demo import demo_snapshot
from ipcscope.model import KINDS, Snapshot
from ipcscope.ui.data.sources import StaticSource, call_abandonable
from ipcscope.ui.render import texts
from ipcscope.ui.render.columns import COLUMNS, DEFAULT_SORT, RowContext, filter_text, row_tone, use_tone

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
    assert notice.startswith("Not root (alice)")
    assert "14 processes" in notice and "semaphore set is not readable" in notice
    assert "mqueue" not in notice  # the POSIX queue view explains that one
    assert "mount -t mqueue" in texts.mqueue_notice(snapshot)


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
