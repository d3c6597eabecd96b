"""Tasks asleep in a call on one channel, from /proc/PID/task/TID/{syscall,wchan,mem}.

- read/write/recv/send/accept/connect (and readv, recvmsg, accept4 ...): arg0 is the descriptor;
  the task is blocked on a channel when that descriptor is one of the process's pipes, FIFOs or
  sockets. poll, select and epoll_wait wait on many descriptors and are not "blocked on one".
- open/openat of a FIFO waiting for its partner: wchan says `wait_for_partner`; the descriptor
  does not exist yet, so the FIFO is found from the path argument, read from the task's memory in
  small chunks (the path often sits near the top of the stack, and a read that runs past the
  mapping fails whole), then stat'ed through the task's own root or working directory.
"""

from __future__ import annotations

import os
import posixpath
import stat
from collections.abc import Callable
from dataclasses import dataclass

from ipcscope.model import ChannelOp, EndMode
from ipcscope.probe.procfs import Denied, SyscallLine, read_link, read_memory, read_small, s32
from ipcscope.probe.syscalls import ChannelCall

AT_FDCWD = -100
PATH_MAX = 4096
_PAGE = os.sysconf("SC_PAGE_SIZE") if hasattr(os, "sysconf") else 4096
_CHUNK = 256

#: what each call is, in the model's words
OPS: dict[ChannelCall, ChannelOp] = {
    "read": "read", "write": "write", "recv": "recv", "send": "send",
    "accept": "accept", "connect": "connect", "open": "open", "openat": "open",
}

#: a channel as the collector keys it: ("pipe", ino), ("fifo", dev, ino) or ("sock", ino)
ChannelKey = tuple[str, int] | tuple[str, int, int]


@dataclass(frozen=True)
class ChannelWait:
    """A blocked call resolved to its channel."""

    key: ChannelKey
    op: ChannelOp
    #: the descriptor it is blocked on (None for an open, which has none yet)
    fd: int | None = None
    #: open: the end it is opening ("r" waits for a writer, "w" for a reader)
    mode: EndMode | None = None
    #: open: the FIFO's path as the opener named it (made absolute)
    path: str | None = None


def fd_wait(call: ChannelCall, line: SyscallLine, channel_of: Callable[[int], ChannelKey | None]) -> ChannelWait | None:
    """A read/write/recv/send/accept/connect on a descriptor that is a channel, else None."""
    fd = s32(line.args[0])
    key = channel_of(fd)
    if key is None:
        return None
    return ChannelWait(key, OPS[call], fd=fd)


def open_wait(call: ChannelCall, line: SyscallLine, tid: int, dir_fd: int) -> ChannelWait | None:
    """An open()/openat() of a FIFO that waits for its partner, else None. `dir_fd` is the
    process's open /proc/PID directory. Raises Denied when its memory may not be read."""
    wchan = read_small(f"task/{tid}/wchan", dir_fd)
    if not wchan or b"wait_for_partner" not in wchan:
        return None
    if call == "openat":
        dirfd, address, flags = s32(line.args[0]), line.args[1], line.args[2]
    else:
        dirfd, address, flags = AT_FDCWD, line.args[0], line.args[1]
    raw = read_c_string(lambda at, n: read_memory(at, n, f"task/{tid}/mem", dir_fd), address)
    if not raw:
        return None
    name = raw.decode("utf-8", "surrogateescape")
    if name.startswith("/"):
        through, shown = "root" + name, name
    else:
        base_link = f"task/{tid}/cwd" if dirfd == AT_FDCWD else f"fd/{dirfd}"
        base = read_link(base_link, dir_fd)
        if base is None:
            return None
        through, shown = f"{base_link}/{name}", posixpath.normpath(posixpath.join(base, name))
    try:
        st = os.stat(through, dir_fd=dir_fd)
    except OSError:
        return None
    if not stat.S_ISFIFO(st.st_mode):
        return None
    mode: EndMode = "w" if flags & os.O_ACCMODE == os.O_WRONLY else "r"
    return ChannelWait(("fifo", st.st_dev, st.st_ino), "open", mode=mode, path=shown)


def read_c_string(read: Callable[[int, int], bytes | None], address: int, limit: int = PATH_MAX) -> bytes | None:
    """A NUL-terminated string at `address`, read in chunks that never cross a page boundary.
    None when the memory cannot be read or no NUL comes within `limit` bytes."""
    if address == 0:
        return None
    found = b""
    while len(found) < limit:
        length = min(_CHUNK, _PAGE - address % _PAGE)
        chunk = read(address, length)
        if chunk is None:
            return None
        end = chunk.find(b"\0")
        if end >= 0:
            return found + chunk[:end]
        found += chunk
        address += length
    return None


def switches(tid: int, dir_fd: int) -> int | None:
    """How many times the task has been scheduled (schedstat's third field). A wait seen again
    with the same count has not been woken in between; a reader of a trickling pipe, woken by
    each write and blocked again, is a new wait each time."""
    try:
        raw = read_small(f"task/{tid}/schedstat", dir_fd)
    except Denied:
        return None
    if not raw:
        return None
    fields = raw.split()
    try:
        return int(fields[2]) if len(fields) > 2 else None
    except ValueError:
        return None
