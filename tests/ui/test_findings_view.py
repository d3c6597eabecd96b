"""FindingsView in a tiny app: the demo's findings, jumping to objects, keeping the cursor."""

from __future__ import annotations

from pathlib import Path

from textual.app import App, ComposeResult

import ipcscope.ui
from ipcscope.demo import DEMO_NOW, demo_snapshot
from ipcscope.doctor import Finding, coverage_notes, diagnose
from ipcscope.model import ObjectRef
from ipcscope.ui.widgets.findings import FindingsView


def demo_findings() -> list[Finding]:
    return diagnose(demo_snapshot(), now=DEMO_NOW)


class FindingsApp(App[None]):
    """Just the view, fed once with the demo's findings; records every jump it is asked for."""

    CSS_PATH = Path(ipcscope.ui.__file__).parent / "findings.tcss"  # the app's stylesheet for it

    def __init__(self, findings: list[Finding], notes: list[str] | None = None) -> None:
        super().__init__()
        self.initial = findings
        self.notes = notes or []
        self.jumps: list[ObjectRef] = []

    def compose(self) -> ComposeResult:
        yield FindingsView()

    def on_mount(self) -> None:
        self.query_one(FindingsView).update_findings(self.initial, notes=self.notes)

    def on_findings_view_jump_to_object(self, message: FindingsView.JumpToObject) -> None:
        self.jumps.append(message.ref)


async def test_enter_and_click_post_jump_to_object():
    findings = demo_findings()
    refs = [finding.object for finding in findings]
    app = FindingsApp(findings)
    async with app.run_test(size=(120, 30)) as pilot:
        view = app.query_one(FindingsView)
        assert view.table.row_count == len(findings)
        view.table.focus()
        await pilot.press("enter")
        await pilot.pause()
        assert app.jumps == [ObjectRef("sem", 2)] == refs[:1]
        await pilot.press("down")
        await pilot.press("enter")
        await pilot.pause()
        assert app.jumps[-1] == ObjectRef("sem", 6)
        # a click on the highlighted row (the third: header is line 0 of the table) selects it
        await pilot.press("down")
        await pilot.click(view.table, offset=(2, 3))
        await pilot.pause()
        assert app.jumps[-1] == refs[2]
        assert len(app.jumps) == 3


async def test_detail_shows_full_message_and_hint_of_the_current_row():
    app = FindingsApp(demo_findings())
    async with app.run_test(size=(120, 30)) as pilot:
        view = app.query_one(FindingsView)
        detail = str(view.query_one("#findings-detail").render())
        assert "pid 4410, has exited" in detail and "hint: ipcscope semop 2 0:+1" in detail
        view.table.focus()
        await pilot.press("down")
        await pilot.pause()
        assert "hint: ipcscope semop 6 0:+1" in str(view.query_one("#findings-detail").render())


async def test_refresh_keeps_the_cursor_on_the_same_finding():
    findings = demo_findings()
    app = FindingsApp(findings[2:])
    async with app.run_test(size=(120, 30)) as pilot:
        view = app.query_one(FindingsView)
        view.table.focus()
        await pilot.press("down", "down")
        chosen = view.current
        assert chosen is findings[4]
        view.update_findings(findings)  # two findings appear above it
        await pilot.pause()
        assert view.current == chosen and view.table.cursor_row == 4
        view.update_findings([f for f in findings if f != chosen])  # it is gone: stay at that index
        await pilot.pause()
        assert view.current == findings[5]


async def test_empty_view_says_so():
    app = FindingsApp([], notes=coverage_notes(demo_snapshot(processes=False)))
    async with app.run_test(size=(100, 20)):
        view = app.query_one(FindingsView)
        assert view.has_class("-empty")
        summary = str(view.query_one("#findings-summary").render())
        assert summary.startswith("No problems found") and "no process scan" in summary


def test_findings_view_snapshot(snap_compare):
    snapshot = demo_snapshot()
    app = FindingsApp(diagnose(snapshot, now=DEMO_NOW), notes=coverage_notes(snapshot))
    assert snap_compare(app, terminal_size=(120, 30))
