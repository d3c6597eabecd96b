"""The app without root, on the demo: one line of notice at 80x24, the details under `0` and `?`."""

from __future__ import annotations

from textual.widgets import Static

from ipcscope.ui.demo_app import demo_app
from ipcscope.ui.screens.help import HelpScreen
from ipcscope.ui.widgets.object_table import ObjectTable


async def test_the_notice_takes_one_line_and_help_lists_what_is_hidden() -> None:
    app = demo_app(root=False, mqueue=False)
    async with app.run_test(size=(80, 24)) as pilot:
        notice = app.query_one("#notice", Static)
        assert notice.region.height == 1
        assert "details: 0, ?" in str(notice.content)
        await pilot.press("3")
        assert str(app.query_one("#table-sem", ObjectTable).get_cell("sem:2", "waiters")) == "2?"
        await pilot.press("question_mark")
        assert isinstance(app.screen, HelpScreen)
        hidden = str(app.screen.query_one("#help-hidden", Static).content)
        assert "What ipcscope cannot see here" in hidden
        assert "sem 2: 2 tasks wait that you cannot see (processes of other users)" in hidden
        assert "14 processes of other users were not inspected" in hidden


async def test_root_with_nothing_hidden_has_no_notice_and_a_plain_help() -> None:
    app = demo_app()
    async with app.run_test(size=(80, 24)) as pilot:
        assert not app.query_one("#notice", Static).display
        await pilot.press("question_mark")
        assert not app.screen.query("#help-hidden")
