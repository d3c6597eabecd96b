"""Frozen dataclasses describing the IPC state of one machine at one moment.

This module is the contract between the layers: `probe` fills these in, `doctor` reasons about
them, the CLI serialises them and the UI renders them. It imports nothing from Textual and does no
I/O, so tests and snapshots can build a `Snapshot` by hand.

Conventions:
- keys are unsigned 32-bit ints (the kernel prints them signed; the probe masks them);
- `mode` keeps the kernel's full mode word, including SHM_DEST (0o1000) and SHM_LOCKED (0o2000);
  `perms` is just the access bits;
- times are integer seconds since the epoch, or None where the kernel says 0 ("not set");
- a value the caller may not read (EACCES) is None, never a guess.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal

IPC_PRIVATE = 0
SHM_DEST = 0o1000
SHM_LOCKED = 0o2000

#: The six kinds of object, in the order the UI numbers them (keys 1..6).
Kind = Literal["shm", "msg", "sem", "pmq", "pshm", "psem"]
KINDS: tuple[Kind, ...] = ("shm", "msg", "sem", "pmq", "pshm", "psem")
KIND_TITLES: dict[str, str] = {
    "shm": "Shared memory",
    "msg": "Message queues",
    "sem": "Semaphore sets",
    "pmq": "POSIX queues",
    "pshm": "POSIX shm",
    "psem": "POSIX semaphores",
    "pipe": "Pipes",
    "fifo": "FIFOs",
    "unix": "UNIX sockets",
    "inet": "Local TCP/UDP",
}

#: The channels between processes: not IPC objects of their own, but kernel buffers reached through
#: file descriptors, found by the process scan. A channel is known by its kind and inode (a FIFO on
#: disk that nobody has open, by its path).
ChannelKind = Literal["pipe", "fifo", "unix", "inet"]
CHANNEL_KINDS: tuple[ChannelKind, ...] = ("pipe", "fifo", "unix", "inet")
#: Anything a finding or a row key can name.
AnyKind = Kind | ChannelKind


def format_key(key: int) -> str:
    """Format a key as `ipcs` does: `0x%08x` of the unsigned value."""
    return f"0x{key & 0xFFFFFFFF:08x}"


def format_perms(mode: int) -> str:
    """The access bits as four octal digits, as `lsipc -P` prints them ("0640")."""
    return f"{mode & 0o777:04o}"


@dataclass(frozen=True)
class ObjectRef:
    """Names one IPC object: SysV objects by id, POSIX objects by name (with its leading "/");
    channels by inode (a FIFO nobody has open by its path). `ns` is the IPC namespace inode when
    the object was read from a namespace other than ipcscope's own (ids repeat across them)."""

    kind: AnyKind
    ident: int | str
    ns: int | None = None

    @property
    def row_key(self) -> str:
        """Stable key for table rows and lookups: `shm:3`, `pmq:/jobs`; `shm:3@4026532179` in
        another namespace (the kind stays the prefix; a POSIX name cannot hold the "@ns" suffix
        ambiguously, as every object of a snapshot either carries a namespace or none does)."""
        if self.ns is None:
            return f"{self.kind}:{self.ident}"
        return f"{self.kind}:{self.ident}@{self.ns}"

    def __str__(self) -> str:
        return self.row_key


# --------------------------------------------------------------------------- processes


@dataclass(frozen=True)
class ProcessRef:
    """A process as ipcscope names it in holders, waiters and findings."""

    pid: int
    comm: str = ""
    uid: int | None = None
    user: str | None = None
    alive: bool = True


@dataclass(frozen=True)
class SemOpSpec:
    """One `struct sembuf`: semaphore number, operation (delta, or 0 = wait for zero), flags."""

    num: int
    op: int
    flags: int = 0  # IPC_NOWAIT 0o4000 (0x800), SEM_UNDO 0x1000


@dataclass(frozen=True)
class Waiter:
    """A task blocked in an IPC call, as read from /proc/PID/task/TID/syscall (and /mem)."""

    pid: int
    tid: int
    comm: str
    #: "semop", "msgrcv", "msgsnd", "mq_receive", "mq_send", "futex"
    op: str
    #: "waiting", or "stopped" for a task in state T (the kernel no longer queues it)
    state: str = "waiting"
    uid: int | None = None
    user: str | None = None
    #: semop: the operations read from the waiter's memory (None when that memory is unreadable)
    ops: tuple[SemOpSpec, ...] | None = None
    #: semop: the semaphore number of the first operation that cannot proceed now
    blocked_on: int | None = None
    #: msgrcv: the requested type (signed) and flags; msgsnd: the type being sent
    msgtyp: int | None = None
    msgflg: int | None = None
    #: msgsnd / mq_send: bytes being sent
    size: int | None = None
    #: epoch seconds when ipcscope first saw this task waiting like this
    since: float | None = None


#: What refused the process scan (see ipcscope.probe.access): other users' processes, /proc's
#: hidepid, non-dumpable processes, Yama's ptrace_scope, a root lacking CAP_SYS_PTRACE, a root of a
#: user namespace, a security module.
BlindCause = Literal["other-users", "hidepid", "non-dumpable", "ptrace-scope", "capability",
                     "user-namespace", "security-module"]


@dataclass(frozen=True)
class BlindSpot:
    """Processes the scan could not inspect for one reason, in words that fit this user.

    Made by the probe, which can tell the mechanism apart (/proc mount options, Yama's sysctl, the
    active security modules, our capabilities); the doctor and the UI only quote it.
    """

    cause: BlindCause
    processes: int
    #: what such a process is, to fit "(...)": one, and several
    why_one: str
    why_many: str
    #: what would show them, with "{them}" for what is hidden: "run `sudo ipcscope` to name {them}"
    remedy: str
    #: a command that would show them (for a finding's hint); None when no command can
    command: str | None
    #: the sentence for the notes: how many, why, where the mechanism can be told, what lifts it
    note: str

    def why(self, count: int) -> str:
        return self.why_one if count == 1 else self.why_many


@dataclass(frozen=True)
class ProcessScan:
    """What a scan of /proc/*/ found: who has each object attached/open, who waits on it.

    Maps are keyed by `ObjectRef.row_key`. Runs on its own (slower) cadence, so a Snapshot carries
    the latest one it has, possibly older than the object tables.
    """

    taken_at: float
    holders: dict[str, tuple[ProcessRef, ...]] = field(default_factory=dict)
    waiters: dict[str, tuple[Waiter, ...]] = field(default_factory=dict)
    #: original key recovered from /SYSV%08x in a holder's maps, for dest segments (key now 0);
    #: by shmid, or by row key for segments of another namespace (see original_key)
    original_keys: dict[int | str, int] = field(default_factory=dict)
    #: processes that could not be inspected (other users', non-dumpable), by reason
    denied: int = 0
    scanned: int = 0
    notes: tuple[str, ...] = ()
    #: every process seen in /proc at scan time (pid -> who), so findings can tell dead pids
    processes: dict[int, ProcessRef] = field(default_factory=dict)
    #: /proc does not list every process (mounted with hidepid=invisible): "nobody holds it" is
    #: not certain even when nothing was denied
    listing_incomplete: bool = False
    #: pipes, FIFOs and sockets between processes; None when the scan did not look for them
    channels: ChannelScan | None = None
    #: SysV segment row key -> attachments found (one per mapping line, as nattch counts them)
    #: in the maps of the processes inspected; a key the scan did not record counts its holders
    attachments: dict[str, int] = field(default_factory=dict)
    #: why processes could not be inspected, one entry per mechanism, largest first
    blind_spots: tuple[BlindSpot, ...] = ()

    def is_alive(self, pid: int) -> bool:
        """Whether `pid` existed at scan time (pid 0 means "none" and is never alive)."""
        return pid in self.processes

    def original_key(self, seg: ShmSegment) -> int | None:
        """The key `seg` had at creation, when IPC_RMID reset it (keyed by id in ipcscope's own
        namespace, by row key in another, where ids repeat)."""
        return self.original_keys.get(seg.id if seg.ns is None else seg.ref.row_key)  # type: ignore[call-overload]

    def holders_of(self, ref: ObjectRef | str) -> tuple[ProcessRef, ...]:
        key = ref if isinstance(ref, str) else ref.row_key
        return self.holders.get(key, ())

    def waiters_of(self, ref: ObjectRef | str) -> tuple[Waiter, ...]:
        key = ref if isinstance(ref, str) else ref.row_key
        return self.waiters.get(key, ())


# --------------------------------------------------------------------------- System V


@dataclass(frozen=True, init=False, repr=False, eq=False)
class SysvObject:
    """Fields every System V object shares (struct ipc_perm plus names).

    Only a base: each kind's class generates its own __init__, __repr__ and __eq__ over all the
    fields, so none is generated here (importing the model is part of every command's start-up).
    """

    key: int
    id: int
    mode: int
    uid: int
    gid: int
    cuid: int
    cgid: int
    owner: str = ""
    group: str = ""
    cowner: str = ""
    cgroup: str = ""
    ctime: int | None = None
    #: the IPC namespace inode, when read from a namespace other than ipcscope's own
    ns: int | None = None

    @property
    def perms(self) -> int:
        return self.mode & 0o777

    @property
    def key_text(self) -> str:
        return format_key(self.key)


@dataclass(frozen=True)
class ShmSegment(SysvObject):
    """A System V shared memory segment (a line of /proc/sysvipc/shm)."""

    size: int = 0
    cpid: int = 0
    lpid: int = 0
    nattch: int = 0
    atime: int | None = None
    dtime: int | None = None
    rss: int | None = None
    swap: int | None = None

    kind: Kind = field(default="shm", init=False)

    @property
    def ref(self) -> ObjectRef:
        return ObjectRef("shm", self.id, self.ns)

    @property
    def dest(self) -> bool:
        """Marked for destruction (IPC_RMID while attached): freed at the last detach."""
        return bool(self.mode & SHM_DEST)

    @property
    def locked(self) -> bool:
        return bool(self.mode & SHM_LOCKED)

    @property
    def status(self) -> tuple[str, ...]:
        return tuple(s for s, on in (("dest", self.dest), ("locked", self.locked)) if on)


@dataclass(frozen=True)
class MsgQueue(SysvObject):
    """A System V message queue (a line of /proc/sysvipc/msg, plus msgctl and MSG_COPY)."""

    cbytes: int = 0
    qnum: int = 0
    lspid: int = 0
    lrpid: int = 0
    stime: int | None = None
    rtime: int | None = None
    #: msg_qbytes from msgctl(IPC_STAT); None when the queue is not readable
    qbytes: int | None = None
    #: types of the queued messages in queue order, peeked with MSG_COPY (never consumed);
    #: None when not peeked (unreadable, or the probe was not asked to)
    queued_types: tuple[int, ...] | None = None

    kind: Kind = field(default="msg", init=False)

    @property
    def ref(self) -> ObjectRef:
        return ObjectRef("msg", self.id, self.ns)

    @property
    def fill(self) -> float | None:
        """cbytes / qbytes, or None when qbytes is unknown."""
        if not self.qbytes:
            return None
        return self.cbytes / self.qbytes


@dataclass(frozen=True)
class Semaphore:
    """One semaphore of a set: semval, semncnt, semzcnt, sempid."""

    num: int
    value: int
    ncnt: int
    zcnt: int
    pid: int


@dataclass(frozen=True)
class SemSet(SysvObject):
    """A System V semaphore set (a line of /proc/sysvipc/sem, plus semctl per semaphore)."""

    nsems: int = 0
    otime: int | None = None
    #: per-semaphore state; None when the set is not readable by this user
    semaphores: tuple[Semaphore, ...] | None = None

    kind: Kind = field(default="sem", init=False)

    @property
    def ref(self) -> ObjectRef:
        return ObjectRef("sem", self.id, self.ns)


# --------------------------------------------------------------------------- POSIX


@dataclass(frozen=True, init=False, repr=False, eq=False)
class PosixObject:
    """Fields every POSIX object shares. `name` has its leading "/". Only a base, as SysvObject."""

    name: str
    mode: int
    uid: int
    gid: int
    owner: str = ""
    group: str = ""
    mtime: int | None = None
    #: (st_dev, st_ino) of the backing file, to match maps and fds without trusting names
    dev: int | None = None
    inode: int | None = None
    #: the IPC namespace inode, when read from a namespace other than ipcscope's own
    ns: int | None = None

    @property
    def perms(self) -> int:
        return self.mode & 0o777


@dataclass(frozen=True)
class PosixQueue(PosixObject):
    """A POSIX message queue (a file of the mqueue filesystem, plus mq_getattr)."""

    qsize: int = 0
    curmsgs: int | None = None
    maxmsg: int | None = None
    msgsize: int | None = None
    notify_pid: int = 0
    #: sigev_notify (0 SIGNAL, 1 NONE, 2 THREAD), meaningful only when notify_pid != 0
    notify: int = 0
    signo: int = 0

    kind: Kind = field(default="pmq", init=False)

    @property
    def ref(self) -> ObjectRef:
        return ObjectRef("pmq", self.name, self.ns)


@dataclass(frozen=True)
class PosixShm(PosixObject):
    """A POSIX shared memory object (a file in /dev/shm)."""

    size: int = 0

    kind: Kind = field(default="pshm", init=False)

    @property
    def ref(self) -> ObjectRef:
        return ObjectRef("pshm", self.name, self.ns)


@dataclass(frozen=True)
class PosixSemaphore(PosixObject):
    """A POSIX named semaphore (a sem.NAME file in /dev/shm)."""

    #: sem_getvalue(); None when the file is not readable
    value: int | None = None

    kind: Kind = field(default="psem", init=False)

    @property
    def ref(self) -> ObjectRef:
        return ObjectRef("psem", self.name, self.ns)


IpcObject = ShmSegment | MsgQueue | SemSet | PosixQueue | PosixShm | PosixSemaphore


# --------------------------------------------------------------------------- channels

#: "r", "w" or "rw": how a descriptor holds a pipe or FIFO (fdinfo flags & 3); sockets are "rw"
EndMode = Literal["r", "w", "rw"]
#: what a task blocked on a channel is doing
ChannelOp = Literal["read", "write", "open", "accept", "connect", "recv", "send"]


@dataclass(frozen=True)
class ChannelEnd:
    """One descriptor of a channel in one process (a forked child has its own copy of each)."""

    pid: int
    comm: str
    fd: int
    mode: EndMode
    uid: int | None = None


@dataclass(frozen=True)
class BlockedTask:
    """A thread asleep in a call on a channel: read/write/recv/send/accept/connect on one of its
    descriptors, or open() of a FIFO waiting for its partner (then `fd` is None)."""

    pid: int
    tid: int
    comm: str
    op: ChannelOp
    fd: int | None = None
    #: epoch seconds when the wait began, as far as ipcscope can tell
    since: float | None = None
    uid: int | None = None
    #: "waiting", or "stopped" for a task in state T (SIGSTOP, a debugger): it is not reading,
    #: writing or accepting until it is continued
    state: str = "waiting"
    #: open(): the end being opened, "r" (waits for a writer) or "w" (waits for a reader)
    mode: EndMode | None = None


@dataclass(frozen=True)
class Pipe:
    """An anonymous pipe, keyed by (dev, inode) on pipefs; `queued`/`capacity` None when they could
    not be measured without changing what the processes see."""

    inode: int
    dev: int
    ends: tuple[ChannelEnd, ...] = ()
    blocked: tuple[BlockedTask, ...] = ()
    #: bytes waiting to be read (FIONREAD), None when not measurable
    queued: int | None = None
    #: F_GETPIPE_SZ, None when not measurable
    capacity: int | None = None

    kind: ChannelKind = field(default="pipe", init=False)

    @property
    def ref(self) -> ObjectRef:
        return ObjectRef("pipe", self.inode)


@dataclass(frozen=True)
class Fifo:
    """A named pipe: open by processes (then like a Pipe, plus its path), or only a file on disk
    that nobody has open (no ends, 0 bytes)."""

    path: str
    inode: int
    dev: int
    ends: tuple[ChannelEnd, ...] = ()
    blocked: tuple[BlockedTask, ...] = ()
    queued: int | None = None
    capacity: int | None = None
    #: the path was unlinked while the FIFO stays open (the fd link reads "... (deleted)")
    unlinked: bool = False

    kind: ChannelKind = field(default="fifo", init=False)

    @property
    def ref(self) -> ObjectRef:
        return ObjectRef("fifo", self.inode)


#: unix_diag states as ss names them
UnixState = Literal["listen", "connected", "unconnected", "connecting", "closing"]


@dataclass(frozen=True)
class UnixSocket:
    """One UNIX domain socket (sock_diag): a connected pair is two of these naming each other."""

    inode: int
    type: Literal["stream", "dgram", "seqpacket"]
    state: UnixState
    #: the bound path, "@name" for an abstract name, None when unbound (socketpair, clients)
    name: str | None = None
    #: inode of the other end, None when unconnected (or a connection not yet accepted)
    peer: int | None = None
    #: stream/seqpacket: unread bytes; dgram: length of the first datagram only; None: unknown
    queued: int | None = None
    #: listeners: connections waiting in accept() and the backlog; None otherwise
    pending: int | None = None
    backlog: int | None = None
    #: listeners: the inodes of the clients waiting to be accepted
    pending_peers: tuple[int, ...] = ()
    uid: int | None = None
    ends: tuple[ChannelEnd, ...] = ()
    blocked: tuple[BlockedTask, ...] = ()

    kind: ChannelKind = field(default="unix", init=False)

    @property
    def ref(self) -> ObjectRef:
        return ObjectRef("unix", self.inode)


@dataclass(frozen=True)
class InetSocket:
    """A TCP or UDP socket with a local process at one end and a local address (inet_diag)."""

    inode: int
    proto: Literal["tcp", "udp"]
    #: "127.0.0.1:5432", "[::1]:80" (v4-mapped v6 addresses normalised to v4)
    local: str
    #: None when unconnected
    remote: str | None
    #: lower case as ss names them: "listen", "established", "time-wait", ...
    state: str
    #: inode of the other end when it is a local process's socket
    peer: int | None = None
    #: unread bytes (TCP); buffer memory (UDP); None: unknown
    queued: int | None = None
    pending: int | None = None
    backlog: int | None = None
    uid: int | None = None
    ends: tuple[ChannelEnd, ...] = ()
    blocked: tuple[BlockedTask, ...] = ()

    kind: ChannelKind = field(default="inet", init=False)

    @property
    def ref(self) -> ObjectRef:
        return ObjectRef("inet", self.inode)


Channel = Pipe | Fifo | UnixSocket | InetSocket


@dataclass(frozen=True)
class ChannelScan:
    """Every channel the process scan found, with what it could not see.

    Ends of processes this user may not inspect are missing (never guessed): `hidden_ends` counts
    the descriptors or sockets whose owner could not be named, and `notes` say why.
    """

    pipes: tuple[Pipe, ...] = ()
    fifos: tuple[Fifo, ...] = ()
    unix: tuple[UnixSocket, ...] = ()
    inet: tuple[InetSocket, ...] = ()
    hidden_ends: int = 0
    notes: tuple[str, ...] = ()
    #: pid -> number of threads, for the processes holding an end: a process of one thread that
    #: is blocked reading a pipe cannot also be the one to write it
    threads: dict[int, int] = field(default_factory=dict)
    #: every process's descriptors were read, so an end that is not listed does not exist (False:
    #: some processes could not be inspected, and "no read end" may mean "none visible")
    complete: bool = True

    def of_kind(self, kind: ChannelKind) -> tuple[Channel, ...]:
        return {"pipe": self.pipes, "fifo": self.fifos, "unix": self.unix, "inet": self.inet}[kind]

    def all(self) -> list[Channel]:
        return [*self.pipes, *self.fifos, *self.unix, *self.inet]


# --------------------------------------------------------------------------- limits


@dataclass(frozen=True)
class LimitRow:
    """One row of `lsipc -g`: a resource, its limit, and how much is used (None: not applicable)."""

    resource: str
    description: str
    limit: int | None
    used: int | None = None
    unit: str = ""  # "", "bytes" or "pages"

    @property
    def use_fraction(self) -> float | None:
        if self.used is None or not self.limit:
            return None
        return self.used / self.limit


@dataclass(frozen=True)
class Limits:
    """The rows of `lsipc -g`, in its order."""

    rows: tuple[LimitRow, ...] = ()

    def get(self, resource: str) -> LimitRow | None:
        for row in self.rows:
            if row.resource == resource:
                return row
        return None


# --------------------------------------------------------------------------- the snapshot


@dataclass(frozen=True)
class Environment:
    """Who is looking, from where: shown in the header and in the not-root notice."""

    hostname: str = ""
    user: str = ""
    uid: int = 0
    ipc_namespace: str = ""

    @property
    def is_root(self) -> bool:
        return self.uid == 0


@dataclass(frozen=True)
class IpcNamespace:
    """One IPC namespace of the machine (a container's, or the host's), as `lsns -t ipc` lists it,
    with the name of its container where its cgroup tells one."""

    inode: int
    #: the container ("docker:3f2a9c1b7e4d", "lxc:web") or the command of its first process
    name: str
    #: its lowest pid ipcscope could inspect (None: none, e.g. the host seen from a container)
    pid: int | None
    nprocs: int
    #: the initial namespace (inode 0xEFFFFFFF)
    host: bool = False
    #: the one ipcscope runs in
    own: bool = False
    uid: int | None = None
    user: str = ""
    command: str = ""
    #: why it cannot be read ("" when it can): shown, never silently dropped
    unreachable: str = ""
    #: its own limits (namespaced sysctls); None when not read
    limits: Limits | None = field(default=None, repr=False)

    @property
    def label(self) -> str:
        """ "ipc:[4026532179] (db)" as the C calls and notes say where they ran."""
        return f"ipc:[{self.inode}] ({self.name})" if self.name else f"ipc:[{self.inode}]"


@dataclass(frozen=True)
class Snapshot:
    """Every IPC object the probe could see at `taken_at`, plus limits and warnings."""

    taken_at: float
    shm: tuple[ShmSegment, ...] = ()
    msg: tuple[MsgQueue, ...] = ()
    sem: tuple[SemSet, ...] = ()
    pmq: tuple[PosixQueue, ...] = ()
    pshm: tuple[PosixShm, ...] = ()
    psem: tuple[PosixSemaphore, ...] = ()
    limits: Limits = field(default_factory=Limits)
    environment: Environment = field(default_factory=Environment)
    #: where POSIX queues came from: "mount:/dev/mqueue", "detached", "fds" or "none"
    mqueue_source: str = "none"
    #: things the user should know: unreadable objects, a missing mqueue mount, skipped /proc lines
    warnings: tuple[str, ...] = ()
    processes: ProcessScan | None = None
    #: the namespaces covered when they are not just ipcscope's own (then every object carries
    #: its `ns`); empty otherwise
    namespaces: tuple[IpcNamespace, ...] = ()

    def objects(self, kind: Kind) -> tuple[IpcObject, ...]:
        return getattr(self, kind)

    def all_objects(self) -> list[IpcObject]:
        return [obj for kind in KINDS for obj in self.objects(kind)]

    def find(self, ref: ObjectRef | str) -> IpcObject | None:
        key = ref if isinstance(ref, str) else ref.row_key
        kind = key.split(":", 1)[0]
        if kind not in KINDS:
            return None
        for obj in self.objects(kind):  # type: ignore[arg-type]
            if obj.ref.row_key == key:
                return obj
        return None
