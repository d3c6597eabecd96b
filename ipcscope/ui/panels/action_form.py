"""One generic form for every action, built from the action class's `form` (FieldSpec tuple).

    form = ActionForm(MsgSend, target=queue, runner=app.runner)
    app.push_screen(form, callback)   # callback gets an ActionResult, a RunningOperation or None

Each FieldSpec becomes an Input ("text", "payload"), a Checkbox ("flag") or a Select ("choice").
Fields the target already answers (its kind, id or name) are not asked again: the title names
the object instead. Under each input, its hint, or what is wrong with it (from
`actions.preview`): an empty required field keeps its hint until it is touched, so a fresh form
does not open covered in errors.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.containers import Horizontal, VerticalScroll
from textual.widgets import Checkbox, Input, Label, Select, Static

from ipcscope.actions import ActionLimits, FieldSpec, Preview, Request
from ipcscope.actions.runner import Runner
from ipcscope.model import IpcObject
from ipcscope.ui.panels.base import ActionScreen

#: fields a target object answers by itself (read_id, read_name, read_kind, read_path default to it)
TARGET_FIELDS = frozenset({"kind", "id", "name", "path"})
_TRUE = {"1", "yes", "true", "on", "y"}


class FieldsScroll(VerticalScroll, can_focus=False):
    """Scrolls a long form; tab goes straight to the first input, not to the container."""


class ActionForm(ActionScreen):
    """A form for one action: inputs, live C call, validation beside each input, Run."""

    def __init__(self, action: type[Request], *, target: IpcObject | None = None,
                 runner: Runner | None = None, limits: ActionLimits | None = None,
                 initial: Mapping[str, str] | None = None) -> None:
        """`initial` overrides FieldSpec defaults (e.g. SETALL prefilled with today's values)."""
        super().__init__(action, target=target, runner=runner, limits=limits)
        self.initial = dict(initial or {})
        self.specs: tuple[FieldSpec, ...] = tuple(
            spec for spec in action.form if not (target is not None and spec.name in TARGET_FIELDS))
        self._touched: set[str] = set()

    def compose_fields(self) -> ComposeResult:
        with FieldsScroll(id="dialog-fields"):
            for spec in self.specs:
                with Horizontal(classes="field-row"):
                    yield Label(Text(spec.label), classes="field-label")
                    yield self._widget(spec)
                if spec.widget != "flag":
                    yield Static(Text(spec.hint), id=f"note-{spec.name}", classes="field-note")
                else:
                    yield Static(id=f"note-{spec.name}", classes="field-note")

    def _widget(self, spec: FieldSpec) -> Input | Checkbox | Select:
        value = self.initial.get(spec.name, spec.default)
        ident = f"field-{spec.name}"
        if spec.widget == "flag":
            return Checkbox(Text(spec.hint), value.strip().lower() in _TRUE, id=ident, compact=True)
        if spec.widget == "choice":
            options = [(choice, choice) for choice in spec.choices]
            initial = value if value in spec.choices else Select.NULL
            return Select(options, value=initial, allow_blank=True, id=ident, compact=True)
        return Input(value, placeholder=spec.hint, id=ident, select_on_focus=False, compact=True)

    def on_mount(self) -> None:
        # (ActionScreen.on_mount runs too: Textual calls each class's handler.)
        # Inputs post Changed for their initial values once mounted: that is not typing.
        self.call_after_refresh(lambda: self._touched.clear())

    # ---- reading and showing

    def fields(self) -> dict[str, Any]:
        values: dict[str, Any] = {}
        for spec in self.specs:
            widget = self.query_one(f"#field-{spec.name}")
            if isinstance(widget, Checkbox):
                values[spec.name] = widget.value
            elif isinstance(widget, Select):
                values[spec.name] = None if widget.value is Select.NULL else str(widget.value)
            elif isinstance(widget, Input):
                values[spec.name] = widget.value
        return values

    def show_problems(self, current: Preview) -> list[str]:
        values = self.fields()
        elsewhere = [message for name, message in current.errors.items()
                     if name not in values]
        waiting: list[str] = []
        for spec in self.specs:
            note = self.query_one(f"#note-{spec.name}", Static)
            message = current.errors.get(spec.name)
            raw = values.get(spec.name)
            blank = raw is None or (isinstance(raw, str) and not raw.strip())
            if message and blank and spec.name not in self._touched:
                waiting.append(spec.label)
                message = None
            note.update(Text(message or (spec.hint if spec.widget != "flag" else "")))
            note.set_class(bool(message), "-error")
            note.display = bool(message) or spec.widget != "flag"
        if waiting and not elsewhere:
            elsewhere.append(f"to fill in: {', '.join(waiting)}")
        return elsewhere

    @on(Input.Changed)
    @on(Checkbox.Changed)
    @on(Select.Changed)
    def _changed(self, event: Input.Changed | Checkbox.Changed | Select.Changed) -> None:
        event.stop()
        widget_id = event.control.id or ""
        if widget_id.startswith("field-"):
            self._touched.add(widget_id.removeprefix("field-"))
        if self.is_mounted:
            self.refresh_preview()

    def set_field(self, name: str, value: str | bool) -> None:
        """Fill one input as if typed (tests, and callers that prefill after mounting)."""
        widget = self.query_one(f"#field-{name}")
        if isinstance(widget, Checkbox):
            widget.value = bool(value)
        elif isinstance(widget, Input | Select):
            widget.value = str(value)
