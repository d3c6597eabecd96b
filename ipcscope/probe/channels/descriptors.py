"""What a /proc/PID/fd/N link names, and which end of a pipe or FIFO the descriptor holds.

readlink gives `pipe:[INODE]` for an anonymous pipe, `socket:[INODE]` for a socket and a path for
anything opened by name, FIFOs included (with " (deleted)" once unlinked). A path is a FIFO only if
stat() through the link says so: stat follows the fd's own file, it does not open it.
"""

from __future__ import annotations

import stat

from ipcscope.model import EndMode

PIPE_PREFIX = "pipe:["
SOCKET_PREFIX = "socket:["
DELETED = " (deleted)"

#: Paths that are character devices or pseudo files on every Linux system, and so never FIFOs:
#: stat'ing them would only cost time (a terminal and /dev/null are on almost every process's
#: stdin, stdout and stderr). /dev/shm and the rest of /dev are stat'ed: FIFOs live there too
#: (/dev/initctl, /dev/xconsole).
_NEVER_FIFO_PREFIXES = (
    "/dev/pts/", "/dev/tty", "/dev/null", "/dev/zero", "/dev/full", "/dev/random", "/dev/urandom",
    "/dev/ptmx", "/dev/console", "/dev/kmsg", "/dev/input/", "/dev/dri/", "/dev/snd/", "/dev/kvm",
    "/dev/fuse", "/dev/net/tun", "/proc/", "/sys/", "/memfd:",
)


def link_inode(target: str, prefix: str) -> int | None:
    """The INODE of a `pipe:[INODE]` or `socket:[INODE]` link, None when it is not one."""
    if not target.startswith(prefix) or not target.endswith("]"):
        return None
    digits = target[len(prefix):-1]
    return int(digits) if digits.isdigit() else None


def may_be_fifo(target: str) -> bool:
    """Whether a link target is a path that could be a FIFO (worth one stat to find out)."""
    return target.startswith("/") and not target.startswith(_NEVER_FIFO_PREFIXES)


def is_fifo(mode: int) -> bool:
    return stat.S_ISFIFO(mode)


def end_mode(link_mode: int) -> EndMode | None:
    """The end a descriptor holds, from the mode of its /proc/PID/fd/N link itself (lstat).

    The kernel sets the link's user read and write bits from the open file's FMODE_READ and
    FMODE_WRITE on every lookup (fs/proc/fd.c), so they say exactly what fdinfo's `flags & 3`
    says, for one lstat instead of an open, read and close. None for an O_PATH descriptor, which
    neither reads nor writes: it is no end at all.
    """
    readable = link_mode & stat.S_IRUSR
    writable = link_mode & stat.S_IWUSR
    if readable and writable:
        return "rw"
    if readable:
        return "r"
    if writable:
        return "w"
    return None


def fifo_path(target: str) -> tuple[str, bool]:
    """(path, unlinked) of a FIFO's link target: the kernel appends " (deleted)" once unlinked."""
    if target.endswith(DELETED):
        return target[: -len(DELETED)], True
    return target, False
