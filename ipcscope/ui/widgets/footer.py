"""Textual's Footer, rebuilt only when the keys it shows change, cheaper to rebuild, without leaks.

Footer recomposes (unmounts and mounts a widget per key, then lays out and repaints the screen) on
every "bindings updated" signal, and Screen.set_focus sends two per focus change: a view switch
rebuilt the footer twice, the second time always for the same keys (and the first time too between
views with the same actions, e.g. sem -> pmq). Each rebuild cost about 40 ms.
"""

from __future__ import annotations

from collections.abc import Hashable

from textual.app import ComposeResult
from textual.widgets import Footer
from textual.widgets._footer import FooterKey  # not exported by textual.widgets


class SteadyFooter(Footer):
    """A Footer that skips a recompose when its keys, their state and tooltips are unchanged."""

    _composed: Hashable = None

    def _shown(self) -> Hashable:
        """What compose() draws from: the screen's bindings (frozen dataclasses), enabled, tooltip."""
        if not self._bindings_ready or not self.is_attached:
            return None
        keys = tuple((binding, enabled, tooltip)
                     for _node, binding, enabled, tooltip in self.screen.active_bindings.values())
        return keys, self.show_command_palette, self.app.ENABLE_COMMAND_PALETTE

    def compose(self) -> ComposeResult:
        """Footer's keys, told the footer's `compact` before they mount. A FooterKey starts
        compact and the footer's data binding sets it back: two restyles of every key, each time.
        The palette key is not bound (it stays compact), so it is left alone."""
        for widget in super().compose():
            if isinstance(widget, FooterKey) and not widget.has_class("-command-palette"):
                widget.set_reactive(FooterKey.compact, self.compact)
            yield widget

    async def recompose(self) -> None:
        shown = self._shown()
        if shown is not None and shown == self._composed:
            return
        self._composed = shown
        await super().recompose()
        # Footer binds every key's `compact` to its own; Textual keeps those watchers, and the
        # keys they hold, until `compact` changes, which it never does: each rebuild leaked its
        # keys (~1,000 objects a view switch, and every full garbage collection got slower).
        # Forcing the watchers to run drops the ones of removed keys.
        self.mutate_reactive(Footer.compact)
