"""The process scan: who has each IPC object attached or open, and who is blocked on it.

One pass over /proc/*/ (maps, fd links, task/*/syscall):
- holders: SysV segments from maps (inode == shmid, same IPC namespace only), POSIX shm and named
  semaphores by (st_dev, st_ino) in maps and fd links (names lie: a semaphore's creator maps
  glibc's temporary sem.XXXXXX), POSIX queues from fd links confirmed by statfs MQUEUE_MAGIC;
- waiters: every task's syscall line, decoded by `waits`; stopped tasks are marked stopped,
  because the kernel no longer counts them as queued;
- channels (pipes, FIFOs, sockets: `probe.channels`): every descriptor link read here and every
  task asleep in a channel call is handed to a ChannelCollector, so holders, waiters and channels
  come from the same walk;
- state kept between scans: when each wait was first seen, and which processes refused access
  (so a Yama/LSM denial is not retried, and logged, on every refresh); the FIFO walk's cache.

No psutil in the hot path: it is ten times slower and hides the inode and device of mappings.
"""

from __future__ import annotations

import os
import pwd
import time
from collections import defaultdict
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field, replace
from typing import TYPE_CHECKING

from ipcscope.blind_spots import AccessFacts, Refusal, blind_spots
from ipcscope.core.fs import MQUEUE_MAGIC, statfs_type
from ipcscope.core.kernel_rules import blocking_operation
from ipcscope.model import (
    CHANNEL_KINDS,
    AnyKind,
    BlindSpot,
    PosixSemaphore,
    PosixShm,
    ProcessRef,
    ProcessScan,
    Snapshot,
    Waiter,
)
from ipcscope.probe.access import read_access_facts
from ipcscope.probe.procfs import (
    DENIED_ERRNOS,
    Denied,
    Mapping,
    Stat,
    Status,
    SyscallLine,
    new_name_buffer,
    parse_exec_start,
    parse_stat,
    parse_status,
    parse_syscall,
    proc_hidepid,
    read_link,
    read_maps,
    read_memory,
    read_small,
    syscall_number,
)
from ipcscope.probe.syscalls import ChannelCall, WaitKind, channel_syscalls, wait_syscalls
from ipcscope.probe.waits import IDENTIFYING_ARGS, decode_wait

if TYPE_CHECKING:
    from ipcscope.probe.channels import ChannelCollector, ChannelState

_STOPPED_STATES = frozenset({"T", "t"})  # SIGSTOP'ed or ptrace-stopped
_DIR_FLAGS = os.O_PATH | os.O_DIRECTORY | os.O_CLOEXEC


@dataclass(frozen=True)
class _Denial:
    """A process that refused us: remembered until its pid names another process.

    Its syscall and mem files (PTRACE_MODE_ATTACH checks: also Yama ptrace_scope) are refused in
    every case; `read` says maps, fd and ns/ipc were refused too (PTRACE_MODE_READ: other users'
    and non-dumpable processes), so nothing of it is inspected.
    """

    start_time: int
    uid: int
    read: bool
    #: owner of its /proc files (root's for a non-dumpable process), to tell why
    owner: int | None = None


class ProcessScanner:
    """Scans /proc for holders and waiters of the objects in a Snapshot; keeps state across scans.

    Not thread-safe: give each worker thread its own scanner (or serialise calls).

    Channels (pipes, FIFOs, UNIX and local inet sockets) are collected in the same pass unless
    `kinds` leaves them out. FIFOs nobody has open are found by walking `fifo_dirs` (default
    /tmp, /run, /dev/shm, /var/run; none for a fixture /proc), at most every `fifo_interval`
    seconds: the scans in between re-check only the FIFOs the last walk found. A /proc of a pid
    namespace other than the machine's (a container) leaves ends outside it unseen, unless
    `pid_namespace_closed` says none of its channels reach outside (a namespace built so).
    """

    def __init__(self, proc_root: str = "/proc", clock: Callable[[], float] = time.time,
                 machine: str | None = None, *, fifo_dirs: Iterable[str] | None = None,
                 fifo_interval: float = 30.0, pid_namespace_closed: bool = False) -> None:
        self.proc_root = proc_root
        self.clock = clock
        self.machine = machine or os.uname().machine  # = platform.machine(), 1 ms cheaper
        self._wait_syscalls = wait_syscalls(self.machine)
        self._channel_syscalls = channel_syscalls(self.machine) or {}
        self._fifo_dirs = None if fifo_dirs is None else tuple(fifo_dirs)
        self._fifo_interval = fifo_interval
        self._pid_namespace_closed = pid_namespace_closed
        self._channel_state: ChannelState | None = None
        #: seconds per phase of the last channel collection (fifo_walk, fionread, sock_diag)
        self.channel_timings: dict[str, float] = {}
        #: (tid, start time, what it waits on and with which arguments) -> first seen
        self._first_seen: dict[tuple[object, ...], float] = {}
        self._denials: dict[int, _Denial] = {}
        self._user_names: dict[int, str | None] = {}
        self._use_procmap_query = True
        self._hidepid: str | None = None
        self._access: AccessFacts | None = None

    @property
    def hidepid(self) -> str:
        """The hidepid= option of the scanned /proc ("" when off), read once: mount options of
        /proc do not change under a running tool, and it is a 30-line file."""
        if self._hidepid is None:
            try:
                with open(f"{self.proc_root}/self/mountinfo") as handle:
                    mountinfo = handle.read()
            except OSError:
                mountinfo = ""
            self._hidepid = proc_hidepid(mountinfo, os.path.realpath(self.proc_root))
        return self._hidepid

    @property
    def access(self) -> AccessFacts:
        """What decides access here (capabilities, Yama, security modules, /proc's options), read
        once: only asked when something was refused."""
        if self._access is None:
            self._access = read_access_facts(self.proc_root, hidepid=self.hidepid)
        return self._access

    def scan(self, snapshot: Snapshot, kinds: Iterable[AnyKind] | None = None) -> ProcessScan:
        """One pass over every process; the Snapshot says which objects to match against.

        `kinds` (default all, channels included) says which kinds' holders are wanted: without a
        POSIX or channel kind no process's descriptors are read, a third of the scan's cost
        (`ipcscope list --type shm`); `scan.channels` is None unless a channel kind is wanted.
        """
        return _ScanPass(self, snapshot, kinds).run()

    def refresh_fifos(self) -> None:
        """Walk the FIFO directories again at the next scan (after making or removing a FIFO)."""
        if self._channel_state is not None:
            self._channel_state.fifo_walk.expire()

    def _channel_collector(self, kinds: Iterable[AnyKind] | None) -> ChannelCollector | None:
        wanted = CHANNEL_KINDS if kinds is None else tuple(k for k in CHANNEL_KINDS if k in set(kinds))
        if not wanted:
            return None
        from ipcscope.probe.channels import ChannelCollector, ChannelState

        if self._channel_state is None:
            self._channel_state = ChannelState(self.proc_root, fifo_dirs=self._fifo_dirs,
                                               fifo_interval=self._fifo_interval,
                                               pid_namespace_closed=self._pid_namespace_closed)
        return ChannelCollector(self._channel_state, wanted)

    def user_name(self, uid: int) -> str | None:
        if uid not in self._user_names:
            try:
                self._user_names[uid] = pwd.getpwuid(uid).pw_name
            except KeyError:
                self._user_names[uid] = None
        return self._user_names[uid]


def scan_processes(snapshot: Snapshot, scanner: ProcessScanner | None = None,
                   kinds: Iterable[AnyKind] | None = None) -> Snapshot:
    """`snapshot` with its `processes` filled by one scan (a fresh scanner unless one is given).

    Keep one scanner across refreshes so "waiting since" survives and denials are not retried.
    """
    return replace(snapshot, processes=(scanner or ProcessScanner()).scan(snapshot, kinds))


@dataclass
class _Proc:
    """One process during a pass: what was read of it so far."""

    pid: int
    ref: ProcessRef
    status: Status
    dir_fd: int  # the open /proc/PID directory, valid while the process is inspected
    mappings: list[Mapping] = field(default_factory=list)
    #: fd -> row key of the POSIX queue it holds open (None: not a queue we can name)
    queue_fds: dict[int, str | None] | None = None
    #: "" for our namespace, "@<inode>" for another one the snapshot covers, None otherwise
    namespace_suffix: str | None = None
    namespace_read: bool = False
    maps_read: bool = False
    tids: tuple[str, ...] | None = None


def _row_key(kind: str, ident: int, ns: int | None) -> str:
    """ObjectRef(kind, ident, ns).row_key without the ObjectRef."""
    return f"{kind}:{ident}" if ns is None else f"{kind}:{ident}@{ns}"


class _ScanPass:
    """The work of one `ProcessScanner.scan`: indexes of the snapshot, then a walk over /proc."""

    def __init__(self, scanner: ProcessScanner, snapshot: Snapshot, kinds: Iterable[AnyKind] | None) -> None:
        self.scanner = scanner
        self.root = scanner.proc_root
        self.now = scanner.clock()
        self.snapshot = snapshot
        # obj.ref.row_key spelled out: building an ObjectRef per object cost 10 ms per 2,333
        self.shm = {_row_key("shm", seg.id, seg.ns): seg for seg in snapshot.shm}
        self.sem_values = {
            _row_key("sem", sem.id, sem.ns): tuple([s.value for s in sem.semaphores])
            for sem in snapshot.sem if sem.semaphores is not None
        }
        posix: tuple[PosixShm | PosixSemaphore, ...] = (*snapshot.pshm, *snapshot.psem)
        self.posix_files = {
            (obj.dev, obj.inode): obj.ref.row_key
            for obj in posix if obj.inode is not None
        }
        self.queue_files = {(q.dev, q.inode): q.ref.row_key for q in snapshot.pmq if q.inode is not None}
        # Maps are read only when something can match them: an attached segment or a POSIX
        # shm/semaphore (a futex waiter's maps are read on demand). Descriptors likewise: POSIX
        # objects, or queues we could not list (then holding processes are where they show),
        # and only when POSIX kinds are wanted at all.
        self.want_maps = any(seg.nattch for seg in snapshot.shm) or bool(self.posix_files)
        kinds = None if kinds is None else tuple(kinds)
        posix_wanted = kinds is None or not {"pmq", "pshm", "psem"}.isdisjoint(kinds)
        self.want_posix_fds = posix_wanted and (bool(snapshot.pmq or snapshot.pshm or snapshot.psem) or not (
            snapshot.mqueue_source.startswith("mount") or snapshot.mqueue_source == "detached"))
        self.channels = scanner._channel_collector(kinds)
        self.channel_calls: dict[int, ChannelCall] = scanner._channel_syscalls if self.channels else {}
        self.want_fds = self.want_posix_fds or self.channels is not None
        self.my_namespace = self._read_namespace(f"{self.root}/self/ns/ipc")
        self.suffixes = namespace_suffixes(snapshot, self.my_namespace)
        self.name_buffer = new_name_buffer()

        self.processes: dict[int, ProcessRef] = {}
        self.holders: dict[str, set[int]] = defaultdict(set)
        self.waiters: dict[str, list[Waiter]] = defaultdict(list)
        self.original_keys: dict[int | str, int] = {}  # by shmid, or by row key in another namespace
        #: shm row key -> mapping lines found: nattch counts one per mapping
        self.attachments: dict[str, int] = defaultdict(int)
        #: pid -> owner of /proc/PID's files, for the processes that refused us
        self.owners: dict[int, int | None] = {}
        self.first_seen: dict[tuple[object, ...], float] = {}
        #: our se.exec_start read on each CPU (None key: wherever we ran), None when unreadable
        self.own_exec_start: dict[int | None, float | None] = {}
        self.denials: dict[int, _Denial] = {}
        # for the notes
        self.unreadable: list[ProcessRef] = []
        self.waits_unreadable: list[ProcessRef] = []
        #: listed in /proc but even their status refused (hidepid=noaccess)
        self.hidden: list[ProcessRef] = []
        #: pids the snapshot names that /proc does not list but that exist (hidepid=invisible)
        self.unlisted: list[int] = []
        self.namespace_unknown: set[int] = set()
        self.other_namespace: set[int] = set()
        self.ops_unreadable = 0
        self.bad_lines = 0

    # ------------------------------------------------------------------ the walk

    def run(self) -> ProcessScan:
        try:
            names = os.listdir(self.root)
        except OSError as error:
            return ProcessScan(taken_at=self.now, notes=(f"{self.root} could not be listed: {error.strerror}",))
        for name in names:
            if name.isdigit():
                self._inspect(int(name))
        listing_incomplete = self.scanner.hidepid == "invisible" and os.geteuid() != 0
        if listing_incomplete:
            self._find_unlisted()
        channels = None
        if self.channels is not None:
            refused = len(self.unreadable) + len(self.hidden) + len(self.channels.links_refused)
            channels = self.channels.finish(everything_seen=not refused and not listing_incomplete,
                                            processes=self.processes, inspect_refused=refused)
            self.scanner.channel_timings = self.channels.timings
        self.scanner._first_seen = self.first_seen
        self.scanner._denials = self.denials
        spots = self._blind_spots(listing_incomplete)
        return ProcessScan(
            taken_at=self.now,
            holders={
                key: tuple(self.processes[pid] for pid in sorted(pids) if pid in self.processes)
                for key, pids in sorted(self.holders.items())
            },
            waiters={key: tuple(sorted(found, key=lambda w: (w.pid, w.tid)))
                     for key, found in sorted(self.waiters.items())},
            original_keys=self.original_keys,
            denied=len(self.unreadable) + len(self.waits_unreadable) + len(self.hidden) + len(self.unlisted),
            scanned=len(self.processes),
            notes=self._notes(spots),
            processes=self.processes,
            listing_incomplete=listing_incomplete,
            attachments=dict(self.attachments),
            blind_spots=spots,
            channels=channels,
        )

    def _blind_spots(self, listing_incomplete: bool) -> tuple[BlindSpot, ...]:
        """Why processes were refused, by mechanism (read only when something was)."""
        refusals = [Refusal(p.pid, p.uid, p.uid, "status") for p in self.hidden]
        refusals += [Refusal(pid, None, None, "listing") for pid in self.unlisted]
        refusals += [Refusal(p.pid, p.uid, self.owners.get(p.pid), "read") for p in self.unreadable]
        refusals += [Refusal(p.pid, p.uid, self.owners.get(p.pid), "waits") for p in self.waits_unreadable]
        if not refusals and not listing_incomplete:
            return ()
        return blind_spots(refusals, self.scanner.access, listing_incomplete=listing_incomplete)

    def _find_unlisted(self) -> None:
        """Ask the kernel about each pid the snapshot names (creators, last users, last
        operators) that /proc does not list: kill(pid, 0) tells "exists" (EPERM) from "gone"
        (ESRCH) whatever /proc shows, so a hidden holder is not reported dead."""
        named = {pid for seg in self.snapshot.shm for pid in (seg.cpid, seg.lpid)}
        named |= {pid for queue in self.snapshot.msg for pid in (queue.lspid, queue.lrpid)}
        named |= {s.pid for sem in self.snapshot.sem for s in sem.semaphores or ()}
        for pid in sorted(named - self.processes.keys() - {0}):
            try:
                os.kill(pid, 0)
            except ProcessLookupError:
                continue
            except PermissionError:
                pass
            self.processes[pid] = ProcessRef(pid)
            self.unlisted.append(pid)

    def _inspect(self, pid: int) -> None:
        try:
            # every file of the process is then opened relative to this: path walks are costly
            dir_fd = os.open(f"{self.root}/{pid}", _DIR_FLAGS)
        except OSError:
            return  # exited since the listing
        try:
            self._inspect_in(pid, dir_fd)
        finally:
            os.close(dir_fd)

    def _inspect_in(self, pid: int, dir_fd: int) -> None:
        denial = self._known_denial(pid, dir_fd)
        if denial is not None and denial.read:
            return  # refused last time, and still the same process: not asked again
        try:
            raw = read_small("status", dir_fd)
            if raw is None:
                return  # exited since the listing
            status = parse_status(raw)
        except Denied:
            self._record_hidden(pid, dir_fd)
            return
        except ValueError:
            self.bad_lines += 1
            return
        ref = ProcessRef(pid, status.name, status.uid, self.scanner.user_name(status.uid))
        self.processes[pid] = ref
        if not status.user_space:
            return  # kernel thread or zombie: no maps, no fds, no syscalls to read
        proc = _Proc(pid, ref, status, dir_fd)
        try:
            if self.want_maps:
                self._read_maps(proc)
            if self.want_fds:
                self._read_fds(proc)
        except Denied:
            self._deny(proc, read=True)
            return
        if denial is None:
            self._read_tasks(proc)

    def _record_hidden(self, pid: int, dir_fd: int) -> None:
        """A process whose very status is refused (hidepid=noaccess): it exists, so it must not
        look dead to the doctor; its owner is the owner of its /proc directory."""
        try:
            uid = os.fstat(dir_fd).st_uid
        except OSError:
            return
        ref = ProcessRef(pid, "", uid, self.scanner.user_name(uid))
        self.processes[pid] = ref
        self.hidden.append(ref)

    def _known_denial(self, pid: int, dir_fd: int) -> _Denial | None:
        """The cached denial of `pid` if it still names the same process (same start time).

        Only /proc/PID/stat is read for it (comm and start time); the uid is the one seen when
        the denial was recorded.
        """
        denial = self.scanner._denials.get(pid)
        if denial is None:
            return None
        stat = self._stat("stat", dir_fd)
        if stat is None or stat.start_time != denial.start_time:
            return None
        ref = ProcessRef(pid, stat.comm, denial.uid, self.scanner.user_name(denial.uid))
        self.processes[pid] = ref
        self.denials[pid] = denial
        self.owners[pid] = denial.owner
        (self.unreadable if denial.read else self.waits_unreadable).append(ref)
        return denial

    def _deny(self, proc: _Proc, *, read: bool) -> None:
        stat = self._stat("stat", proc.dir_fd)
        if stat is None:
            return  # gone
        try:  # a file, not the directory: /proc/PID itself keeps the process's uid
            owner: int | None = os.stat("maps", dir_fd=proc.dir_fd).st_uid
        except OSError:
            owner = None
        self.denials[proc.pid] = _Denial(stat.start_time, proc.ref.uid or 0, read=read, owner=owner)
        self.owners[proc.pid] = owner
        (self.unreadable if read else self.waits_unreadable).append(proc.ref)

    def _stat(self, path: str, dir_fd: int) -> Stat | None:
        try:
            raw = read_small(path, dir_fd)
            return parse_stat(raw) if raw else None
        except Denied:
            return None
        except (ValueError, IndexError):
            self.bad_lines += 1
            return None

    # ------------------------------------------------------------------ holders

    def _read_maps(self, proc: _Proc) -> None:
        proc.maps_read = True
        path = "maps" if proc.status.leader_alive else self._live_task_file(proc, "maps")
        if path is None:
            return
        found = read_maps(path, self.scanner._use_procmap_query, self.name_buffer, proc.dir_fd)
        if found is None:
            return
        proc.mappings, bad, queried = found
        self.scanner._use_procmap_query = queried  # a kernel without the ioctl is not asked again
        self.bad_lines += bad
        for mapping in proc.mappings:
            row_key = self._mapping_ref(proc, mapping)
            if row_key is None:
                continue
            self.holders[row_key].add(proc.pid)
            if mapping.path.startswith("/SYSV"):
                self.attachments[row_key] += 1
                segment = self.shm.get(row_key)
                if segment is not None and segment.dest and segment.key == 0 and mapping.sysv_key is not None:
                    self.original_keys[mapping.inode if segment.ns is None else row_key] = mapping.sysv_key

    def _live_task_file(self, proc: _Proc, name: str) -> str | None:
        """`task/TID/name` of a thread still running, for a process whose main thread exited."""
        for tid in self._tids(proc):
            if tid != str(proc.pid):
                return f"task/{tid}/{name}"
        return None

    def _mapping_ref(self, proc: _Proc, mapping: Mapping) -> str | None:
        if mapping.path.startswith("/SYSV"):
            # the internal shm mount is shared by all namespaces: inode == shmid of *its* namespace
            suffix = self._namespace_suffix(proc)
            return f"shm:{mapping.inode}{suffix}" if suffix is not None else None
        return self.posix_files.get((mapping.dev, mapping.inode))

    def _read_fds(self, proc: _Proc) -> None:
        channels = self.channels
        links = None
        if channels is not None:
            # a process that has not run since the last scan has the same descriptors: the
            # collector replays its channel ends and gives back its other links
            links = channels.unchanged(proc.ref, proc.status.threads, proc.dir_fd, self._tids(proc))
            if links is not None and not self.want_posix_fds:
                return
        try:
            fd_dir = os.open("fd", _DIR_FLAGS & ~os.O_PATH, dir_fd=proc.dir_fd)
        except PermissionError:
            raise Denied(13) from None
        except OSError:
            return
        try:
            if links is None:
                links = self._fd_links(proc, fd_dir)
            if not self.want_posix_fds:
                return
            proc.queue_fds = {}
            for fd, target in links:
                if target.startswith("/dev/shm/"):
                    row_key = self._file_ref(fd, fd_dir)
                elif target.startswith("/") and "/" not in target[1:] and len(target) > 1:
                    # a queue's link reads "/name", like a file at the root: statfs tells them apart
                    row_key = self._queue_ref(proc, f"{self.root}/{proc.pid}/fd/{fd}", target)
                    proc.queue_fds[int(fd)] = row_key
                else:
                    continue
                if row_key is not None:
                    self.holders[row_key].add(proc.pid)
        finally:
            os.close(fd_dir)

    def _fd_links(self, proc: _Proc, fd_dir: int) -> list[tuple[str, str]]:
        """(fd, link target) of every descriptor that is not a channel: channels go to the
        collector as they are read."""
        channels = self.channels
        describe = channels.descriptor if channels is not None else None
        links = []
        for fd in os.listdir(fd_dir):
            try:
                target = os.readlink(fd, dir_fd=fd_dir)
            except OSError as error:
                if channels is not None and error.errno in DENIED_ERRNOS:
                    channels.link_refused(proc.ref)  # a security module hides its descriptors
                continue
            if describe is not None and describe(fd, target, fd_dir):
                continue
            links.append((fd, target))
        if channels is not None:
            channels.remember(links)
        return links

    def _file_ref(self, name: str, dir_fd: int) -> str | None:
        try:
            st = os.stat(name, dir_fd=dir_fd)
        except OSError:
            return None
        return self.posix_files.get((st.st_dev, st.st_ino))

    def _queue_ref(self, proc: _Proc, path: str, target: str) -> str | None:
        try:
            if statfs_type(path) != MQUEUE_MAGIC:
                return None
            st = os.stat(path)
        except OSError:
            return None
        row_key = self.queue_files.get((st.st_dev, st.st_ino))
        if row_key is None and not target.endswith(" (deleted)") and self._namespace_suffix(proc) == "":
            row_key = f"pmq:{target}"  # a queue the snapshot could not list (no mqueue mount)
        return row_key

    # ------------------------------------------------------------------ IPC namespaces

    def _read_namespace(self, path: str, dir_fd: int | None = None) -> str | None:
        try:
            return read_link(path, dir_fd)
        except Denied:
            return None

    def _namespace_suffix(self, proc: _Proc) -> str | None:
        """SysV ids and queue names name objects of the process's own IPC namespace: the row key
        suffix of that namespace ("" for ours), None when the snapshot does not cover it."""
        if not proc.namespace_read:
            path = "ns/ipc" if proc.status.leader_alive else self._live_task_file(proc, "ns/ipc")
            proc.namespace_suffix = self._suffix_of(proc, path)
            proc.namespace_read = True
        return proc.namespace_suffix

    def _task_namespace_suffix(self, proc: _Proc, tid: int) -> str | None:
        """Namespaces belong to tasks: a blocked thread's own link is the exact answer."""
        if tid == proc.pid and proc.status.leader_alive:
            return self._namespace_suffix(proc)
        return self._suffix_of(proc, f"task/{tid}/ns/ipc")

    def _suffix_of(self, proc: _Proc, path: str | None) -> str | None:
        theirs = self._read_namespace(path, proc.dir_fd) if path else None
        if theirs is None or self.my_namespace is None:
            self.namespace_unknown.add(proc.pid)
            return None
        suffix = self.suffixes.get(theirs)
        if suffix is None:
            self.other_namespace.add(proc.pid)
        return suffix

    # ------------------------------------------------------------------ waiters

    def _tids(self, proc: _Proc) -> tuple[str, ...]:
        """The thread ids of a process (listed once per pass; a lone thread is the pid itself)."""
        if proc.tids is None:
            if proc.status.threads == 1:
                proc.tids = (str(proc.pid),)
            else:
                try:
                    task_dir = os.open("task", _DIR_FLAGS & ~os.O_PATH, dir_fd=proc.dir_fd)
                    try:
                        proc.tids = tuple(os.listdir(task_dir))
                    finally:
                        os.close(task_dir)
                except OSError:
                    proc.tids = ()
        return proc.tids

    def _read_tasks(self, proc: _Proc) -> None:
        table = self.scanner._wait_syscalls
        if table is None:
            return
        channel_calls = self.channel_calls
        for tid in self._tids(proc):
            try:
                raw = read_small(f"task/{tid}/syscall", proc.dir_fd)
            except Denied:
                self._deny(proc, read=False)
                return
            if not raw:
                continue
            try:
                number = syscall_number(raw)
                kind = table.get(number) if number is not None else None
                call = channel_calls.get(number) if kind is None and number is not None else None
                line = parse_syscall(raw) if kind is not None or call is not None else None
            except ValueError:
                self.bad_lines += 1
                continue
            if line is None:
                continue
            if kind is not None:
                self._add_waiter(proc, int(tid), kind, line)
            elif call is not None:
                self._add_channel_wait(proc, int(tid), call, line)

    def _add_waiter(self, proc: _Proc, tid: int, kind: WaitKind, line: SyscallLine) -> None:
        stat = self._stat(f"task/{tid}/stat", proc.dir_fd)
        if stat is None or stat.state == "R":
            return  # gone, or woken up and about to return
        wait = decode_wait(kind, line, _TaskView(self, proc, tid))
        if wait is None:
            return
        blocked_on = None
        if wait.ops is not None and wait.row_key in self.sem_values:
            blocking = blocking_operation(wait.ops, self.sem_values[wait.row_key])
            blocked_on = blocking.num if blocking is not None else None
        if kind == "semop" and wait.ops is None:
            self.ops_unreadable += 1
        identity = (tid, stat.start_time, wait.row_key, line.number, line.args[:IDENTIFYING_ARGS[kind]])
        since = self._since(proc, tid, stat, identity)
        self.waiters[wait.row_key].append(Waiter(
            pid=proc.pid,
            tid=tid,
            comm=proc.ref.comm,
            op=wait.op,
            state="stopped" if stat.state in _STOPPED_STATES else "waiting",
            uid=proc.ref.uid,
            user=proc.ref.user,
            ops=wait.ops,
            blocked_on=blocked_on,
            msgtyp=wait.msgtyp,
            msgflg=wait.msgflg,
            size=wait.size,
            since=since,
        ))

    def _add_channel_wait(self, proc: _Proc, tid: int, call: ChannelCall, line: SyscallLine) -> None:
        """A task asleep in read/write/recv/send/accept/connect on one of the process's channel
        descriptors, or in open() of a FIFO; anything else (a terminal, a file) is not kept."""
        assert self.channels is not None
        wait = self.channels.channel_wait(proc.pid, tid, call, line, proc.dir_fd)
        if wait is None:
            return
        stat = self._stat(f"task/{tid}/stat", proc.dir_fd)
        if stat is None or stat.state == "R":
            return  # gone, or woken up and about to return
        # woken and blocked again (each write to a pipe wakes its reader) is a new wait
        identity = (tid, stat.start_time, wait.key, line.number, wait.fd,
                    self.channels.times_scheduled(tid, proc.dir_fd))
        since = self._since(proc, tid, stat, identity)
        state = "stopped" if stat.state in _STOPPED_STATES else "waiting"
        self.channels.add_blocked(proc.ref, tid, wait, since, state)

    def _since(self, proc: _Proc, tid: int, stat: Stat, identity: tuple[object, ...]) -> float:
        """When the wait `identity` began: when it was first seen by an earlier scan, else as
        estimated by `_wait_began`; remembered for the next scan."""
        since = self.scanner._first_seen.get(identity)
        if since is None:
            since = self._wait_began(proc, tid, stat.cpu)
        self.first_seen[identity] = since
        return since

    def _wait_began(self, proc: _Proc, tid: int, cpu: int | None) -> float:
        """When a wait seen for the first time probably began, so "blocked for" is right on the
        first scan. A sleeping task last ran when it went to sleep: its se.exec_start and ours
        (which is "now") are in ms on the scheduler clock of the CPU each ran on; these clocks
        can differ by half a second on a VM, so ours is read on the task's CPU. Now when either
        is unreadable."""
        try:
            raw = read_small(f"task/{tid}/sched", proc.dir_fd)
        except Denied:
            return self.now
        task = parse_exec_start(raw) if raw else None
        own = self._own_exec_start(cpu)
        if task is None or own is None:
            return self.now
        return min(self.now, max(0.0, self.now - (own - task) / 1000))

    def _own_exec_start(self, cpu: int | None) -> float | None:
        """Our thread's se.exec_start on `cpu`'s clock, read once per scan and CPU (it moves on
        by the scan's few ms). The thread is moved to `cpu` for the read when allowed to run
        there (sched_setaffinity returns once it runs there), then given its CPUs back."""
        if cpu in self.own_exec_start:
            return self.own_exec_start[cpu]
        allowed = os.sched_getaffinity(0)
        moved = cpu is not None and cpu in allowed and len(allowed) > 1
        try:
            if moved and cpu is not None:
                os.sched_setaffinity(0, {cpu})
            raw = read_small(f"{self.root}/thread-self/sched")
        except (Denied, OSError):
            raw = None
        finally:
            if moved:
                os.sched_setaffinity(0, allowed)
        value = parse_exec_start(raw) if raw else None
        self.own_exec_start[cpu] = value
        return value

    # ------------------------------------------------------------------ notes

    def _notes(self, spots: tuple[BlindSpot, ...] = ()) -> tuple[str, ...]:
        # what refused us, by mechanism, with where it can be told and what lifts it
        notes = [spot.note for spot in spots]
        if self.ops_unreadable:
            notes.append(f"The operations of {_count(self.ops_unreadable, 'semop waiter')} could not be read "
                         "from their memory.")
        if self.namespace_unknown:
            notes.append(f"The IPC namespace of {_count(len(self.namespace_unknown), 'process', 'processes')} "
                         "could not be read: their SysV attachments and waits are not shown.")
        if self.other_namespace:
            notes.append(f"{_count(len(self.other_namespace), 'process', 'processes')} in other IPC namespaces "
                         "(containers): their SysV segments, waits and queues belong to those namespaces "
                         "and are not shown here (--ns all shows them).")
        if self.scanner._wait_syscalls is None:
            notes.append(f"Waits are not decoded on this architecture ({self.scanner.machine}): "
                         "only attachments are shown.")
        if self.bad_lines:
            notes.append(f"{_count(self.bad_lines, 'unrecognised /proc entry', 'unrecognised /proc entries')} "
                         "skipped.")
        return tuple(notes)


def namespace_suffixes(snapshot: Snapshot, mine: str | None) -> dict[str, str]:
    """ns/ipc link -> row key suffix, for the namespaces whose objects `snapshot` holds: ours
    alone ("") unless the snapshot covers chosen namespaces (then "@<inode>" for each)."""
    if not snapshot.namespaces:
        return {mine: ""} if mine is not None else {}
    return {f"ipc:[{ns.inode}]": f"@{ns.inode}" for ns in snapshot.namespaces if not ns.unreachable}


class _TaskView:
    """What `waits.decode_wait` may ask about one blocked task's process."""

    def __init__(self, scan: _ScanPass, proc: _Proc, tid: int) -> None:
        self.scan = scan
        self.proc = proc
        self.tid = tid

    def read_memory(self, address: int, length: int) -> bytes | None:
        try:
            return read_memory(address, length, f"task/{self.tid}/mem", self.proc.dir_fd)
        except Denied:
            return None

    def ipc_suffix(self) -> str | None:
        return self.scan._task_namespace_suffix(self.proc, self.tid)

    def queue_ref(self, fd: int) -> str | None:
        if self.proc.queue_fds is not None and fd in self.proc.queue_fds:
            return self.proc.queue_fds[fd]
        path = f"{self.scan.root}/{self.proc.pid}/fd/{fd}"
        try:
            target = read_link(f"fd/{fd}", self.proc.dir_fd)
        except Denied:
            return None
        if target is None or not target.startswith("/"):
            return None
        return self.scan._queue_ref(self.proc, path, target)

    def mapping_at(self, address: int) -> Mapping | None:
        if not self.proc.maps_read:
            try:
                self.scan._read_maps(self.proc)
            except Denied:
                return None
        for mapping in self.proc.mappings:
            if mapping.contains(address):
                return mapping
        return None

    def mapping_ref(self, mapping: Mapping) -> str | None:
        return self.scan._mapping_ref(self.proc, mapping)


def _count(n: int, singular: str, plural: str | None = None) -> str:
    return f"{n} {singular if n == 1 else plural or singular + 's'}"

