"""SteadyFooter: the same keys as Textual's Footer, rebuilt only when they change, and no leak."""

from __future__ import annotations

import gc
import weakref

from textual.widgets._footer import FooterKey

from ipcscope.ui.widgets.footer import SteadyFooter
from tests.ui.conftest import make_app

SIZE = (160, 50)


def footer_text(app) -> list[str]:
    return [f"{key.key_display} {key.description}" for key in app.query(FooterKey)]


async def test_switching_between_views_with_the_same_keys_keeps_the_footer() -> None:
    app = make_app(read_only=True)  # sem and pmq then have the same actions
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("3")  # sem
        await pilot.pause()
        keys = list(app.query(FooterKey))
        await pilot.press("4")  # pmq: the same actions
        await pilot.pause()
        assert list(app.query(FooterKey)) == keys


async def test_the_footer_follows_the_keys_of_the_view() -> None:
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        assert any("Sort" in text for text in footer_text(app))
        await pilot.press("7")  # findings: no sort
        await pilot.pause()
        assert not any("Sort" in text for text in footer_text(app))
        await pilot.press("1")
        await pilot.pause()
        assert any("Sort" in text for text in footer_text(app))


async def test_keys_removed_by_a_rebuild_are_freed() -> None:
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        removed = [weakref.ref(key) for key in app.query(FooterKey)]
        assert removed
        for view in "7172":
            await pilot.press(view)
            await pilot.pause()
        assert app.query_one(SteadyFooter).children
        gc.collect()
        assert [ref for ref in removed if ref() is not None] == []
