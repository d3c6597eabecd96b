"""Channel collection during the process scan's one walk over /proc, then one look at the kernel.

The scan hands every descriptor link it reads to `ChannelCollector.descriptor` and every task it
finds asleep in a channel call to `channel_wait`/`add_blocked`; `finish` then measures the pipes
(FIONREAD on duplicates), dumps the sockets (sock_diag, or /proc/net) and assembles the model's
ChannelScan. `ChannelState` is what a ProcessScanner keeps between scans (the pipefs device, the
cached FIFO walk).

Per descriptor the walk costs one readlink (the scan's own); a pipe or FIFO end one lstat more for
its mode; a path one stat to tell a FIFO from a file. That is the kernel's work for every
descriptor of the machine, so it is not redone for a process that cannot have changed its
descriptors: one whose every task has not run since the last scan (its schedstat, the run time in
ns and the number of times it was scheduled, reads the same). Only the process itself changes its
descriptor table (open, close, dup, exec, a received SCM_RIGHTS: all by running), except a process
sharing the table by clone(CLONE_FILES) without being a thread of it, which is rare: its changes
are seen once the process itself runs. What flows through the channels is read again every scan.
"""

from __future__ import annotations

import os
import stat
import time
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from ipcscope.core.fs import statfs_type
from ipcscope.model import BlockedTask, ChannelEnd, ChannelKind, ChannelScan, EndMode, ProcessRef
from ipcscope.probe._fast import build
from ipcscope.probe.channels import assemble
from ipcscope.probe.channels.blocked import ChannelKey, ChannelWait, fd_wait, open_wait, switches
from ipcscope.probe.channels.descriptors import (
    PIPE_PREFIX,
    SOCKET_PREFIX,
    end_mode,
    fifo_path,
    may_be_fifo,
)
from ipcscope.probe.channels.fifo_walk import DEFAULT_DIRS, DEFAULT_INTERVAL, FifoWalkCache
from ipcscope.probe.channels.pipes import pipefs_device
from ipcscope.probe.channels.sockets import SocketSource
from ipcscope.probe.procfs import Denied, SyscallLine
from ipcscope.probe.syscalls import ChannelCall

PROC_SUPER_MAGIC = 0x9FA0
_PIPE_START = len(PIPE_PREFIX)
#: `end_mode` by the link's S_IRUSR and S_IWUSR bits, (mode >> 7) & 3: the lookup done per pipe end
_END_MODES: tuple[EndMode | None, ...] = (None, "w", "r", "rw")
_SOCKET_START = len(SOCKET_PREFIX)


class ChannelState:
    """Kept by a ProcessScanner across scans: the pipefs device and the FIFO walk's cache.

    `live` is False for a fixture tree (not a procfs mount): then no kernel is asked (no
    sock_diag, no duplicates), sockets come from the tree's net/ files, and the FIFO walk is off
    unless dirs are given. A procfs mounted elsewhere (a private pid namespace's) is live.
    """

    def __init__(self, proc_root: str = "/proc", *, fifo_dirs: Iterable[str] | None = None,
                 fifo_interval: float = DEFAULT_INTERVAL, pid_namespace_closed: bool = False) -> None:
        self.proc_root = proc_root
        self.live = _is_procfs(proc_root)
        #: processes outside the scanned pid namespace (a container's host) may hold ends of its
        #: channels, unseen: a container's stdout is a pipe read by the host
        self.outside_unseen = not pid_namespace_closed and not _initial_pid_namespace(proc_root)
        dirs = tuple(fifo_dirs) if fifo_dirs is not None else (DEFAULT_DIRS if self.live else ())
        self.fifo_walk = FifoWalkCache(dirs, fifo_interval)
        self._pipe_dev: int | None = None
        self.sockets = SocketSource(proc_root, live=self.live)
        #: pid -> its descriptors as the last scan read them, for processes that stay idle
        self.remembered: dict[int, Remembered] = {}
        #: the last scan's ChannelEnd objects by their fields, reused when unchanged
        self.ends: dict[tuple[Any, ...], ChannelEnd] = {}
        #: how many processes the last scan replayed instead of reading (for benchmarks)
        self.last_replayed = 0

    @property
    def pipe_dev(self) -> int:
        if self._pipe_dev is None:
            self._pipe_dev = pipefs_device()
        return self._pipe_dev


#: the inode of the initial pid namespace (PROC_PID_INIT_INO, a kernel constant since 3.8)
_INITIAL_PID_NAMESPACE = "pid:[4026531836]"


def _initial_pid_namespace(proc_root: str) -> bool:
    try:
        return os.readlink(f"{proc_root}/self/ns/pid") == _INITIAL_PID_NAMESPACE
    except OSError:
        return False


def _schedstat(tid: str, dir_fd: int) -> bytes:
    """A task's /proc schedstat ("run-ns wait-ns times-scheduled"): the same bytes twice mean the
    task did not run in between (a running task's run time moves at every tick)."""
    fd = os.open(f"task/{tid}/schedstat", os.O_RDONLY | os.O_CLOEXEC, dir_fd=dir_fd)
    try:
        return os.read(fd, 128)
    finally:
        os.close(fd)


def _is_procfs(path: str) -> bool:
    try:
        return statfs_type(path) == PROC_SUPER_MAGIC
    except OSError:
        return False


#: a channel descriptor as `descriptor` recorded it, to be replayed while its process is idle:
#: ("s", fd, inode) a socket, ("p", fd, inode, mode) a pipe end,
#: ("f", name, fd, dev, inode, mode) a FIFO end (its path is read again: renames need no run)
Record = tuple[Any, ...]

#: processes with more threads than this are read in full every scan: proving that none of their
#: threads ran would cost more reads than their descriptors
MAX_THREADS_REMEMBERED = 8


@dataclass(frozen=True)
class Remembered:
    """One process's descriptors as read by a scan, and the proof it has not run since."""

    identity: int  # st_ino of /proc/PID: a new process under the same pid has a new one
    runs: tuple[bytes, ...]  # each task's schedstat, in task order
    channels: list[Record]
    others: list[tuple[str, str]]  # (fd, link) of the descriptors that are not channels


@dataclass
class Collected:
    """Everything one walk found, before the kernel is asked about it."""

    #: pipe inode -> its ends (process, fd, mode)
    pipe_ends: dict[int, list[tuple[ProcessRef, int, EndMode]]] = field(default_factory=dict)
    #: (dev, inode) -> ends of a FIFO open by name
    fifo_ends: dict[tuple[int, int], list[tuple[ProcessRef, int, EndMode]]] = field(default_factory=dict)
    #: (dev, inode) -> (path, unlinked) as the first end's link shows it
    fifo_paths: dict[tuple[int, int], tuple[str, bool]] = field(default_factory=dict)
    #: socket inode -> holders (process, fd)
    socket_ends: dict[int, list[tuple[ProcessRef, int]]] = field(default_factory=dict)
    #: channel -> tasks blocked on it
    blocked: dict[ChannelKey, list[BlockedTask]] = field(default_factory=dict)


class ChannelCollector:
    """One scan's channel bookkeeping (see the module docstring). Not thread-safe."""

    def __init__(self, state: ChannelState, kinds: Iterable[ChannelKind]) -> None:
        self.state = state
        self.kinds = frozenset(kinds)
        self.want_pipes = "pipe" in self.kinds
        self.want_fifos = "fifo" in self.kinds
        self.want_sockets = bool(self.kinds & {"unix", "inet"})
        self.found = Collected()
        self._ref = ProcessRef(0)
        #: the process being walked: its identity and runs, and what descriptor() recorded
        self._pending: tuple[int, tuple[bytes, ...]] | None = None
        self._records: list[Record] = []
        self._remembered: dict[int, Remembered] = {}
        #: processes whose descriptors were replayed, not read (for benchmarks and tests)
        self.replayed = 0
        #: pid -> threads, of the processes whose descriptors were read
        self.threads: dict[int, int] = {}
        #: the processes holding at least one channel end
        self.holders: set[int] = set()
        self.open_waits_unreadable = 0
        #: processes whose descriptor links were refused (a security module), though listed
        self.links_refused: set[int] = set()
        #: seconds spent per phase of `finish`, for benchmarks
        self.timings: dict[str, float] = {}

    # ------------------------------------------------------------------ during the walk

    def unchanged(self, ref: ProcessRef, threads: int, dir_fd: int,
                  tids: tuple[str, ...]) -> list[tuple[str, str]] | None:
        """Start on the process `ref` (its /proc/PID open as `dir_fd`). When it has not run since
        the last scan, its channel ends are recorded as they were and its other descriptors'
        links returned; otherwise None, and the caller reads its descriptors (giving them to
        `descriptor`, then the others to `remember`)."""
        self.threads[ref.pid] = threads
        self._ref = ref
        self._records = []
        self._pending = None
        if len(tids) > MAX_THREADS_REMEMBERED:
            return None
        try:
            identity = os.fstat(dir_fd).st_ino
            runs = tuple(_schedstat(tid, dir_fd) for tid in tids)  # before the links: see remember
        except OSError:
            return None
        self._pending = (identity, runs)
        old = self.state.remembered.get(ref.pid)
        if old is None or old.identity != identity or old.runs != runs or not all(runs):
            return None
        self._replay(old, dir_fd)
        if old.channels:
            self.holders.add(ref.pid)
        self._remembered[ref.pid] = old
        self.replayed += 1
        return old.others

    def remember(self, others: list[tuple[str, str]]) -> None:
        """The current process's descriptors are read: keep them for the next scan. Its runs
        were read before its links, so a change made while they were read shows as a run."""
        if self._records:
            self.holders.add(self._ref.pid)
        if self._pending is not None:
            identity, runs = self._pending
            self._remembered[self._ref.pid] = Remembered(identity, runs, self._records, others)

    def _replay(self, old: Remembered, dir_fd: int) -> None:
        ref = self._ref
        sockets, pipes = self.found.socket_ends, self.found.pipe_ends
        for record in old.channels:
            kind = record[0]
            if kind == "s":
                ends = sockets.get(record[2])
                if ends is None:
                    sockets[record[2]] = [(ref, record[1])]
                else:
                    ends.append((ref, record[1]))
            elif kind == "p":
                pipe_ends = pipes.get(record[2])
                if pipe_ends is None:
                    pipes[record[2]] = [(ref, record[1], record[3])]
                else:
                    pipe_ends.append((ref, record[1], record[3]))
            else:
                _, name, fd, dev, inode, mode = record
                try:
                    target = os.readlink(f"fd/{name}", dir_fd=dir_fd)
                except OSError:
                    continue
                self._add_fifo_end((dev, inode), fd, mode, target)

    def link_refused(self, ref: ProcessRef) -> None:
        """A descriptor of `ref` could not be read: what it holds is hidden (and it is read
        again next time, not remembered)."""
        self.links_refused.add(ref.pid)
        self._pending = None

    def descriptor(self, name: str, target: str, fd_dir: int) -> bool:
        """Record descriptor `name` of the current process (its /proc/PID/fd open as `fd_dir`) if
        its link `target` is a channel; True when it was one (wanted or not), so the caller looks
        no further. Called for every descriptor of the machine: kept lean."""
        if target.startswith(SOCKET_PREFIX):
            if self.want_sockets:
                inode = int(target[_SOCKET_START:-1])
                fd = int(name)
                ends = self.found.socket_ends.get(inode)
                if ends is None:
                    self.found.socket_ends[inode] = [(self._ref, fd)]
                else:
                    ends.append((self._ref, fd))
                self._records.append(("s", fd, inode))
            return True
        if target.startswith(PIPE_PREFIX):
            if self.want_pipes:
                try:
                    mode = _END_MODES[(os.lstat(name, dir_fd=fd_dir).st_mode >> 7) & 3]
                except OSError:
                    return True  # closed since it was listed
                if mode is not None:
                    inode = int(target[_PIPE_START:-1])
                    fd = int(name)
                    pipe_ends = self.found.pipe_ends.get(inode)
                    if pipe_ends is None:
                        self.found.pipe_ends[inode] = [(self._ref, fd, mode)]
                    else:
                        pipe_ends.append((self._ref, fd, mode))
                    self._records.append(("p", fd, inode, mode))
            return True
        if self.want_fifos and may_be_fifo(target):
            return self._maybe_fifo(name, target, fd_dir)
        return False

    def _maybe_fifo(self, name: str, target: str, fd_dir: int) -> bool:
        try:
            st = os.stat(name, dir_fd=fd_dir)  # follows the fd's own file: no open, no rendezvous
            if not stat.S_ISFIFO(st.st_mode):
                return False
            mode = end_mode(os.lstat(name, dir_fd=fd_dir).st_mode)
        except OSError:
            return False
        if mode is None:
            return True
        fd = int(name)
        self._add_fifo_end((st.st_dev, st.st_ino), fd, mode, target)
        self._records.append(("f", name, fd, st.st_dev, st.st_ino, mode))
        return True

    def _add_fifo_end(self, key: tuple[int, int], fd: int, mode: EndMode, target: str) -> None:
        self.found.fifo_ends.setdefault(key, []).append((self._ref, fd, mode))
        path, unlinked = fifo_path(target)
        known = self.found.fifo_paths.get(key)
        if known is None or (known[1] and not unlinked):
            self.found.fifo_paths[key] = (path, unlinked)

    def channel_wait(self, pid: int, tid: int, call: ChannelCall, line: SyscallLine,
                     dir_fd: int) -> ChannelWait | None:
        """The channel a task of `pid` (its /proc/PID directory open as `dir_fd`) is blocked on
        in `call`, or None when the call is not on a channel this scan collects."""
        if call in ("open", "openat"):
            if not self.want_fifos:
                return None
            try:
                return open_wait(call, line, tid, dir_fd)
            except Denied:
                self.open_waits_unreadable += 1
                return None
        return fd_wait(call, line, lambda fd: self._channel_at(fd, dir_fd))

    def _channel_at(self, fd: int, dir_fd: int) -> ChannelKey | None:
        """The collected channel descriptor `fd` of the process (/proc/PID open as `dir_fd`) is,
        read again now: only blocked tasks ask, so the walk keeps no map of every descriptor."""
        try:
            target = os.readlink(f"fd/{fd}", dir_fd=dir_fd)
        except OSError:
            return None
        found = self.found
        if target.startswith(SOCKET_PREFIX):
            inode = int(target[_SOCKET_START:-1])
            return ("sock", inode) if inode in found.socket_ends else None
        if target.startswith(PIPE_PREFIX):
            inode = int(target[_PIPE_START:-1])
            return ("pipe", inode) if inode in found.pipe_ends else None
        if not self.want_fifos or not may_be_fifo(target):
            return None
        try:
            st = os.stat(f"fd/{fd}", dir_fd=dir_fd)
        except OSError:
            return None
        return ("fifo", st.st_dev, st.st_ino) if (st.st_dev, st.st_ino) in found.fifo_ends else None

    def times_scheduled(self, tid: int, dir_fd: int) -> int | None:
        """How often the task has run: the same wait seen again has the same count."""
        return switches(tid, dir_fd)

    def add_blocked(self, ref: ProcessRef, tid: int, wait: ChannelWait, since: float | None,
                    state: str) -> None:
        task = build(BlockedTask, pid=ref.pid, tid=tid, comm=ref.comm, op=wait.op, fd=wait.fd,
                     since=since, uid=ref.uid, state=state, mode=wait.mode)
        self.found.blocked.setdefault(wait.key, []).append(task)
        if wait.path is not None and len(wait.key) == 3:
            _, dev, inode = wait.key
            self.found.fifo_paths.setdefault((dev, inode), (wait.path, False))

    # ------------------------------------------------------------------ after the walk

    def finish(self, *, everything_seen: bool, processes: dict[int, ProcessRef],
               inspect_refused: int) -> ChannelScan:
        """Measure, dump and assemble. `everything_seen`: no process hid its descriptors (then a
        pipe's missing read end is really missing); `inspect_refused`: how many processes' fds
        could not be read, for the notes."""
        self.state.remembered = self._remembered  # processes gone since are forgotten
        self.state.last_replayed = self.replayed
        started = time.thread_time()
        walk = self.state.fifo_walk.current() if self.want_fifos else None
        self.timings["fifo_walk"] = time.thread_time() - started
        return assemble.channel_scan(
            self, walk=walk, everything_seen=everything_seen and not self.state.outside_unseen,
            processes=processes, inspect_refused=inspect_refused)
