"""POSIX message queues: from an mqueue mount, a detached mount (root), or open descriptors.

No /proc file lists POSIX queues. They are files of the mqueue filesystem, which is often not
mounted (reference/kernel.md §5). In order of completeness:
1. a mounted mqueue fs (found in <proc_root>/self/mountinfo): every queue, for every user;
2. as root, a private detached mount (fsopen/fsmount): every queue, nothing visible in mountinfo;
3. otherwise the descriptors in /proc/*/fd that are queues: only queues some process we may
   inspect holds open, so the snapshot says what is missing and how to mount /dev/mqueue.

Each queue file reads as `QSIZE:24 NOTIFY:0 SIGNO:0 NOTIFY_PID:0`; a descriptor opened O_RDONLY
on it is a real queue descriptor, so `mq_getattr` on the same fd gives maxmsg/msgsize/curmsgs
without mq_open by name (which would look in *our* IPC namespace, not necessarily the mount's).
Reading never consumes a message.
"""

from __future__ import annotations

import os
import stat

from ipcscope.model import PosixQueue
from ipcscope.probe._fast import build
from ipcscope.probe.names import NameCache

MOUNT_HINT = ("Mount it: sudo mkdir -p /dev/mqueue && sudo mount -t mqueue none /dev/mqueue")


# --------------------------------------------------------------------------- pure parsing


def find_mqueue_mount(mountinfo: str) -> str | None:
    """Mount point of the first mqueue filesystem in a mountinfo text, or None.

    The filesystem type is the first field after the " - " separator (the optional fields before
    it vary in number); the mount point is field 5, with spaces etc. escaped as octal (\\040).
    """
    for line in mountinfo.splitlines():
        left, sep, right = line.partition(" - ")
        if not sep or right.split()[:1] != ["mqueue"]:
            continue
        fields = left.split()
        if len(fields) >= 5:
            return _unescape(fields[4])
    return None


def _unescape(path: str) -> str:
    """Undo mountinfo's octal escapes (`\\040` for a space)."""
    if "\\" not in path:
        return path
    out, i = [], 0
    while i < len(path):
        chunk = path[i + 1:i + 4]
        if path[i] == "\\" and len(chunk) == 3 and all(ch in "01234567" for ch in chunk):
            out.append(chr(int(chunk, 8)))
            i += 4
        else:
            out.append(path[i])
            i += 1
    return "".join(out)


def parse_queue_status(text: str) -> dict[str, int] | None:
    """{"qsize", "notify", "signo", "notify_pid"} from a queue file's text; None if unrecognised.

    The kernel prints `QSIZE:%-10lu NOTIFY:%-5d SIGNO:%-5d NOTIFY_PID:%-6d`; it is read as
    NAME:VALUE tokens so padding, order or a new field cannot break it. QSIZE is required.
    """
    tokens = {}
    for token in text.split():
        name, sep, value = token.partition(":")
        if sep:
            tokens[name] = value
    try:
        return {
            "qsize": int(tokens["QSIZE"]),
            "notify": int(tokens.get("NOTIFY", 0)),
            "signo": int(tokens.get("SIGNO", 0)),
            "notify_pid": int(tokens.get("NOTIFY_PID", 0)),
        }
    except (KeyError, ValueError):
        return None


# --------------------------------------------------------------------------- reading queues


class _QueueReader:
    """Turns an open queue file into a PosixQueue; counts what it could not read."""

    def __init__(self, names: NameCache, live: bool, attrs: bool) -> None:
        """`live`: the files are this kernel's queues, so mq_getattr may be asked (and is how
        descriptors are recognised); `attrs`: keep maxmsg/msgsize/curmsgs in the result."""
        self.names = names
        self.getattr = _attr_reader() if live else None
        self.attrs = attrs
        self.denied = 0
        self.garbled: list[str] = []

    def from_fd(self, name: str, fd: int, attrs=None) -> PosixQueue:
        """The queue open as `fd`; `attrs` is its MqAttr if the caller already asked for it."""
        st = os.fstat(fd)
        status = parse_queue_status(os.read(fd, 512).decode("ascii", "replace"))
        if status is None:
            self.garbled.append(name)
            status = {}
        if not self.attrs:
            attrs = None
        elif attrs is None and self.getattr is not None:
            attrs = self.getattr(fd)
        return build(
            PosixQueue,
            **self._common(name, st),
            qsize=status.get("qsize", 0), notify=status.get("notify", 0),
            signo=status.get("signo", 0), notify_pid=status.get("notify_pid", 0),
            curmsgs=attrs.curmsgs if attrs else None,
            maxmsg=attrs.maxmsg if attrs else None,
            msgsize=attrs.msgsize if attrs else None,
        )

    def unreadable(self, name: str, st: os.stat_result) -> PosixQueue:
        """A queue we may see but not open: ownership and mode only."""
        self.denied += 1
        return build(PosixQueue, **self._common(name, st))

    def _common(self, name: str, st: os.stat_result) -> dict:
        return dict(
            name=name, mode=stat.S_IMODE(st.st_mode), uid=st.st_uid, gid=st.st_gid,
            owner=self.names.user(st.st_uid), group=self.names.group(st.st_gid),
            mtime=int(st.st_mtime), dev=st.st_dev, inode=st.st_ino,
        )

    def warnings(self) -> list[str]:
        found = []
        if self.denied:
            from ipcscope.probe.details import hidden_warning

            found.append(hidden_warning(self.denied, "POSIX queue", "sizes and message counts"))
        if self.garbled:
            found.append(f"POSIX queues: unrecognised status line for {', '.join(self.garbled[:5])}")
        return found


def _attr_reader():
    """fd -> MqAttr via mq_getattr, or None if the fd is not a queue (EBADF) or the call fails."""
    from ipcscope.core import posix_mq
    from ipcscope.core.errors import IpcError

    def getattr_or_none(fd: int):
        try:
            return posix_mq.getattr(fd)
        except IpcError:
            return None

    return getattr_or_none


def list_directory(dir_fd: int, reader: _QueueReader) -> list[PosixQueue]:
    """Every queue in an mqueue filesystem directory opened as `dir_fd`."""
    queues = []
    for entry in os.listdir(dir_fd):
        try:
            fd = os.open(entry, os.O_RDONLY | os.O_CLOEXEC | os.O_NONBLOCK, dir_fd=dir_fd)
        except FileNotFoundError:  # unlinked while we looked
            continue
        except PermissionError:
            try:
                st = os.stat(entry, dir_fd=dir_fd, follow_symlinks=False)
            except FileNotFoundError:
                continue
            queues.append(reader.unreadable("/" + entry, st))
            continue
        try:
            queues.append(reader.from_fd("/" + entry, fd))
        finally:
            os.close(fd)
    return queues


def list_mount(path: str, reader: _QueueReader) -> list[PosixQueue]:
    dir_fd = os.open(path, os.O_RDONLY | os.O_DIRECTORY | os.O_CLOEXEC)
    try:
        return list_directory(dir_fd, reader)
    finally:
        os.close(dir_fd)


def list_detached(reader: _QueueReader) -> list[PosixQueue]:
    """Root only: a private mqueue mount of our IPC namespace that never appears in mountinfo."""
    from ipcscope.core import mount

    dir_fd = mount.open_detached_mqueue()
    try:
        return list_directory(dir_fd, reader)
    finally:
        os.close(dir_fd)


def list_open_descriptors(proc_root: str, reader: _QueueReader) -> list[PosixQueue]:
    """Queues held open by processes whose /proc/PID/fd we may read.

    A queue fd's link reads "/name" (relative to the kernel's internal mount). A real file in "/"
    looks the same, so each candidate is reopened O_RDONLY and must answer mq_getattr: the kernel
    returns EBADF for anything that is not a queue (the same test as statfs's MQUEUE_MAGIC).
    """
    queues: dict[tuple[int, int], PosixQueue] = {}
    try:
        pids = [name for name in os.listdir(proc_root) if name.isdigit()]
    except OSError:
        return []
    for pid in pids:
        fd_dir = os.path.join(proc_root, pid, "fd")
        try:
            fds = os.listdir(fd_dir)
        except OSError:  # another user's process, or gone
            continue
        for fd_name in fds:
            path = os.path.join(fd_dir, fd_name)
            try:
                target = os.readlink(path)
            except OSError:
                continue
            if not target.startswith("/") or "/" in target[1:] or target.endswith(" (deleted)"):
                continue
            queue = _queue_from_proc_fd(path, target, reader, queues)
            if queue is not None:
                queues[(queue.dev, queue.inode)] = queue  # type: ignore[index]
    return sorted(queues.values(), key=lambda q: q.name)


def _queue_from_proc_fd(path: str, name: str, reader: _QueueReader,
                        seen: dict[tuple[int, int], PosixQueue]) -> PosixQueue | None:
    try:
        st = os.stat(path)
    except OSError:
        return None
    if not stat.S_ISREG(st.st_mode) or (st.st_dev, st.st_ino) in seen:
        return None
    try:
        fd = os.open(path, os.O_RDONLY | os.O_CLOEXEC | os.O_NONBLOCK)
    except OSError:
        return None
    try:
        attrs = reader.getattr(fd) if reader.getattr is not None else None
        if attrs is None:
            return None  # not a queue (or we cannot tell without syscalls)
        return reader.from_fd(name, fd, attrs)
    finally:
        os.close(fd)


# --------------------------------------------------------------------------- the choice


def read_queues(
    proc_root: str,
    mqueue_dir: str | None,
    names: NameCache,
    live: bool,
    attrs: bool = True,
) -> tuple[tuple[PosixQueue, ...], str, list[str]]:
    """(queues, source, warnings); source is "mount:<dir>", "detached", "fds" or "none".

    `live` means proc_root is the real /proc: only then are syscalls (mq_getattr, fsmount) made.
    `attrs` asks for maxmsg/msgsize/curmsgs (mq_getattr per queue); without it they are None.
    """
    reader = _QueueReader(names, live=live, attrs=attrs and live)
    if mqueue_dir is None:
        try:
            with open(os.path.join(proc_root, "self", "mountinfo")) as handle:
                mqueue_dir = find_mqueue_mount(handle.read())
        except OSError:
            mqueue_dir = None
    if mqueue_dir is not None:
        try:
            queues = list_mount(mqueue_dir, reader)
        except OSError as error:
            return (), "none", [f"POSIX queues: cannot list {mqueue_dir}: {error.strerror}"]
        return _sorted(queues), f"mount:{mqueue_dir}", reader.warnings()

    if not os.path.isdir(os.path.join(proc_root, "sys", "fs", "mqueue")):
        return (), "none", ["POSIX queues: this kernel has no POSIX message queues "
                            "(CONFIG_POSIX_MQUEUE); none listed"]

    why_not_detached = ""
    if live and os.geteuid() == 0:
        from ipcscope.core.errors import IpcError

        try:
            return _sorted(list_detached(reader)), "detached", reader.warnings()
        except IpcError as error:
            why_not_detached = f" (a private mount failed: {error})"
        except OSError as error:
            why_not_detached = f" (a private mount failed: {error.strerror})"

    queues = list_open_descriptors(proc_root, reader)
    whose = "processes" if os.geteuid() == 0 else "your processes"
    warning = (f"POSIX queues: no mqueue filesystem is mounted{why_not_detached}; only queues held "
               f"open by {whose} are shown. {MOUNT_HINT}")
    return tuple(queues), "fds", [warning, *reader.warnings()]


def _sorted(queues: list[PosixQueue]) -> tuple[PosixQueue, ...]:
    return tuple(sorted(queues, key=lambda q: q.name))
