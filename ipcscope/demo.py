"""A deterministic, hand-made Snapshot: for UI tests, snapshot SVGs, screenshots and `--demo`.

It shows every situation the app must render: a busy segment, a segment marked for destruction but
still attached, a locked one, an IPC_PRIVATE orphan, a nearly full queue with blocked senders, a
receiver waiting for a type nobody sent, a semaphore set with waiters (one stopped), a set this user
may not read, and POSIX objects of each kind; and the channels between processes (see
demo_channels). Times are fixed around DEMO_NOW; PIDs and inodes are made up.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import replace
from typing import TypedDict

from ipcscope.blind_spots import AccessFacts, Refusal, blind_spots
from ipcscope.core.constants import SEM_UNDO
from ipcscope.model import (
    KINDS,
    BlockedTask,
    Channel,
    ChannelEnd,
    ChannelScan,
    Environment,
    Fifo,
    InetSocket,
    IpcNamespace,
    IpcObject,
    Kind,
    LimitRow,
    Limits,
    MsgQueue,
    Pipe,
    PosixQueue,
    PosixSemaphore,
    PosixShm,
    ProcessRef,
    ProcessScan,
    Semaphore,
    SemOpSpec,
    SemSet,
    ShmSegment,
    Snapshot,
    UnixSocket,
    Waiter,
)

#: 2026-11-22 02:50:00 UTC: "now" for every demo rendering.
DEMO_NOW = 1795315800
T0 = DEMO_NOW - 3600  # objects were created an hour ago


class _Owners(TypedDict):
    """Owner and creator of a System V object, as keyword arguments of its dataclass."""

    uid: int
    gid: int
    cuid: int
    cgid: int
    owner: str
    group: str
    cowner: str
    cgroup: str


def _owned(uid: int, name: str) -> _Owners:
    """Owned and created by `uid`, whose user and group are both called `name`."""
    return _Owners(uid=uid, gid=uid, cuid=uid, cgid=uid, owner=name, group=name, cowner=name, cgroup=name)


def _root() -> _Owners:
    return _owned(0, "root")


def _alice() -> _Owners:
    return _owned(1000, "alice")


DemoObjects = dict[Kind, tuple[IpcObject, ...]]


def demo_objects() -> DemoObjects:
    shm = (
        ShmSegment(key=0x0000162E, id=3, mode=0o666, size=27, cpid=4101, lpid=4102, nattch=2,
                   atime=DEMO_NOW - 12, dtime=DEMO_NOW - 30, ctime=T0, rss=4096, swap=0, **_root()),
        ShmSegment(key=0, id=1, mode=0o1600, size=8192, cpid=3301, lpid=3412, nattch=1,
                   atime=T0 + 40, dtime=None, ctime=T0, rss=4096, swap=0, **_root()),
        ShmSegment(key=0xDEADBEEF, id=4, mode=0o2600, size=1048576, cpid=3959, lpid=3965, nattch=1,
                   atime=T0 + 60, dtime=None, ctime=T0, rss=1048576, swap=0, **_alice()),
        ShmSegment(key=0, id=5, mode=0o640, size=12288, cpid=2960, lpid=2966, nattch=0,
                   atime=T0 + 5, dtime=T0 + 300, ctime=T0, rss=4096, swap=0, **_alice()),
        ShmSegment(key=0x34C4F243, id=2, mode=0o644, size=67108864, cpid=1345, lpid=0, nattch=0,
                   atime=None, dtime=None, ctime=T0 - 86400, rss=0, swap=0, **_root()),
    )
    msg = (
        MsgQueue(key=0x6D6A0001, id=3, mode=0o666, cbytes=15000, qnum=12, lspid=4238, lrpid=4101,
                 stime=DEMO_NOW - 2, rtime=DEMO_NOW - 75, ctime=T0, qbytes=16384,
                 queued_types=(1,) * 12, **_root()),
        MsgQueue(key=0x6D6A0002, id=7, mode=0o600, cbytes=24, qnum=2, lspid=4301, lrpid=0,
                 stime=DEMO_NOW - 250, rtime=None, ctime=T0, qbytes=16384, queued_types=(1, 2),
                 **_alice()),
        MsgQueue(key=0x6D6A0003, id=9, mode=0o620, cbytes=0, qnum=0, lspid=0, lrpid=0,
                 stime=None, rtime=None, ctime=T0, qbytes=None, **_root()),
    )
    sem = (
        SemSet(key=0x5E5E0001, id=2, mode=0o666, nsems=3, otime=DEMO_NOW - 272, ctime=T0,
               semaphores=(Semaphore(0, 0, 2, 0, 4410), Semaphore(1, 1, 0, 0, 4410),
                           Semaphore(2, 5, 0, 0, 4412)), **_root()),
        SemSet(key=0x5E5E0002, id=6, mode=0o600, nsems=2, otime=DEMO_NOW - 30, ctime=T0,
               semaphores=(Semaphore(0, 0, 1, 0, 4522), Semaphore(1, 0, 1, 0, 4521)), **_alice()),
        SemSet(key=0x9D1E0F4F, id=49, mode=0o600, nsems=2, otime=None, ctime=T0,
               semaphores=None, **_owned(1001, "bob")),
    )
    pmq = (
        PosixQueue(name="/jobs", mode=0o644, uid=0, gid=0, owner="root", group="root", mtime=DEMO_NOW - 5,
                   qsize=480, curmsgs=10, maxmsg=10, msgsize=64, notify_pid=0, dev=20, inode=16063),
        PosixQueue(name="/events", mode=0o600, uid=1000, gid=1000, owner="alice", group="alice",
                   mtime=DEMO_NOW - 400, qsize=0, curmsgs=0, maxmsg=10, msgsize=8192, notify_pid=4700,
                   notify=0, signo=12, dev=20, inode=16070),
    )
    pshm = (
        PosixShm(name="/ring", mode=0o600, uid=1000, gid=1000, owner="alice", group="alice",
                 mtime=DEMO_NOW - 1, size=65536, dev=27, inode=3),
        PosixShm(name="/PostgreSQL.1804289383", mode=0o600, uid=105, gid=109, owner="postgres",
                 group="postgres", mtime=T0, size=26976, dev=27, inode=9),
    )
    psem = (
        PosixSemaphore(name="/ring-lock", mode=0o600, uid=1000, gid=1000, owner="alice", group="alice",
                       mtime=DEMO_NOW - 1, value=0, dev=27, inode=2),
        PosixSemaphore(name="/build-slots", mode=0o644, uid=0, gid=0, owner="root", group="root",
                       mtime=T0, value=4, dev=27, inode=11),
    )
    return dict(shm=shm, msg=msg, sem=sem, pmq=pmq, pshm=pshm, psem=psem)


def demo_limits() -> Limits:
    return Limits(rows=(
        LimitRow("MSGMNI", "Number of message queues", 32000, 3),
        LimitRow("MSGMAX", "Max size of message (bytes)", 8192, None, "bytes"),
        LimitRow("MSGMNB", "Default max size of queue (bytes)", 16384, None, "bytes"),
        LimitRow("SHMMNI", "Shared memory segments", 4096, 5),
        LimitRow("SHMALL", "Shared memory pages", 4718592, 16643, "pages"),
        LimitRow("SHMMAX", "Max size of shared memory segment (bytes)", 18446744073692774399, None, "bytes"),
        LimitRow("SHMMIN", "Min size of shared memory segment (bytes)", 1, None, "bytes"),
        LimitRow("SEMMNI", "Number of semaphore identifiers", 32000, 3),
        LimitRow("SEMMNS", "Total number of semaphores", 1024000000, 7),
        LimitRow("SEMMSL", "Max semaphores per semaphore set.", 32000, None),
        LimitRow("SEMOPM", "Max number of operations per semop(2)", 500, None),
        LimitRow("SEMVMX", "Semaphore max value", 32767, None),
        LimitRow("MQUMNI", "Number of POSIX message queues", 8, 2),
        LimitRow("MQUMAX", "Max size of POSIX message (bytes)", 8192, None, "bytes"),
        LimitRow("MQUMNB", "Number of messages in POSIX message queue", 10, None),
    ))


_ALIVE = (
    ProcessRef(4101, "shm_server", 0, "root"), ProcessRef(4102, "shm_client", 0, "root"),
    ProcessRef(3412, "ora_pmon", 0, "root"), ProcessRef(3965, "renderer", 1000, "alice"),
    ProcessRef(3959, "renderer", 1000, "alice"), ProcessRef(4238, "producer", 0, "root"),
    ProcessRef(4601, "ring_writer", 1000, "alice"), ProcessRef(4602, "ring_reader", 1000, "alice"),
    ProcessRef(4412, "checker", 0, "root"), ProcessRef(4417, "worker", 0, "root"),
    ProcessRef(4418, "worker", 0, "root"), ProcessRef(4419, "checker", 0, "root"),
    ProcessRef(4521, "transfer_a", 1000, "alice"), ProcessRef(4522, "transfer_b", 1000, "alice"),
    ProcessRef(4350, "dispatcher", 1000, "alice"), ProcessRef(4700, "notifier", 1000, "alice"),
    ProcessRef(4301, "submit", 1000, "alice"), ProcessRef(1345, "postgres", 105, "postgres"),
    # the channels' processes (demo_channels)
    ProcessRef(4800, "pipeline", 1000, "alice"), ProcessRef(4801, "wc", 1000, "alice"),
    ProcessRef(4821, "logship", 0, "root"), ProcessRef(4830, "make", 1000, "alice"),
    ProcessRef(4831, "cc1", 1000, "alice"), ProcessRef(4832, "cc1", 1000, "alice"),
    ProcessRef(4840, "logger", 0, "root"), ProcessRef(4860, "appd", 0, "root"),
    ProcessRef(4861, "appctl", 1000, "alice"), ProcessRef(4862, "appctl", 1000, "alice"),
    ProcessRef(4864, "appctl", 1000, "alice"), ProcessRef(4870, "chromium", 1000, "alice"),
    ProcessRef(4871, "chromium", 1000, "alice"), ProcessRef(4880, "python3", 1000, "alice"),
    ProcessRef(4881, "curl", 1000, "alice"),
)
"""Processes alive in the demo. Absent on purpose: 4410 (the last to lock sem 2, died holding it),
2960/2966 (creator and last user of orphan segment 5)."""


PIPEFS = 15  # st_dev of anonymous pipes (0:15)
RUN_DEV = 26  # tmpfs /run (0:26)
TMP_DEV = 2049  # /tmp on the root disk (8:1)


def _end(pid: int, comm: str, fd: int, mode: str, uid: int = 1000) -> ChannelEnd:
    return ChannelEnd(pid, comm, fd, mode, uid)  # type: ignore[arg-type]


def _blocked(pid: int, comm: str, op: str, fd: int | None, ago: int, uid: int = 1000,
             mode: str | None = None) -> BlockedTask:
    return BlockedTask(pid, pid, comm, op, fd, since=DEMO_NOW - ago, uid=uid, mode=mode)  # type: ignore[arg-type]


def demo_channels() -> ChannelScan:
    """Channels between the demo's processes, each a situation the Channels view must show:

    - pipe 31337: `wc` reads its stdin but kept a copy of the write end after fork, so it never
      sees EOF (its parent wrote and closed its own end long ago);
    - pipe 31340: full (64K of 64K); `appd` is blocked writing its log to `logship`, which stopped
      reading; so appd accepts nobody: its listener /run/app.sock has a full backlog, one client
      waits in it and one more is blocked in connect();
    - pipe 31346: make's jobserver, one pipe with six ends (a row shows the first and "+2");
    - FIFO /run/logd/in.fifo: `logger` is blocked in open() for writing, no reader ever came;
    - FIFO /tmp/lab/fifo: on disk, opened by nobody;
    - a UNIX stream connection to /run/app.sock with 12K that appd does not read;
    - a socketpair between two chromium processes;
    - a TCP listener and one connection on 127.0.0.1:8080 (python3 -m http.server and curl).
    """
    pipes = (
        Pipe(31337, PIPEFS, ends=(_end(4801, "wc", 0, "r"), _end(4801, "wc", 4, "w")),
             blocked=(_blocked(4801, "wc", "read", 0, 300),), queued=0, capacity=65536),
        Pipe(31340, PIPEFS, ends=(_end(4860, "appd", 9, "w", 0), _end(4821, "logship", 0, "r", 0)),
             blocked=(_blocked(4860, "appd", "write", 9, 95, 0),), queued=65536, capacity=65536),
        Pipe(31346, PIPEFS, ends=(_end(4830, "make", 3, "r"), _end(4830, "make", 4, "w"),
                                  _end(4831, "cc1", 3, "r"), _end(4831, "cc1", 4, "w"),
                                  _end(4832, "cc1", 3, "r"), _end(4832, "cc1", 4, "w")),
             queued=3, capacity=65536),
    )
    fifos = (
        Fifo("/run/logd/in.fifo", 40010, RUN_DEV,
             blocked=(_blocked(4840, "logger", "open", None, 42, 0, mode="w"),), queued=0),
        Fifo("/tmp/lab/fifo", 40020, TMP_DEV, queued=0),
    )
    unix = (
        UnixSocket(7001, "stream", "listen", name="/run/app.sock", queued=0, pending=1, backlog=1,
                   pending_peers=(7021,), uid=0, ends=(_end(4860, "appd", 5, "rw", 0),)),
        UnixSocket(7003, "stream", "connected", peer=7004, queued=0, uid=1000,
                   ends=(_end(4861, "appctl", 3, "rw"),),
                   blocked=(_blocked(4861, "appctl", "recv", 3, 90),)),
        UnixSocket(7004, "stream", "connected", name="/run/app.sock", peer=7003, queued=12288, uid=0,
                   ends=(_end(4860, "appd", 7, "rw", 0),)),
        UnixSocket(7021, "stream", "connected", queued=0, uid=1000, ends=(_end(4862, "appctl", 3, "rw"),),
                   blocked=(_blocked(4862, "appctl", "recv", 3, 60),)),
        UnixSocket(7025, "stream", "connecting", queued=0, uid=1000,
                   ends=(_end(4864, "appctl", 3, "rw"),),
                   blocked=(_blocked(4864, "appctl", "connect", 3, 20),)),
        UnixSocket(7101, "stream", "connected", peer=7102, queued=0, uid=1000,
                   ends=(_end(4870, "chromium", 14, "rw"),)),
        UnixSocket(7102, "stream", "connected", peer=7101, queued=0, uid=1000,
                   ends=(_end(4871, "chromium", 3, "rw"),)),
    )
    inet = (
        InetSocket(9001, "tcp", "127.0.0.1:8080", None, "listen", queued=0, pending=0, backlog=5,
                   uid=1000, ends=(_end(4880, "python3", 3, "rw"),)),
        InetSocket(9002, "tcp", "127.0.0.1:8080", "127.0.0.1:51234", "established", peer=9003,
                   queued=0, uid=1000, ends=(_end(4880, "python3", 4, "rw"),)),
        InetSocket(9003, "tcp", "127.0.0.1:51234", "127.0.0.1:8080", "established", peer=9002,
                   queued=0, uid=1000, ends=(_end(4881, "curl", 5, "rw"),),
                   blocked=(_blocked(4881, "curl", "recv", 5, 3),)),
    )
    # one thread each (wc cannot write the pipe it is blocked reading); appd has a pool of four
    threads = dict.fromkeys((4801, 4821, 4830, 4831, 4832, 4861, 4862, 4864, 4870, 4871, 4880, 4881), 1)
    threads[4860] = 4
    return ChannelScan(pipes=pipes, fifos=fifos, unix=unix, inet=inet, threads=threads)


def channels_seen_by(scan: ChannelScan, uid: int) -> ChannelScan:
    """What a user who is not root sees of `scan`: other users' descriptors and blocked tasks are
    missing (counted in hidden_ends); a pipe whose every end is hidden is not found at all, and
    bytes queued in a pipe are measured only through a descriptor of one's own processes. Sockets
    are all listed (sock_diag shows them), without the owners that cannot be named."""
    hidden = 0

    def own(ends: tuple[ChannelEnd, ...]) -> tuple[ChannelEnd, ...]:
        nonlocal hidden
        kept = tuple(e for e in ends if e.uid == uid)
        hidden += len(ends) - len(kept)
        return kept

    def visible_blocked(tasks: tuple[BlockedTask, ...]) -> tuple[BlockedTask, ...]:
        return tuple(t for t in tasks if t.uid == uid)

    pipes = []
    for pipe in scan.pipes:
        ends = own(pipe.ends)
        if ends:
            pipes.append(replace(pipe, ends=ends, blocked=visible_blocked(pipe.blocked)))
    fifos = []
    for fifo in scan.fifos:
        ends = own(fifo.ends)
        if ends or not fifo.ends:
            measured = fifo.queued if ends == fifo.ends else None
            fifos.append(replace(fifo, ends=ends, blocked=visible_blocked(fifo.blocked), queued=measured,
                                 capacity=fifo.capacity if measured is not None else None))
    unix = tuple(replace(s, ends=own(s.ends), blocked=visible_blocked(s.blocked)) for s in scan.unix)
    inet = tuple(replace(s, ends=own(s.ends), blocked=visible_blocked(s.blocked)) for s in scan.inet)
    notes = (f"{hidden} descriptors of other users' processes could not be inspected: their pipes "
             "are not listed and their sockets show no owner. Run as root to see them.",)
    every: list[Channel] = [*pipes, *fifos, *unix, *inet]
    threads = {pid: n for pid, n in scan.threads.items()
               if any(e.pid == pid for c in every for e in c.ends)}
    return ChannelScan(pipes=tuple(pipes), fifos=tuple(fifos), unix=unix, inet=inet, hidden_ends=hidden,
                       notes=notes if hidden else (), threads=threads, complete=not hidden)


def demo_processes() -> ProcessScan:
    """Holders and waiters matching demo_objects(): who is attached, who is blocked on what."""
    server = ProcessRef(4101, "shm_server", 0, "root")
    client = ProcessRef(4102, "shm_client", 0, "root")
    oracle = ProcessRef(3412, "ora_pmon", 0, "root")
    return ProcessScan(
        taken_at=DEMO_NOW,
        holders={
            "shm:3": (server, client),
            "shm:1": (oracle,),
            "shm:4": (ProcessRef(3965, "renderer", 1000, "alice"),),
            "pmq:/jobs": (ProcessRef(4238, "producer", 0, "root"),),
            "pshm:/ring": (ProcessRef(4601, "ring_writer", 1000, "alice"),
                           ProcessRef(4602, "ring_reader", 1000, "alice")),
            "psem:/ring-lock": (ProcessRef(4601, "ring_writer", 1000, "alice"),
                                ProcessRef(4602, "ring_reader", 1000, "alice")),
        },
        waiters={
            "sem:2": (
                Waiter(4417, 4417, "worker", "semop", uid=0, user="root",
                       ops=(SemOpSpec(0, -1, SEM_UNDO),), blocked_on=0, since=DEMO_NOW - 252),
                Waiter(4418, 4420, "worker", "semop", uid=0, user="root",
                       ops=(SemOpSpec(0, -1, 0), SemOpSpec(1, -1, 0)), blocked_on=0, since=DEMO_NOW - 130),
                Waiter(4419, 4419, "checker", "semop", state="stopped", uid=0, user="root",
                       ops=(SemOpSpec(2, 0, 0),), blocked_on=2, since=DEMO_NOW - 60),
            ),
            "sem:6": (
                Waiter(4521, 4521, "transfer_a", "semop", uid=1000, user="alice",
                       ops=(SemOpSpec(0, -1, SEM_UNDO),), blocked_on=0, since=DEMO_NOW - 29),
                Waiter(4522, 4522, "transfer_b", "semop", uid=1000, user="alice",
                       ops=(SemOpSpec(1, -1, SEM_UNDO),), blocked_on=1, since=DEMO_NOW - 31),
            ),
            "msg:3": (
                Waiter(4238, 4238, "producer", "msgsnd", uid=0, user="root", msgtyp=1, size=2000,
                       since=DEMO_NOW - 75),
            ),
            "msg:7": (
                Waiter(4350, 4350, "dispatcher", "msgrcv", uid=1000, user="alice", msgtyp=5, msgflg=0,
                       since=DEMO_NOW - 240),
            ),
            "psem:/ring-lock": (
                Waiter(4602, 4602, "ring_reader", "futex", uid=1000, user="alice", since=DEMO_NOW - 2),
            ),
        },
        original_keys={1: 0x30BF698A},
        denied=0,
        scanned=212,
        processes={p.pid: p for p in _ALIVE},
        channels=demo_channels(),
    )


def seen_by(scan: ProcessScan, uid: int, *, others: int) -> ProcessScan:
    """What `uid` sees of `scan`: the holders and waiters among its own processes; `others`
    processes of other users not inspected, said as the probe says it. The keys of removed
    segments are lost too (they are recovered from a holder's maps)."""
    holders = {key: own for key, found in scan.holders.items()
               if (own := tuple(p for p in found if p.uid == uid))}
    waiters = {key: own_waits for key, found in scan.waiters.items()
               if (own_waits := tuple(w for w in found if w.uid == uid))}
    spots = blind_spots([Refusal(0, 0, 0, "read")] * others, AccessFacts(euid=uid))
    return replace(scan, holders=holders, waiters=waiters, original_keys={}, denied=others,
                   notes=tuple(spot.note for spot in spots), blind_spots=spots)


def demo_snapshot(*, root: bool = True, mqueue: bool = True, empty: bool = False,
                  processes: bool = True) -> Snapshot:
    """The demo Snapshot; flags give the not-root view, the no-mqueue view and an empty system."""
    objects: DemoObjects = {} if empty else demo_objects()
    environment = Environment(hostname="labhost", user="root" if root else "alice",
                              uid=0 if root else 1000, ipc_namespace="ipc:[4026531839]")
    warnings: list[str] = []
    if not mqueue:
        objects = {**objects, "pmq": ()}
        warnings.append(
            "POSIX queues: no mqueue filesystem is mounted, so only queues held open by your "
            "processes are shown. Mount it: sudo mkdir -p /dev/mqueue && sudo mount -t mqueue none /dev/mqueue"
        )
    if not root and not empty:
        warnings.append("1 semaphore set is not readable by uid 1000: its values are hidden; "
                        "run as root or as its owner to see them.")
    scan = demo_processes() if processes and not empty else None
    if scan is not None and not root:
        scan = replace(seen_by(scan, 1000, others=14), channels=channels_seen_by(demo_channels(), 1000))
    return Snapshot(
        taken_at=DEMO_NOW,
        limits=demo_limits(),
        environment=environment,
        mqueue_source="detached" if mqueue else "fds",
        warnings=tuple(warnings),
        processes=scan,
    ).with_objects(objects)


# --------------------------------------------------------------------------- containers

#: The demo's IPC namespaces: the host's (where ipcscope runs) and two containers.
DEMO_HOST_NS = 4026531839
DEMO_DB_NS = 4026532179
DEMO_WEB_NS = 4026532190


def demo_namespaces() -> tuple[IpcNamespace, ...]:
    return (
        IpcNamespace(DEMO_HOST_NS, "host", 1, 212, host=True, own=True, uid=0, user="root",
                     command="/sbin/init", limits=demo_limits()),
        IpcNamespace(DEMO_DB_NS, "docker:3f2a9c1b7e4d", 5101, 6, uid=999, user="999",
                     command="postgres -c shared_buffers=128MB", limits=demo_limits()),
        IpcNamespace(DEMO_WEB_NS, "lxc:web", 5201, 3, uid=0, user="root",
                     command="/sbin/init", limits=demo_limits()),
    )


def _in(ns: int, objects: Iterable[IpcObject]) -> tuple[IpcObject, ...]:
    return tuple(replace(obj, ns=ns) for obj in objects)


def _container_objects() -> dict[int, DemoObjects]:
    """What the containers hold: ids that repeat the host's (sem 2, shm 3), a stuck semaphore."""
    pg = _owned(999, "999")  # the container's postgres user, which the host does not name
    db: DemoObjects = dict(
        shm=(ShmSegment(key=0x0052E2C1, id=3, mode=0o600, size=150994944, cpid=5101, lpid=5133,
                        nattch=5, atime=DEMO_NOW - 3, dtime=None, ctime=T0, rss=33554432, swap=0, **pg),),
        sem=(SemSet(key=0x0052E2C2, id=2, mode=0o600, nsems=17, otime=DEMO_NOW - 410, ctime=T0,
                    semaphores=tuple(Semaphore(n, 0 if n == 4 else 1, 1 if n == 4 else 0, 0, 5133)
                                     for n in range(17)), **pg),),
        psem=(PosixSemaphore(name="/pg-ready", mode=0o600, uid=999, gid=999, owner="999", group="999",
                             mtime=T0, value=1, dev=45, inode=4),),
    )
    web: DemoObjects = dict(
        msg=(MsgQueue(key=0x6D6A0001, id=0, mode=0o660, cbytes=0, qnum=0, lspid=0, lrpid=0, stime=None,
                      rtime=None, ctime=T0, qbytes=16384, queued_types=(), **_root()),),
        pmq=(PosixQueue(name="/jobs", mode=0o600, uid=0, gid=0, owner="root", group="root",
                        mtime=DEMO_NOW - 20, qsize=96, curmsgs=2, maxmsg=10, msgsize=256, dev=52, inode=8),),
    )
    return {DEMO_DB_NS: db, DEMO_WEB_NS: web}


def demo_namespace_views() -> dict[str, Snapshot]:
    """The views the namespace picker offers in the demo: "all", and each container alone."""
    own = demo_snapshot()
    spaces = demo_namespaces()
    containers = _container_objects()
    worker = Waiter(5140, 5140, "postgres", "semop", uid=999, user="999",
                    ops=(SemOpSpec(4, -1, SEM_UNDO),), blocked_on=4, since=DEMO_NOW - 410)
    container_scan: dict[int, tuple[dict[str, tuple[ProcessRef, ...]], dict[str, tuple[Waiter, ...]]]] = {
        DEMO_DB_NS: ({"shm:3": tuple(ProcessRef(pid, "postgres", 999, "999") for pid in (5101, 5133, 5134, 5135, 5140)),
                      "psem:/pg-ready": (ProcessRef(5101, "postgres", 999, "999"),)},
                     {"sem:2": (worker,)}),
        DEMO_WEB_NS: ({"pmq:/jobs": (ProcessRef(5230, "nginx", 0, "root"),)}, {}),
    }
    alive = {p.pid: p for p in (ProcessRef(5101, "postgres", 999, "999"), ProcessRef(5133, "postgres", 999, "999"),
                                ProcessRef(5134, "postgres", 999, "999"), ProcessRef(5135, "postgres", 999, "999"),
                                ProcessRef(5140, "postgres", 999, "999"), ProcessRef(5230, "nginx", 0, "root"))}

    def view(chosen: tuple[IpcNamespace, ...]) -> Snapshot:
        inodes = {ns.inode for ns in chosen}
        objects: DemoObjects = dict.fromkeys(KINDS, ())
        holders: dict[str, tuple[ProcessRef, ...]] = {}
        waiters: dict[str, tuple[Waiter, ...]] = {}
        base = own.processes
        assert base is not None
        if DEMO_HOST_NS in inodes:
            for kind in objects:
                objects[kind] += _in(DEMO_HOST_NS, own.objects(kind))
            holders.update({f"{key}@{DEMO_HOST_NS}": refs for key, refs in base.holders.items()})
            waiters.update({f"{key}@{DEMO_HOST_NS}": found for key, found in base.waiters.items()})
        for inode, held in containers.items():
            if inode in inodes:
                for kind, found in held.items():
                    objects[kind] += _in(inode, found)
                holders.update({f"{key}@{inode}": refs for key, refs in container_scan[inode][0].items()})
                waiters.update({f"{key}@{inode}": found for key, found in container_scan[inode][1].items()})
        scan = replace(base, holders=holders, waiters=waiters,
                       original_keys={f"shm:1@{DEMO_HOST_NS}": 0x30BF698A} if DEMO_HOST_NS in inodes else {},
                       processes={**base.processes, **alive})
        return replace(own, namespaces=chosen, processes=scan).with_objects(objects)

    views = {"all": view(spaces)}
    views.update({str(ns.inode): view((ns,)) for ns in spaces if not ns.own})
    return views
