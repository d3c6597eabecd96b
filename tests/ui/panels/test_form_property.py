"""Property: whatever is typed into any form, the form shows a C call and messages, never raises.

Each example opens one app and types a drawn sequence of texts into the forms of several
actions (targets from the demo snapshot), so a few examples cover many keystrokes cheaply.
"""

from __future__ import annotations

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from textual.widgets import Checkbox, Input, Select

from ipcscope.actions import ACTIONS, SemOp
from ipcscope.demo import demo_snapshot
from ipcscope.model import SemOpSpec
from ipcscope.ui.panels.action_form import ActionForm
from ipcscope.ui.panels.semop_builder import SemopBuilder
from tests.ui.panels.harness import LIMITS, DialogApp

SNAPSHOT = demo_snapshot()
#: forms that only validate (Run is never pressed): creates have no target, others the demo's
ACTION_TARGETS = [(name, None if name.startswith("create") else next(
    (obj for obj in SNAPSHOT.all_objects() if cls.kind in (None, obj.kind)), None))
    for name, cls in sorted(ACTIONS.items())]
TOKENS = ["", "0", "-1", "0x1f", "64K", "private", "ftok:/nope:1", "/a/b", "hex:0g", "0:-1:undo",
          "\x00", "é", "nan", "9" * 50, " ", "[b]markup[/b]", "{{", "\n"]
text = st.one_of(st.sampled_from(TOKENS), st.text(max_size=30))
steps = st.lists(st.tuples(st.integers(0, 20), text), min_size=1, max_size=12)


@settings(max_examples=6, deadline=None, suppress_health_check=[HealthCheck.too_slow,
                                                                 HealthCheck.function_scoped_fixture])
@given(forms=st.lists(st.sampled_from(ACTION_TARGETS), min_size=1, max_size=4), typing=steps)
async def test_typing_anything_into_a_form_never_raises(forms, typing) -> None:
    app = DialogApp(lambda: ActionForm(ACTIONS[forms[0][0]], target=forms[0][1], limits=LIMITS))
    async with app.run_test(size=(100, 36)) as pilot:
        for index, (name, target) in enumerate(forms):
            if index:
                await app.push_screen(ActionForm(ACTIONS[name], target=target, limits=LIMITS))
            form = app.screen
            widgets = [w for w in form.query("#dialog-fields *") if isinstance(w, (Input, Checkbox, Select))]
            for which, value in typing:
                if not widgets:
                    break
                widget = widgets[which % len(widgets)]
                if isinstance(widget, Input):
                    widget.value = value
                elif isinstance(widget, Checkbox):
                    widget.value = not widget.value
                await pilot.pause()
                assert isinstance(form.current.c_call, str) and form.current.c_call
                assert form.current.valid == (not form.current.errors)
                assert not form.current.errors.get("", "").startswith("cannot preview")


@settings(max_examples=4, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(typing=steps)
async def test_typing_anything_into_the_semop_builder_never_raises(typing) -> None:
    semset = SNAPSHOT.find("sem:2")
    app = DialogApp(lambda: SemopBuilder(semset, limits=LIMITS, ops=(SemOpSpec(0, -1), SemOpSpec(2, 1))))
    async with app.run_test(size=(100, 36)) as pilot:
        builder = app.screen
        inputs = list(builder.query(Input))
        for which, value in typing:
            inputs[which % len(inputs)].value = value
            await pilot.pause()
            assert builder.current.c_call.startswith("semop(2, ") or builder.current.c_call.startswith("semtimedop(2, ")
            if builder.current.valid:
                assert isinstance(builder.current.request, SemOp)
