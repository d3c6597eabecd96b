"""The detail pane of the Channels view: the DetailPane frame with the channel sections.

Same behaviour as the object detail (sections updated in place, only when they change; a removed
channel lingers greyed under a banner); the content comes from detail_channels.
"""

from __future__ import annotations

from typing import Any

from rich.console import RenderableType
from rich.text import Text

from ipcscope.ui.data.channel_rows import ChannelRow
from ipcscope.ui.widgets import detail_channels as channels
from ipcscope.ui.widgets.detail import DetailPane
from ipcscope.ui.widgets.detail_common import Context


class ChannelDetail(DetailPane):
    """Everything about one channel row: state, ends, blocked tasks, the C calls, what is hidden."""

    SECTIONS = ("state", "ends", "blocked", "made", "scan")

    def _title(self, obj: Any) -> Text:
        return channels.title(obj)

    def _sections(self, obj: Any, ctx: Context, removed: bool) -> dict[str, RenderableType | None]:
        row: ChannelRow = obj
        return {"state": channels.state(row, ctx), "ends": channels.ends(row, ctx),
                "blocked": channels.blocked(row, ctx), "made": channels.made_by(row, ctx),
                "scan": channels.scan_note(ctx)}

