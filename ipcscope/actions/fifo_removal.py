"""Removing a FIFO: say who has it open before, and unlink only the FIFO that was shown.

`plan_fifo_removal` states the consequences from the channel scan when there is one: the
processes that have it open keep it (unlink removes only the name), and a process blocked in
open() on the path can then never meet a partner. `remove_fifo_checked` unlinks the path only
if it still names that FIFO (same device and inode, still a FIFO, not a symlink): a path is
easily replaced between the question and the answer. A race remains between that check and
unlink(2), which has no "only if it is this inode"; the window is one system call.
"""

from __future__ import annotations

import errno
import os
import stat
from dataclasses import dataclass

from ipcscope.actions.removal import ObjectChanged
from ipcscope.core.errors import IpcError
from ipcscope.format import human_size
from ipcscope.model import ChannelEnd, ChannelScan, Fifo

LISTED = 5


def unlink_call(path: str) -> str:
    from ipcscope.core import c_calls

    return c_calls.call("unlink", c_calls.string(path, 200))


@dataclass(frozen=True)
class FifoRemovalPlan:
    """What removing one FIFO will do, for a confirmation dialog or prompt (as RemovalPlan)."""

    path: str
    title: str
    call: str
    consequences: tuple[str, ...]
    #: the FIFO as shown, for remove_fifo_checked; None when there is none at the path
    expected: Fifo | None

    @property
    def possible(self) -> bool:
        return self.expected is not None

    @property
    def text(self) -> str:
        return "\n".join([self.title, *(f"- {line}" for line in self.consequences)])


def find_fifo(path: str) -> Fifo | None:
    """The FIFO at `path` itself (lstat: a symlink to a FIFO is not one), or None.

    Raises IpcError for a path that cannot be looked at, and ValidationError for one that is
    something else than a FIFO."""
    from ipcscope.core import fifo

    try:
        st = os.lstat(path)
    except FileNotFoundError:
        return None
    except OSError as error:
        raise IpcError(error.errno or errno.EIO, fifo.stat_call(path)) from None
    fifo.require_fifo(path, st)
    return Fifo(path=path, inode=st.st_ino, dev=st.st_dev)


def as_scanned(found: Fifo, channels: ChannelScan | None) -> Fifo:
    """The scan's entry for the same FIFO (its ends, blocked openers, bytes), else `found`."""
    if channels is not None:
        for entry in channels.fifos:
            if (entry.dev, entry.inode) == (found.dev, found.inode):
                return entry
    return found


def _who(ends: tuple[ChannelEnd, ...]) -> str:
    seen = list(dict.fromkeys(f"pid {e.pid} {e.comm} (fd {e.fd}, {e.mode})" for e in ends))
    shown = ", ".join(seen[:LISTED])
    return shown + (f" and {len(seen) - LISTED} more" if len(seen) > LISTED else "")


def plan_fifo_removal(path: str, found: Fifo | None, channels: ChannelScan | None, *,
                      scanned: bool = True) -> FifoRemovalPlan:
    """The consequences of unlinking the FIFO `found` at `path`, as far as `channels` tells.

    `scanned`: whether a channel scan was tried (False: it is known not to exist)."""
    call = unlink_call(path)
    if found is None:
        return FifoRemovalPlan(path, f"There is no FIFO at {path}", call,
                               ("Nothing to remove: the path does not exist (any more).",), None)
    fifo = as_scanned(found, channels)
    lines = [f"unlink removes the name {path} at once: nobody new can open it."]
    if channels is None:
        lines.append("Which processes have it open is not known: channels were not scanned"
                     + ("." if scanned else " (not available here)."))
    elif fifo.ends:
        queued = f"; the {human_size(fifo.queued)} queued stay readable" if fifo.queued else ""
        lines.append(f"{len(fifo.ends)} descriptor(s) have it open ({_who(fifo.ends)}): they keep reading "
                     f"and writing it{queued}; it is freed when the last one is closed.")
    else:
        lines.append("Nobody has it open: it is gone at once (an unopened FIFO holds no data).")
    openers = [t for t in fifo.blocked if t.op == "open"]
    if openers:
        who = ", ".join(f"pid {t.pid} {t.comm}" for t in openers[:LISTED])
        verb, them = ("waits", "it waits") if len(openers) == 1 else ("wait", "they wait")
        lines.append(f"{who} {verb} in open() on this path for a partner: after unlink nobody can open "
                     f"the path to meet {'it' if len(openers) == 1 else 'them'}; {them} until interrupted "
                     "(a signal).")
    if channels is not None and channels.hidden_ends:
        lines.append(f"{channels.hidden_ends} descriptors of processes that could not be inspected; "
                     "they may have it open too.")
    elif channels is not None and not channels.complete:
        lines.append("Some processes could not be inspected; they may have it open too.")
    title = f"Unlink FIFO {path} (inode {found.inode})?"
    return FifoRemovalPlan(path, title, call, tuple(lines), fifo)


def remove_fifo_checked(expected: Fifo) -> str:
    """Unlink `expected.path` only if it still is that FIFO; say what happened.

    Raises ObjectChanged (errno ESTALE) and removes NOTHING when the path is gone, replaced or no
    longer a FIFO; kernel errors (EPERM on a sticky /tmp, ...) come as IpcError."""
    from ipcscope.core import fifo

    call = unlink_call(expected.path)
    try:
        st = os.lstat(expected.path)
    except FileNotFoundError:
        raise ObjectChanged(f"fifo {expected.path} no longer exists (removed since it was shown): "
                            "nothing removed", call) from None
    except OSError as error:
        raise IpcError(error.errno or errno.EIO, fifo.stat_call(expected.path)) from None
    if not stat.S_ISFIFO(st.st_mode) or (st.st_dev, st.st_ino) != (expected.dev, expected.inode):
        raise ObjectChanged(f"fifo {expected.path} changed since it was shown (inode {expected.inode} -> "
                            f"{st.st_ino}, {'a FIFO' if stat.S_ISFIFO(st.st_mode) else 'not a FIFO'}): "
                            "it was replaced; nothing removed", call)
    fifo.unlink(expected.path)
    return f"unlinked {expected.path}; processes that have it open keep it until they close it"
