"""A live hex/ASCII view of a shared memory segment (System V or POSIX), and writing into it.

Opened read-only (a SysV segment is attached with SHM_RDONLY); `w` re-opens it read-write
(only when the app allows changes), which shows a write row: offset, text or hex, validated by
the ShmWrite/PosixShmWrite action with its live C call. The view re-reads the window on screen
on a timer and highlights the bytes that changed since the previous read (the viewer's own
writes included). The SysV attachment exists only while the viewer is open: closing detaches.
"""

from __future__ import annotations

from typing import Any, ClassVar

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, Vertical
from textual.screen import ModalScreen
from textual.timer import Timer
from textual.widgets import Button, Checkbox, Footer, Input, Label, Static

from ipcscope.actions import ActionLimits, PosixShmWrite, Preview, ShmWrite, preview, read_limits
from ipcscope.core.errors import IpcError, ValidationError
from ipcscope.model import PosixShm, ShmSegment
from ipcscope.ui.panels.outcome import ActionDone, describe_error, object_label
from ipcscope.ui.panels.segment import Segment, open_segment
from ipcscope.ui.render.hexdump import changed_offsets, hexdump

REFRESH_SECONDS = 0.5


class ShmViewer(ModalScreen[None]):
    """The bytes of one segment, refreshed live; writing in write mode."""

    CSS_PATH = "panels.tcss"

    #: nothing focused at first: the keys scroll the view; the write row takes focus in write mode
    AUTO_FOCUS = ""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "close", "Close (detach)", id="viewer.close"),
        Binding("w", "write_mode", "Write mode", tooltip="Attach read-write and show the write row",
                id="viewer.write-mode"),
        Binding("space", "pause", "Pause", id="viewer.pause"),
        Binding("space", "resume", "Resume", id="viewer.resume"),
        Binding("up", "scroll_rows(-1)", "Up", show=False, id="viewer.up"),
        Binding("down", "scroll_rows(1)", "Down", show=False, id="viewer.down"),
        Binding("pageup", "scroll_pages(-1)", "Page up", show=False, id="viewer.page-up"),
        Binding("pagedown", "scroll_pages(1)", "Page down", show=False, id="viewer.page-down"),
        Binding("ctrl+home", "scroll_to(0)", "Start", show=False, id="viewer.start"),
        Binding("ctrl+end", "scroll_to(-1)", "End", show=False, id="viewer.end"),
    ]

    def __init__(self, target: ShmSegment | PosixShm, *, allow_write: bool = True,
                 writable: bool = False, interval: float = REFRESH_SECONDS,
                 limits: ActionLimits | None = None) -> None:
        """`allow_write`: False under --read-only (no write mode at all); `writable`: open
        read-write at once; `interval`: seconds between reads (0: only on demand)."""
        super().__init__()
        self.target = target
        self.allow_write = allow_write
        self.start_writable = writable and allow_write
        self.interval = interval
        self.limits = limits or read_limits()
        self.segment: Segment | None = None
        self.view_offset = 0
        self.paused = False
        self._shown: tuple[int, bytes] | None = None
        #: the dump on screen (changed bytes styled hexdump.CHANGED_STYLE)
        self.last_dump = Text()
        self._timer: Timer | None = None

    def compose(self) -> ComposeResult:
        with Vertical(id="viewer"):
            yield Static(Text(object_label(self.target)), id="viewer-title")
            yield Static(id="viewer-state")
            yield Static(id="viewer-error")
            yield Static(id="hex")
            with Horizontal(id="write-row"):
                yield Label("Offset")
                yield Input("0", id="write-offset", compact=True, select_on_focus=False)
                yield Label("Data")
                yield Input("", placeholder="text, or hex digits with Hex", id="write-data", compact=True)
                yield Checkbox("Hex", id="write-hex", compact=True)
                yield Button("Write", id="write", variant="primary", compact=True)
            yield Static(id="write-call")
            yield Static(id="write-note")
        yield Footer()

    def on_mount(self) -> None:
        self._open(self.start_writable)
        if self.interval > 0:
            self._timer = self.set_interval(self.interval, self.refresh_view, name="shm-viewer")

    def on_resize(self) -> None:
        self.call_after_refresh(self.refresh_view)

    def on_unmount(self) -> None:
        self._close_segment()

    # ---- access

    def _open(self, writable: bool) -> None:
        self._close_segment()
        try:
            self.segment = open_segment(self.target, writable=writable)
        except (IpcError, ValidationError) as error:
            self.segment = None
            self._error(describe_error(error))
        else:
            self._error("")
        self._show_write_row()
        self.refresh_view()
        self.refresh_bindings()

    def _close_segment(self) -> None:
        if self.segment is not None:
            try:
                self.segment.close()
            except IpcError:
                pass
            self.segment = None

    def _error(self, text: str) -> None:
        error = self.query_one("#viewer-error", Static)
        error.update(Text(text))
        error.display = bool(text)

    # ---- the view

    @property
    def row_bytes(self) -> int:
        """16 bytes a line when the width allows (78 columns), else 8."""
        width = self.query_one("#hex", Static).content_size.width or 80
        return 16 if width >= 78 else 8

    @property
    def window_rows(self) -> int:
        return max(1, self.query_one("#hex", Static).content_size.height or 16)

    def refresh_view(self) -> None:
        """Read the window on screen and show it, highlighting what changed since last time."""
        if self.paused and self._shown is not None:
            return
        segment = self.segment
        hex_view = self.query_one("#hex", Static)
        if segment is None:
            hex_view.update("")
            self._state("")
            return
        row = self.row_bytes
        self.view_offset = max(0, min(self.view_offset, self._last_row_start(segment.size, row)))
        try:
            data = segment.read(self.view_offset, self.window_rows * row)
        except (IpcError, ValidationError) as error:
            self._error(describe_error(error))
            return
        changed: frozenset[int] = frozenset()
        if self._shown is not None:
            changed = changed_offsets(self._shown[1], self._shown[0], data, self.view_offset)
        self._shown = (self.view_offset, data)
        self.last_dump = (hexdump(data, self.view_offset, changed=changed, row=row) if data
                          else Text("(empty: 0 bytes)"))
        hex_view.update(self.last_dump)
        end = self.view_offset + len(data)
        changes = f"; {len(changed)} bytes changed" if changed else ""
        self._state(f"{segment.opened_with} · {segment.size} bytes · showing "
                    f"{self.view_offset:#x}..{end:#x}{changes}" + (" · paused" if self.paused else ""))

    def _state(self, text: str) -> None:
        self.query_one("#viewer-state", Static).update(Text(text))

    @staticmethod
    def _last_row_start(size: int, row: int) -> int:
        return max(0, (size - 1) // row * row)

    def action_scroll_rows(self, rows: int) -> None:
        self.view_offset = max(0, self.view_offset + rows * self.row_bytes)
        self.refresh_view()

    def action_scroll_pages(self, pages: int) -> None:
        self.action_scroll_rows(pages * self.window_rows)

    def action_scroll_to(self, where: int) -> None:
        if where == 0 or self.segment is None:
            self.view_offset = 0
        else:
            row = self.row_bytes
            self.view_offset = max(0, -(-self.segment.size // row) - self.window_rows) * row
        self.refresh_view()

    def action_pause(self) -> None:
        self.paused = True
        self.refresh_bindings()
        self.refresh_view()

    def action_resume(self) -> None:
        self.paused = False
        self.refresh_bindings()
        self.refresh_view()

    # ---- writing

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action == "write_mode":
            return self.allow_write and (self.segment is None or not self.segment.writable)
        if action == "pause":
            return not self.paused
        if action == "resume":
            return self.paused
        return True

    def action_write_mode(self) -> None:
        if self.allow_write:
            self._shown = None
            self._open(True)
            if self.segment is not None and self.segment.writable:
                self.query_one("#write-data", Input).focus()

    def _show_write_row(self) -> None:
        writable = self.segment is not None and self.segment.writable
        self.set_class(writable, "-writable")
        if writable:
            self._preview_write()

    def _write_action(self) -> type[ShmWrite] | type[PosixShmWrite]:
        return ShmWrite if isinstance(self.target, ShmSegment) else PosixShmWrite

    def _write_fields(self) -> dict[str, Any]:
        return {"offset": self.query_one("#write-offset", Input).value,
                "data": self.query_one("#write-data", Input).value,
                "hex": self.query_one("#write-hex", Checkbox).value}

    def _preview_write(self) -> Preview:
        current = preview(self._write_action(), self._write_fields(), limits=self.limits,
                          target=self.target)
        call = self.segment.write_call(current.c_call) if self.segment else current.c_call
        self.query_one("#write-call", Static).update(Text.assemble(("C ", "bold"), call))
        self._note("; ".join(current.errors.values()), ok=None)
        self.query_one("#write", Button).disabled = not current.valid
        return current

    def _note(self, text: str, *, ok: bool | None) -> None:
        note = self.query_one("#write-note", Static)
        note.update(Text(text))
        note.set_class(ok is False or (ok is None and bool(text)), "-error")
        note.set_class(ok is True, "-ok")

    @on(Input.Changed)
    @on(Checkbox.Changed)
    def _write_changed(self, event: Input.Changed | Checkbox.Changed) -> None:
        event.stop()
        if self.segment is not None and self.segment.writable:
            self._preview_write()

    @on(Input.Submitted)
    def _write_submitted(self, event: Input.Submitted) -> None:
        event.stop()
        self.apply_write()

    @on(Button.Pressed, "#write")
    def _write_pressed(self, event: Button.Pressed) -> None:
        event.stop()
        self.apply_write()

    def apply_write(self) -> None:
        """Write what the row says, then show it (the written bytes light up as changed)."""
        segment = self.segment
        if segment is None or not segment.writable:
            return
        current = self._preview_write()
        request = current.request
        if not isinstance(request, (ShmWrite, PosixShmWrite)):
            return
        try:
            call = segment.write(request)
        except (IpcError, ValidationError) as error:
            self._note(describe_error(error), ok=False)
            return
        self._note(f"{call}: wrote {len(request.data)} bytes at offset {request.offset}",
                   ok=True)
        self.app.post_message(ActionDone(request, None))
        self.refresh_view()

    def action_close(self) -> None:
        self._close_segment()
        self.dismiss(None)
