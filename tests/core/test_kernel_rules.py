"""The kernel's decisions that several readers explain: semop's blocking operation, msgrcv's pick."""

from __future__ import annotations

import pytest

from ipcscope.core.constants import MSG_EXCEPT
from ipcscope.core.kernel_rules import (
    LONG_MAX,
    LONG_MIN,
    blocking_index,
    blocking_operation,
    msgrcv_bound,
    msgrcv_matches,
    msgrcv_pick,
)
from ipcscope.model import SemOpSpec


@pytest.mark.parametrize(("ops", "values", "expected"), [
    ([(2, -1, 0x1000), (0, -1, 0)], (0, 0, 1), 1),  # counted on sem 0 only after sem 2 passes
    ([(2, -1, 0), (0, -1, 0)], (5, 0, 0), 0),
    ([(0, 0, 0)], (1,), 0),  # wait for zero on a non-zero value
    ([(0, -1, 0), (0, -1, 0)], (1,), 1),  # the second op sees the first one's effect
    ([(0, 1, 0), (0, -1, 0), (0, -1, 0)], (0,), 2),
    ([(0, -1, 0), (1, 0, 0)], (2, 5), 1),
    ([(0, -1, 0)], (3,), None),  # could proceed now: the values moved on
    ([(7, -1, 0)], (3,), None),  # no such semaphore
])
def test_blocking_operation_is_the_first_that_cannot_proceed(ops, values, expected) -> None:
    specs = [SemOpSpec(*op) for op in ops]
    assert blocking_index(specs, values) == expected
    assert blocking_operation(specs, values) is (None if expected is None else specs[expected])


@pytest.mark.parametrize(("types", "msgtyp", "flags", "index"), [
    ((), 0, 0, None),
    ((3, 1), 0, 0, 0),                      # 0: the first message
    ((3, 1, 1), 1, 0, 1),                   # > 0: the first of that type
    ((3, 3), 1, 0, None),
    ((1, 1, 2), 1, MSG_EXCEPT, 2),          # MSG_EXCEPT: the first of any other type
    ((1, 1), 1, MSG_EXCEPT, None),
    ((5, 2, 3, 2), -3, 0, 1),               # < 0: the first of the lowest type <= 3
    ((5, 7), -3, 0, None),
    ((5, 7), -3, MSG_EXCEPT, None),         # MSG_EXCEPT is ignored for negative types
    ((4, 9), 0, MSG_EXCEPT, 0),             # ... and for type 0
    ((9, 2**62, 3), LONG_MIN, 0, 2),        # LONG_MIN: the lowest of any type
    ((LONG_MAX,), LONG_MIN, 0, 0),
])
def test_msgrcv_pick_follows_the_kernel(types, msgtyp, flags, index) -> None:
    assert msgrcv_pick(types, msgtyp, flags) == index


@pytest.mark.parametrize(("msgtyp", "msgflg", "mtype", "takes"), [
    (0, 0, 7, True), (5, 0, 5, True), (5, 0, 4, False), (-3, 0, 3, True), (-3, 0, 4, False),
    (5, MSG_EXCEPT, 5, False), (5, MSG_EXCEPT, 6, True), (-3, MSG_EXCEPT, 3, True), (5, None, 5, True),
    (LONG_MIN, 0, LONG_MAX, True), (LONG_MIN + 1, 0, LONG_MAX, True), (-(2**62), 0, 2**62 + 1, False),
])
def test_msgrcv_matches(msgtyp: int, msgflg: int | None, mtype: int, takes: bool) -> None:
    assert msgrcv_matches(msgtyp, msgflg, mtype) is takes


def test_msgrcv_bound_of_long_min_is_long_max() -> None:
    """A long cannot hold |LONG_MIN|: the kernel accepts types up to LONG_MAX instead."""
    assert msgrcv_bound(LONG_MIN) == LONG_MAX
    assert msgrcv_bound(-3) == 3
