"""The frame every action dialog shares: title, live C call, Run, and the outcome below.

A subclass supplies the inputs (`compose_fields`), how to read them (`fields`) and where to show
each field's problem (`show_problems`); this class asks `actions.preview` on every change, keeps
Run disabled while the input is invalid, and runs the request through `outcome.run_request`
(a call that may block goes to the OperationRunner and the dialog closes, returning the
RunningOperation). Otherwise the dialog stays open with the result or the errno shown, so the
user can adjust and retry; escape closes it, returning the last result.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, ClassVar

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, Vertical
from textual.screen import ModalScreen
from textual.widgets import Button, Input, Static

from ipcscope.actions import ActionLimits, ActionResult, Preview, Request, preview, read_limits
from ipcscope.actions.runner import Runner, RunningOperation
from ipcscope.model import IpcObject
from ipcscope.ui.panels.outcome import ActionDone, OperationChanged, object_label, run_request

DialogResult = ActionResult | RunningOperation | None

BLOCKING_NOTE = ("This call can wait in the kernel: it runs in a helper process, listed under "
                 "running operations (o), where it can be cancelled.")


class ActionScreen(ModalScreen[DialogResult]):
    """Base of ActionForm and SemopBuilder (see the module docstring)."""

    CSS_PATH = "panels.tcss"

    #: the first input (the app's own AUTO_FOCUS names its table, which is not here)
    AUTO_FOCUS = "*"

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "close", "Close", id="dialog.close"),
        Binding("ctrl+r", "run", "Run", tooltip="Run the call shown", id="dialog.run"),
    ]

    def __init__(self, action: type[Request], *, target: IpcObject | None = None,
                 runner: Runner | None = None, limits: ActionLimits | None = None) -> None:
        """`target`: the object the dialog acts on (ids, names, sizes and bounds come from it);
        `limits`: the kernel's, read once here unless given (tests and snapshots fix them)."""
        super().__init__()
        self.action_class = action
        self.target = target
        self.runner = runner
        self.limits = limits or read_limits()
        self.current = Preview("", {})
        #: the last successful result, returned when the dialog closes
        self.last_result: ActionResult | None = None

    # ---- to be provided by subclasses

    def compose_fields(self) -> ComposeResult:
        raise NotImplementedError
        yield  # pragma: no cover

    def fields(self) -> Mapping[str, Any]:
        """The raw field values for `actions.preview` / `parse`."""
        raise NotImplementedError

    def show_problems(self, current: Preview) -> list[str]:
        """Show each problem beside its input; return the ones that belong to no shown input."""
        raise NotImplementedError

    # ---- the frame

    def compose(self) -> ComposeResult:
        with Vertical(id="dialog"):
            yield Static(Text(self.action_class.title), id="dialog-title")
            label = object_label(self.target)
            if label:
                yield Static(Text(label), id="dialog-target")
            yield from self.compose_fields()
            yield Static(id="c-call")
            yield Static(Text(BLOCKING_NOTE), id="blocking-note")
            yield Static(id="form-problem")
            yield Static(id="outcome")
            with Horizontal(id="dialog-buttons"):
                yield Button("Run", variant="primary", id="run", compact=True)
                yield Button("Close", id="close", compact=True)

    def on_mount(self) -> None:
        self.query_one("#outcome", Static).display = False
        self.refresh_preview()

    def refresh_preview(self) -> None:
        """Recompute the C call and every problem from what is typed now."""
        self.current = preview(self.action_class, self.fields(), limits=self.limits, target=self.target)
        self.query_one("#c-call", Static).update(Text.assemble(("C ", "bold"), self.current.c_call))
        general = self.show_problems(self.current)
        problem = self.query_one("#form-problem", Static)
        problem.update(Text("\n".join(general)))
        problem.display = bool(general)
        self.query_one("#blocking-note", Static).display = self.current.may_block
        run = self.query_one("#run", Button)
        run.disabled = not self.current.valid
        run.label = "Start" if self.current.may_block else "Run"

    def show_outcome(self, text: str, *, ok: bool) -> None:
        outcome = self.query_one("#outcome", Static)
        outcome.update(Text(text))
        outcome.set_class(ok, "-ok")
        outcome.set_class(not ok, "-error")
        outcome.display = True

    @on(Input.Submitted)
    def _submitted(self, event: Input.Submitted) -> None:
        event.stop()
        self.action_run()

    @on(Button.Pressed, "#run")
    def _run_pressed(self, event: Button.Pressed) -> None:
        event.stop()
        self.action_run()

    @on(Button.Pressed, "#close")
    def _close_pressed(self, event: Button.Pressed) -> None:
        event.stop()
        self.action_close()

    def action_run(self) -> None:
        self.refresh_preview()
        request = self.current.request
        if request is None:
            return
        outcome = run_request(request, self.runner)
        if outcome.operation is not None:
            self.app.post_message(OperationChanged(outcome.operation))
            self.dismiss(outcome.operation)
            return
        if outcome.result is not None:
            self.last_result = outcome.result
            self.show_outcome(outcome.result.describe(), ok=True)
        else:
            self.show_outcome(outcome.error, ok=False)
        self.app.post_message(ActionDone(request, outcome.result))

    def action_close(self) -> None:
        self.dismiss(self.last_result)
