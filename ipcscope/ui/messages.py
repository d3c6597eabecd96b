"""Messages from worker threads to the UI thread: the only way their results come back.

A worker posts one (post_message is thread-safe) and the app handles it on the UI thread, as any
Textual message: the poll and the process scan, the namespace census, a removal in another
namespace, and the labs' start, steps, stop and checks.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from textual.message import Message

from ipcscope.model import Snapshot
from ipcscope.ui.data.sources import ScanResult

if TYPE_CHECKING:
    from ipcscope.actions import ActionResult, Remove
    from ipcscope.core.errors import IpcError, ValidationError
    from ipcscope.labs.lab import Check


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


@dataclass
class CensusTaken(Message):
    """Every namespace with its objects, for the picker; `current` is the view shown when asked."""

    census: Snapshot
    current: str


@dataclass
class CensusFailed(Message):
    """The census could not be taken: what to tell the user."""

    error: str


@dataclass
class RemovedInNamespace(Message):
    """A removal run in a helper inside another namespace returned its result, or failed."""

    request: Remove
    result: ActionResult | None
    error: IpcError | ValidationError | None


# --------------------------------------------------------------------------- labs: from their workers


@dataclass
class LabStarted(Message):
    """LabSession.start() returned (a notice about what it cleaned first, or None) or failed."""

    notice: str | None
    error: BaseException | None


@dataclass
class LabStepped(Message):
    """LabSession.next() or back() returned or failed."""

    step: object
    error: BaseException | None


@dataclass
class LabStopped(Message):
    """LabSession.stop() returned its report or failed."""

    report: object
    error: BaseException | None


@dataclass
class LabChecked(Message):
    """LabSession.check() said whether the kernel shows what the step promises, or failed."""

    check: Check | None
    error: BaseException | None


@dataclass
class StaleLabsCleaned(Message):
    """What the cleanup of labs left by an earlier, killed ipcscope did."""

    notice: str
