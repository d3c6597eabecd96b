"""Command palette (ctrl+p): "jump to object" across every kind, by key, id or name.

The app's actions are added as system commands by IpcScopeApp.get_system_commands, from the same
bindings the footer and the help screen use.
"""

from __future__ import annotations

from functools import partial
from typing import TYPE_CHECKING, Iterator

from textual.command import DiscoveryHit, Hit, Hits, Provider

from ipcscope.model import KIND_TITLES, IpcObject

if TYPE_CHECKING:
    from ipcscope.ui.app import IpcScopeApp

#: How many objects the palette lists before the user types anything.
DISCOVER_LIMIT = 30


def describe(obj: IpcObject) -> str:
    """"shm 3  key 0x0000162e  root" / "pmq /jobs  root": the words a user would search for."""
    if hasattr(obj, "key_text"):
        return f"{obj.kind} {obj.id}  key {obj.key_text}  {obj.owner}"
    return f"{obj.kind} {obj.name}  {obj.owner}"


class JumpProvider(Provider):
    """Jump to any object of the last applied snapshot."""

    def _targets(self) -> Iterator[tuple[str, str, IpcObject]]:
        app: IpcScopeApp = self.app  # type: ignore[assignment]
        snapshot = app.snapshot
        if snapshot is None:
            return
        for obj in snapshot.all_objects():
            yield f"Jump to {describe(obj)}", KIND_TITLES[obj.kind], obj

    async def discover(self) -> Hits:
        app: IpcScopeApp = self.app  # type: ignore[assignment]
        for count, (text, help_text, obj) in enumerate(self._targets()):
            if count >= DISCOVER_LIMIT:
                break
            yield DiscoveryHit(text, partial(app.jump_to, obj.ref.row_key), help=help_text)

    async def search(self, query: str) -> Hits:
        app: IpcScopeApp = self.app  # type: ignore[assignment]
        matcher = self.matcher(query)
        for text, help_text, obj in self._targets():
            score = matcher.match(text)
            if score > 0:
                yield Hit(score, matcher.highlight(text), partial(app.jump_to, obj.ref.row_key),
                          help=help_text)
