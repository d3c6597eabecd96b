"""Messages between the poll worker and the UI thread."""

from __future__ import annotations

from dataclasses import dataclass

from textual.message import Message

from ipcscope.model import Snapshot
from ipcscope.ui.data.sources import ScanResult


@dataclass
class SnapshotReady(Message):
    """A poll finished. Only the newest unprocessed one matters, so a newer one replaces it."""

    snapshot: Snapshot

    def can_replace(self, message: Message) -> bool:
        return isinstance(message, SnapshotReady)


@dataclass
class ScanReady(Message):
    """A process scan finished; the app attaches it to every snapshot until the next one."""

    result: ScanResult

    def can_replace(self, message: Message) -> bool:
        return isinstance(message, ScanReady)
