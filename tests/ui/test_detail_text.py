"""The words and bars of the detail pane and overview, without an app: waits, levels, bytes."""

from __future__ import annotations

import pytest

from ipcscope.core.constants import MSG_EXCEPT
from ipcscope.model import SemOpSpec, Waiter
from ipcscope.ui.render.gauge import bar, usage_level
from ipcscope.ui.render.waits import (
    blocking_index,
    msgrcv_type_text,
    sem_op_text,
    since_text,
    wants_text,
)
from ipcscope.ui.widgets.detail_sysv import first_bytes


@pytest.mark.parametrize(("op", "text"), [
    (SemOpSpec(0, -1, 0x1000), "sem 0: -1 (SEM_UNDO)"),
    (SemOpSpec(2, 1, 0), "sem 2: +1"),
    (SemOpSpec(1, 0, 0o4000), "sem 1: wait for 0 (IPC_NOWAIT)"),
    (SemOpSpec(3, -2, 0x1000 | 0o4000), "sem 3: -2 (SEM_UNDO, IPC_NOWAIT)"),
])
def test_sem_op_text(op: SemOpSpec, text: str) -> None:
    assert sem_op_text(op) == text


@pytest.mark.parametrize(("msgtyp", "msgflg", "text"), [
    (0, 0, "any type"),
    (5, 0, "type 5"),
    (-3, 0, "type <= 3"),
    (5, MSG_EXCEPT, "any type except 5"),
    (None, None, "type unknown"),
])
def test_msgrcv_type_text(msgtyp: int | None, msgflg: int | None, text: str) -> None:
    assert msgrcv_type_text(msgtyp, msgflg) == text


def test_blocking_op_is_the_one_the_kernel_stops_at() -> None:
    w = Waiter(1, 1, "w", "semop", ops=(SemOpSpec(2, 1), SemOpSpec(0, -1), SemOpSpec(0, -1)), blocked_on=0)
    assert blocking_index(w, values=[1, 0, 0]) == 2  # the first -1 on sem 0 passes, the second waits
    assert blocking_index(w, values=[0, 0, 0]) == 1
    assert blocking_index(w) == 1  # values unknown: the first operation on the blocked semaphore
    assert blocking_index(w, values=[2, 0, 0]) == 1  # the values moved on since the scan: the same
    assert blocking_index(Waiter(1, 1, "w", "semop", ops=None, blocked_on=0)) is None


def test_wants_and_since() -> None:
    sender = Waiter(1, 1, "p", "msgsnd", msgtyp=1, size=2000, since=1000)
    assert wants_text(sender) == "msgsnd: sending type 1, 2000 bytes; the queue is full"
    assert since_text(sender, now=1252) == "blocked for 4m 12s"
    stopped = Waiter(1, 1, "p", "semop", state="stopped", ops=(SemOpSpec(0, -1),), since=1000)
    assert since_text(stopped, now=1060) == "stopped for 1m 0s"
    assert since_text(Waiter(1, 1, "p", "futex"), now=5) == ""
    assert "not readable" in wants_text(Waiter(1, 1, "p", "semop", ops=None))


@pytest.mark.parametrize(("fraction", "level"), [
    (None, "ok"), (0.0, "ok"), (0.49, "ok"), (0.5, "careful"), (0.69, "careful"), (0.7, "warning"),
    (0.89, "warning"), (0.9, "critical"), (1.0, "critical"), (1.5, "critical"),
])
def test_usage_levels(fraction: float | None, level: str) -> None:
    assert usage_level(fraction)[0] == level


def test_bar_widths_and_colours() -> None:
    colors = {"success": "#00ff00", "error": "#ff0000", "panel": "#111111", "background": "#000000"}
    assert bar(0.0, 8, colors).plain == "░" * 8
    assert bar(1.0, 8, colors).plain == "█" * 8
    assert bar(0.5, 8, colors).plain == "████░░░░"
    assert bar(0.95, 8, colors).spans[0].style.color.name == "#ff0000"
    assert bar(0.01, 8, colors).plain.startswith("▏")  # small but not invisible
    assert len(bar(None, 8, colors).plain) == 8


@pytest.mark.parametrize(("data", "text"), [
    (b"hello", '"hello"'),
    (b"job-0001 render" + b"\0" * 100, '"job-0001 render"…'),
    (b"abcdef\x01gh", '"abcdef·gh"'),
    (bytes(range(0xF0, 0x100)) * 2, "f0 f1 f2 f3 f4 f5 f6 f7 f8 f9 fa fb fc fd fe ff…"),
    (b"\x00\x01", "00 01"),
    (b"", ""),
])
def test_first_bytes(data: bytes, text: str) -> None:
    assert first_bytes(data) == text


def test_msgrcv_type_text_of_long_min_names_the_bound_the_kernel_uses() -> None:
    """msgrcv(-LONG_MIN) accepts types up to LONG_MAX: |LONG_MIN| does not fit in a long."""
    assert msgrcv_type_text(-(2**63), 0) == f"type <= {2**63 - 1}"
