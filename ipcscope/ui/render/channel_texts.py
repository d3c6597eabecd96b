"""What the Channels view says when it cannot show something: not scanned, nothing found, hidden.

Plain functions of the model (no Textual), like texts.py: an empty view must say whether there
is nothing, nothing visible to this user, or nothing looked for yet.
"""

from __future__ import annotations

from ipcscope.model import ChannelKind, ChannelScan, ProcessScan
from ipcscope.ui.data.channel_rows import SUBKIND_TITLES

NOT_SCANNED = ("Channels are not scanned yet: pipes, FIFOs and sockets between processes come from "
               "the process scan, which does not look for them in this build.")
NO_SCAN = "Channels come from the process scan, which has not run yet."
MKFIFO = "ipcscope mkfifo /tmp/demo.fifo"


def channels_of(scan: ProcessScan | None) -> ChannelScan | None:
    return scan.channels if scan is not None else None


def empty_channels_text(scan: ProcessScan | None) -> str:
    """Why the view has no row at all."""
    if scan is None:
        return NO_SCAN
    channels = scan.channels
    if channels is None:
        return NOT_SCANNED
    text = "No pipes, FIFOs or sockets between processes were found."
    if channels.hidden_ends:
        text += f" {hidden_text(channels.hidden_ends)}"
    return f"{text}\nCreate a FIFO: {MKFIFO}"


def no_subkind_text(kind: ChannelKind, others: int) -> str:
    """The sub-kind filter leaves nothing: say how many rows of other kinds it hides."""
    noun = "channel" if others == 1 else "channels"
    hint = f"\nCreate one: {MKFIFO}" if kind == "fifo" else ""
    return f"No {SUBKIND_TITLES[kind]} ({others} {noun} of other kinds hidden: t shows the next kind).{hint}"


def hidden_text(count: int) -> str:
    noun = "descriptor" if count == 1 else "descriptors"
    return (f"{count} {noun} of processes that could not be inspected (other users', or refused by a "
            "security module): their ends are not shown and their pipes are not listed. Run as root "
            "to see them.")


def channels_notice_text(channels: ChannelScan) -> str:
    """What could not be seen, when the scan's notes do not say it."""
    if channels.hidden_ends:
        return hidden_text(channels.hidden_ends)
    return ("Some processes could not be inspected: an end that is not listed may be theirs "
            "(\"none visible\"). Run as root to see them.")


def channels_notice(scan: ProcessScan | None) -> str | None:
    """The view's notice: what this user cannot see of the channels, and the scan's own notes."""
    channels = channels_of(scan)
    if channels is None:
        return None
    if channels.notes:
        return "\n".join(channels.notes)
    if channels.hidden_ends or not channels.complete:
        return channels_notice_text(channels)
    return None
