"""Property: whatever is typed into any form, parse gives a request or a ValidationError, and the
live preview never raises (nor falls back to its catch-all)."""

from __future__ import annotations

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from ipcscope.actions import ACTIONS, ActionLimits, Request, preview, request_from_json
from ipcscope.core.errors import ValidationError
from ipcscope.demo import demo_snapshot

LIMITS = ActionLimits(shmmax=1 << 30)
TOKENS = [
    "", " ", "0", "1", "-1", "+2", "3", "0x10", "0X1f", "0600", "600", "0o644", "777", "1777",
    "4096", "64K", "1M", "2G", "99999999999999999999999", "private", "IPC_PRIVATE",
    "ftok:/etc/passwd:A", "ftok:/nope:1", "ftok::", "/name", "/a/b", "/", "//x", "a" * 300,
    "hex:00ff", "hex:0", "0:-1", "0:-1:undo 2:+1", "1:0:nowait", "3:+40000", "yes", "no", "true",
    "shm", "msg", "sem", "pmq", "pshm", "psem", "root", "nobody", "1:2", "\n", "\x00", "é", "1e3",
    "nan", "inf", "0.5",
]
SNAPSHOT = demo_snapshot()
TARGETS = [None, *SNAPSHOT.all_objects()[:12], *SNAPSHOT.processes.channels.fifos]

text = st.one_of(st.sampled_from(TOKENS), st.text(max_size=40),
                 st.lists(st.sampled_from(TOKENS), max_size=3).map(" ".join))
value = st.one_of(text, st.booleans(), st.none())


def fields_for(cls: type[Request]) -> st.SearchStrategy[dict]:
    names = [spec.name for spec in cls.form] + ["id", "name", "hex"]
    return st.dictionaries(st.sampled_from(names), value, max_size=len(names))


@pytest.mark.parametrize("action", sorted(ACTIONS))
@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(data=st.data())
def test_parse_gives_a_request_or_a_validation_error(action: str, data: st.DataObject) -> None:
    cls = ACTIONS[action]
    fields = data.draw(fields_for(cls))
    target = data.draw(st.sampled_from(TARGETS))
    try:
        request = cls.parse(fields, limits=LIMITS, target=target)
    except ValidationError as error:
        assert str(error) and "\n" not in str(error)
        assert error.field is None or isinstance(error.field, str)
    else:
        assert isinstance(request, cls)
        call = request.c_call()
        assert isinstance(call, str) and "\n" not in call
        assert isinstance(request.may_block, bool)
        if action not in ("remove", "fifo-remove"):  # they carry the object as shown
            assert request_from_json(request.to_json()) == request

    shown = preview(action, fields, limits=LIMITS, target=target)
    assert isinstance(shown.c_call, str)
    assert not shown.errors.get("", "").startswith("cannot preview"), shown.errors
    assert shown.valid == (not shown.errors)
