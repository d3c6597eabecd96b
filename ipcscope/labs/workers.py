"""The small programs the labs start, one function per role. Read them next to the C in each step.

Run one by hand:  python -m ipcscope.labs.workers ROLE ARGS...   (e.g. `sem-lock 5 undo`)

Every role prints what it does. The plumbing at the bottom (`main`) is the same for all of them:
SIGTERM makes a worker exit cleanly (status 0), and so does the death of the lab session that
started it (its lifeline pipe closes and the kernel sends SIGIO), so no worker outlives its lab.
"""

from __future__ import annotations

import contextlib
import ctypes
import errno
import fcntl
import os
import select
import signal
import socket
import struct
import sys
import time
from collections.abc import Callable, Iterator

from ipcscope.core import msg, posix_mq, posix_sem, posix_shm, sem, shm
from ipcscope.core.errors import IpcError, ValidationError
from ipcscope.labs.ring import EMPTY, FULL, HEADER, MUTEX, SLOTS  # struct ring and its semaphores
from ipcscope.model import SemOpSpec

ROLES: dict[str, Callable[..., None]] = {}


def role(function: Callable[..., None]) -> Callable[..., None]:
    """Register `function` as the role of the same name with dashes (`sem_lock` -> `sem-lock`)."""
    ROLES[function.__name__.replace("_", "-")] = function
    return function


def say(text: str) -> None:
    print(f"[{os.getpid()}] {text}", flush=True)


def wait_for_go() -> None:
    """Block until SIGUSR1 (the lab's "go"). SIGUSR1 is blocked from the start (see `main`), so a
    go that arrives early waits as pending instead of being lost."""
    signal.sigwaitinfo({signal.SIGUSR1})


# --------------------------------------------------------------------------- shm-server-client

ALPHABET = b"abcdefghijklmnopqrstuvwxyz"
SHMSZ = 27


@role
def shm_server(key: str, poll_seconds: str = "1") -> None:
    """The classic server: create the segment, write a..z and a NUL, wait for '*'."""
    shmid = shm.create(int(key), SHMSZ, mode=0o600, exclusive=True)
    say(f"shmget({key}, {SHMSZ}, IPC_CREAT | IPC_EXCL | 0600) = {shmid}")
    segment = shm.attach(shmid, readonly=False)
    say("shmat: attached read-write")
    segment.write(0, ALPHABET + b"\0")
    say("wrote a..z; waiting for a '*' in the first byte")
    while segment.read(0, 1) != b"*":
        time.sleep(float(poll_seconds))
    say("the client wrote '*': detaching and exiting (the segment stays!)")
    segment.detach()


@role
def shm_client(key: str) -> None:
    """The classic client: find the segment, print it up to the NUL, write '*'."""
    shmid = shm.open_existing(int(key))
    say(f"shmget({key}, {SHMSZ}, 0) = {shmid}")
    segment = shm.attach(shmid, readonly=False)
    text = segment.read(0, SHMSZ).split(b"\0")[0]
    say(f"read: {text.decode()}")
    segment.write(0, b"*")
    say("wrote '*'")
    segment.detach()


# --------------------------------------------------------------------------- message-types

REQUEST = 1  # clients send requests as type 1; replies carry the client's pid as their type


@role
def msg_server(key: str) -> None:
    """Answer requests (type 1) with a reply typed by the client's pid."""
    msqid = msg.create(int(key), mode=0o600)
    say(f"msgget(0x{int(key):08x}, IPC_CREAT | 0600) = {msqid}; waiting for type {REQUEST}")
    while True:
        request = msg.receive(msqid, msgtyp=REQUEST)
        client, _, text = request.data.decode().partition(":")
        say(f"request from {client}: {text!r}; replying with type {client}")
        msg.send(msqid, int(client), f"HELLO {text.upper()}".encode())


@role
def msg_client(key: str, text: str) -> None:
    msqid = msg.open_existing(int(key))
    msg.send(msqid, REQUEST, f"{os.getpid()}:{text}".encode())
    say(f"sent request {text!r} as type {REQUEST}; waiting for type {os.getpid()}")
    reply = msg.receive(msqid, msgtyp=os.getpid())
    say(f"reply (type {reply.mtype}): {reply.data.decode()}")


@role
def msg_send_types(msqid: str, types: str) -> None:
    """Send one message of each type in `types` ("3,1,2"), in that order."""
    for number, mtype in enumerate(int(t) for t in types.split(",")):
        msg.send(int(msqid), mtype, f"type {mtype} message #{number + 1}".encode())
        say(f"msgsnd type {mtype}")


@role
def msg_recv(msqid: str, msgtyp: str, mode: str = "") -> None:
    """Receive one message: msgtyp 0 (first), >0 (first of that type), <0 (lowest type <= |msgtyp|);
    mode "except" adds MSG_EXCEPT (first of any *other* type)."""
    flags = "MSG_EXCEPT" if mode == "except" else "0"
    say(f"msgrcv(msqid, &buf, size, {msgtyp}, {flags}) ...")
    message = msg.receive(int(msqid), msgtyp=int(msgtyp), except_type=mode == "except")
    say(f"got type {message.mtype}: {message.data.decode()}")


# --------------------------------------------------------------------------- semaphores

UNDO = "undo"


@role
def sem_lock(semid: str, undo: str = UNDO) -> None:
    """Take the lock (semaphore 0 from 1 to 0) and keep it until killed."""
    flags = sem.SEM_UNDO if undo == UNDO else 0
    say(f"semop(semid, {{0, -1, {'SEM_UNDO' if flags else '0'}}}, 1): waiting for the lock")
    sem.semop(int(semid), [SemOpSpec(0, -1, flags)])
    say("locked; holding the lock until killed")
    while True:
        signal.pause()


@role
def sem_post(semid: str, num: str = "0") -> None:
    sem.semop(int(semid), [SemOpSpec(int(num), +1, 0)])
    say(f"semop(semid, {{{num}, +1, 0}}, 1): posted")


@role
def sem_two_locks(semid: str, first: str, second: str) -> None:
    """Take semaphore `first`, wait for the go signal, then take `second`; release both."""
    a, b = int(first), int(second)
    sem.semop(int(semid), [SemOpSpec(a, -1, sem.SEM_UNDO)])
    say(f"locked semaphore {a}; waiting for the go signal (SIGUSR1)")
    wait_for_go()
    say(f"go: now waiting for semaphore {b}")
    sem.semop(int(semid), [SemOpSpec(b, -1, sem.SEM_UNDO)])
    say(f"locked semaphores {a} and {b}: working, then releasing both")
    sem.semop(int(semid), [SemOpSpec(b, +1, sem.SEM_UNDO), SemOpSpec(a, +1, sem.SEM_UNDO)])
    say("released both")


# --------------------------------------------------------------------------- producer-consumer


def _delay(ring: shm.Attachment, which: int) -> float:
    return HEADER.unpack(ring.read(0, HEADER.size))[which] / 1000


@role
def producer(shmid: str, semid: str) -> None:
    ring, semid_ = shm.attach(int(shmid), readonly=False), int(semid)
    item = slot = 0
    while True:
        sem.semop(semid_, [SemOpSpec(EMPTY, -1)])  # wait for a free slot
        sem.semop(semid_, [SemOpSpec(MUTEX, -1, sem.SEM_UNDO)])  # lock the buffer
        item += 1
        ring.write(HEADER.size + 4 * slot, struct.pack("i", item))
        sem.semop(semid_, [SemOpSpec(MUTEX, +1, sem.SEM_UNDO)])  # unlock
        sem.semop(semid_, [SemOpSpec(FULL, +1)])  # one more filled slot
        say(f"produced {item} into slot {slot}")
        slot = (slot + 1) % SLOTS
        time.sleep(_delay(ring, 0))


@role
def consumer(shmid: str, semid: str) -> None:
    ring, semid_ = shm.attach(int(shmid), readonly=False), int(semid)
    slot = 0
    while True:
        sem.semop(semid_, [SemOpSpec(FULL, -1)])  # wait for a filled slot
        sem.semop(semid_, [SemOpSpec(MUTEX, -1, sem.SEM_UNDO)])
        (item,) = struct.unpack("i", ring.read(HEADER.size + 4 * slot, 4))
        sem.semop(semid_, [SemOpSpec(MUTEX, +1, sem.SEM_UNDO)])
        sem.semop(semid_, [SemOpSpec(EMPTY, +1)])  # one more free slot
        say(f"consumed {item} from slot {slot}")
        slot = (slot + 1) % SLOTS
        time.sleep(_delay(ring, 1))


# --------------------------------------------------------------------------- posix-mq

MESSAGES = ((1, "low"), (9, "urgent"), (5, "normal"), (9, "urgent too"), (0, "bulk"))


@role
def pmq_parent(name: str) -> None:
    """Create the queue, fork a child that sends with priorities, then (after go) receive."""
    mqd = posix_mq.open(name, create=True, exclusive=True, mode=0o600, maxmsg=8, msgsize=64)
    say(f"mq_open({name!r}, O_CREAT | O_EXCL | O_RDWR, 0600, {{mq_maxmsg 8, mq_msgsize 64}}) = {mqd}")
    child = os.fork()
    if child == 0:
        for priority, text in MESSAGES:
            posix_mq.send(mqd, text.encode(), priority=priority)
            say(f"child: mq_send {text!r} priority {priority}")
        os._exit(0)
    os.waitpid(child, 0)
    say(f"child {child} exited; waiting for the go signal (SIGUSR1) before reading")
    wait_for_go()
    while True:
        data, priority = posix_mq.receive(mqd)
        say(f"received {data.decode()!r} priority {priority}")


@role
def pmq_send(name: str, priority: str, text: str) -> None:
    mqd = posix_mq.open(name, writeonly=True)
    posix_mq.send(mqd, text.encode(), priority=int(priority))
    say(f"mq_send {text!r} priority {priority}")
    posix_mq.close(mqd)


@role
def pmq_fill(name: str) -> None:
    """Send without blocking (O_NONBLOCK) until the queue is full: mq_send fails with EAGAIN."""
    mqd = posix_mq.open(name, writeonly=True, nonblock=True)
    sent = 0
    try:
        while True:
            posix_mq.send(mqd, f"filler {sent + 1}".encode(), priority=0)
            sent += 1
    except IpcError as error:
        say(f"sent {sent} messages, then: {error}")
    posix_mq.close(mqd)


# --------------------------------------------------------------------------- posix-semaphore-shm


@role
def psem_hold(sem_name: str) -> None:
    """Take the named semaphore and keep it until the go signal."""
    lock = posix_sem.NamedSemaphore.open(sem_name)
    lock.wait()
    say("sem_wait: holding the semaphore; waiting for the go signal (SIGUSR1)")
    wait_for_go()
    lock.post()
    say("sem_post: released")
    lock.close()


@role
def psem_count(sem_name: str, shm_name: str, times: str, mode: str = "locked") -> None:
    """Add 1 to the counter in shared memory `times` times, under the semaphore unless "unlocked"."""
    locked = mode == "locked"
    lock = posix_sem.NamedSemaphore.open(sem_name)
    if not locked:
        say("ready (no lock!); waiting for the go signal (SIGUSR1)")
        wait_for_go()
    else:
        say("ready; every increment between sem_wait and sem_post")
    for _ in range(int(times)):
        if locked:
            lock.wait()
        value = int.from_bytes(posix_shm.read(shm_name, 0, 8), "little")
        posix_shm.write(shm_name, 0, (value + 1).to_bytes(8, "little"))
        if locked:
            lock.post()
    say(f"done: {times} increments")
    lock.close()


# --------------------------------------------------------------------------- limits


def _sysctl(name: str) -> list[int]:
    with open(f"/proc/sys/kernel/{name}") as handle:
        return [int(x) for x in handle.read().split()]


@role
def msg_fill(msqid: str, size: str) -> None:
    """Send `size`-byte messages with IPC_NOWAIT until the queue's byte limit (qbytes) says no."""
    sent = 0
    try:
        while True:
            msg.send(int(msqid), 1, b"x" * int(size), nowait=True)
            sent += 1
    except IpcError as error:
        say(f"sent {sent} messages of {size} bytes, then: {error}")


@role
def msg_send(msqid: str, mtype: str, size: str) -> None:
    """One blocking msgsnd of `size` bytes (size "msgmax+1" means one byte over MSGMAX)."""
    nbytes = _sysctl("msgmax")[0] + 1 if size == "msgmax+1" else int(size)
    say(f"msgsnd(msqid, &buf, {nbytes}, 0) ...")
    try:
        msg.send(int(msqid), int(mtype), b"y" * nbytes)
    except IpcError as error:
        say(str(error))
        raise SystemExit(1) from None
    say("sent")


@role
def sem_limits(semid: str, unused_key: str) -> None:
    """Ask for more than the limits allow and print each error."""
    semmsl, _semmns, semopm, _semmni = _sysctl("sem")

    def past_semvmx() -> None:
        sem.setval(int(semid), 0, 32767)
        sem.semop(int(semid), [SemOpSpec(0, +1, 0)])

    attempts: list[tuple[str, Callable[[], object]]] = [
        (f"semget(key, {semmsl + 1}, IPC_CREAT | 0600)   /* nsems > SEMMSL {semmsl} */",
         lambda: sem.create(int(unused_key), semmsl + 1, exclusive=True)),
        (f"semop(semid, ops, {semopm + 1})   /* more operations than SEMOPM {semopm} */",
         lambda: sem.semop(int(semid), [SemOpSpec(0, 0, sem.IPC_NOWAIT)] * (semopm + 1))),
        ("semop(semid, {0, +1, 0}, 1) on a value of 32767   /* past SEMVMX */",
         past_semvmx),
    ]
    for call, attempt in attempts:
        try:
            attempt()
            say(f"{call}: succeeded?!")
        except IpcError as error:
            say(f"{call}: {error.errno_name}: {error.explanation}")
        except ValidationError as error:
            say(f"{call}: refused by ipcscope before calling the kernel: {error}")


@role
def enospc_namespace() -> None:
    """In a new, private IPC namespace (root only), lower MSGMNI to 1 and create two queues.

    The namespace and its queue vanish when this process exits: nothing outside is touched.
    """
    libc = ctypes.CDLL(None, use_errno=True)
    if libc.unshare(0x08000000) != 0:  # CLONE_NEWIPC
        say(f"unshare(CLONE_NEWIPC) failed: {os.strerror(ctypes.get_errno())}: needs root; skipped")
        return
    with open("/proc/sys/kernel/msgmni", "w") as handle:
        handle.write("1")
    say("in a private IPC namespace: echo 1 > /proc/sys/kernel/msgmni")
    first = msg.create(0x1234, exclusive=True)
    say(f"msgget(0x1234, IPC_CREAT | 0600) = {first}")
    try:
        msg.create(0x1235, exclusive=True)
        say("msgget(0x1235, ...) succeeded?!")
    except IpcError as error:
        say(f"msgget(0x1235, IPC_CREAT | 0600): {error.errno_name}: {error.explanation}")


# --------------------------------------------------------------------------- pipe-parent-child


@contextlib.contextmanager
def reaping(child: int) -> Iterator[None]:
    """In the parent: however it leaves (SIGTERM at the lab's end, the lifeline), its forked child
    is killed and reaped first, so the lab's stop() finds no child still exiting after its worker."""
    try:
        yield
    finally:
        try:
            # Unreaped (alive or a zombie), the pid is still our child's and cannot be reused;
            # once reaped, waitpid raises and nothing is signalled.
            if os.waitpid(child, os.WNOHANG) == (0, 0):
                os.kill(child, signal.SIGKILL)
                os.waitpid(child, 0)
        except ChildProcessError:
            pass  # already reaped


@role
def pipe_fork(child_write_end: str = "close") -> None:
    """pipe(), fork(): the child reads until EOF; the parent, after the go signal, writes and
    closes its write end. With "keep" the child forgets to close its own write end."""
    r, w = os.pipe()
    say(f"pipe(fd) = 0: fd[0] = {r} (read end), fd[1] = {w} (write end)")
    child = os.fork()
    if child == 0:
        if child_write_end == "keep":
            say(f"child: did NOT close({w}), its copy of the write end")
        else:
            os.close(w)
            say(f"child: close({w})")
        say(f"child: read({r}) until EOF")
        while data := os.read(r, 64):
            say(f"child: read {data!r}")
        say("child: read() returned 0: EOF")
        os._exit(0)
    with reaping(child):
        os.close(r)
        say(f"parent: close({r}); forked child {child}; waiting for the go signal (SIGUSR1)")
        wait_for_go()
        os.write(w, b"hello through the pipe\n")
        os.close(w)
        say(f"parent: wrote a line, close({w}); waitpid({child}) ...")
        _, status = os.waitpid(child, 0)
        say(f"parent: child {child} exited {os.waitstatus_to_exitcode(status)}")


# --------------------------------------------------------------------------- fifo-rendezvous


@role
def fifo_writer(path: str, text: str) -> None:
    say(f"open({path}, O_WRONLY) ... (waits for a reader)")
    fd = os.open(path, os.O_WRONLY)
    say(f"open = {fd}: a reader has it open")
    os.write(fd, f"{text}\n".encode())
    os.close(fd)
    say(f"wrote {text!r}, close({fd})")


@role
def fifo_reader(path: str) -> None:
    say(f"open({path}, O_RDONLY) ... (waits for a writer)")
    fd = os.open(path, os.O_RDONLY)
    say(f"open = {fd}: a writer has it open")
    while data := os.read(fd, 256):
        say(f"read {data!r}")
    os.close(fd)
    say("read() returned 0: EOF (every writer closed)")


# --------------------------------------------------------------------------- unix-socket-echo


@role
def unix_echo_server(path: str, echoes: str) -> None:
    """Bind `path`, accept one client, echo `echoes` messages, then stop reading (but stay)."""
    server = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    server.bind(path)
    server.listen(4)
    say(f"bind({path}); listen(fd, 4) on fd {server.fileno()}; accept() ...")
    conn, _ = server.accept()
    say(f"accept() = {conn.fileno()}")
    for _ in range(int(echoes)):
        data = conn.recv(256)
        if not data:
            break
        conn.sendall(data)
        say(f"echoed {data!r}")
    say("stopped reading; the client's bytes pile up in this socket")
    while True:
        signal.pause()


@role
def unix_echo_client(path: str, echoes: str) -> None:
    """Connect, send `echoes` lines and read each echo; after the go signal, send without reading."""
    client = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    client.connect(path)
    say(f"connect({path}) on fd {client.fileno()}")
    for number in range(1, int(echoes) + 1):
        client.sendall(f"line {number}\n".encode())
        say(f"sent line {number}, echo: {client.recv(256)!r}")
    say("waiting for the go signal (SIGUSR1)")
    wait_for_go()
    for _ in range(10):
        client.sendall(b"x" * 1000)
    say("sent 10 x 1000 bytes nobody reads")
    while True:
        signal.pause()


# --------------------------------------------------------------------------- socketpair-duplex


@role
def socketpair_fork() -> None:
    """socketpair(), fork(): both processes write first, then (after the go signal) both read."""
    parent_end, child_end = socket.socketpair(socket.AF_UNIX, socket.SOCK_STREAM)
    say(f"socketpair(AF_UNIX, SOCK_STREAM, 0, sv) = 0: sv[0] = {parent_end.fileno()}, sv[1] = {child_end.fileno()}")
    child = os.fork()
    with reaping(child) if child else contextlib.nullcontext():
        me, mine, other = ("child", child_end, parent_end) if child == 0 else ("parent", parent_end, child_end)
        other_fd = other.fileno()
        other.close()
        mine.sendall(f"hello from the {me}\n".encode())
        if child != 0:
            say(f"parent: forked child {child}")
        say(f"{me}: close({other_fd}); wrote a line into fd {mine.fileno()}, not reading yet")
        wait_for_go()
        if child != 0:
            os.kill(child, signal.SIGUSR1)  # the go, passed on
        say(f"{me}: read {mine.recv(256)!r}")
        if child == 0:
            os._exit(0)
        _, status = os.waitpid(child, 0)
        say(f"parent: child {child} exited {os.waitstatus_to_exitcode(status)}")


# --------------------------------------------------------------------------- tcp-local


@role
def tcp_server(backlog: str) -> None:
    """Listen on 127.0.0.1, a port the kernel picks; accept only after the go signal."""
    server = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    server.bind(("127.0.0.1", 0))
    server.listen(int(backlog))
    say(f"bind(127.0.0.1:0); listen(fd, {backlog}): listening on port {server.getsockname()[1]}")
    say("not accepting yet: waiting for the go signal (SIGUSR1)")
    wait_for_go()
    while True:
        conn, peer = server.accept()
        data = conn.recv(256)
        conn.sendall(b"HELLO " + data.upper())
        conn.close()
        say(f"accepted {peer[0]}:{peer[1]}, read {data!r}, replied, closed")


@role
def tcp_client(port: str, text: str) -> None:
    client = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    client.connect(("127.0.0.1", int(port)))
    client.sendall(text.encode())
    say(f"connect(127.0.0.1:{port}) = 0 from port {client.getsockname()[1]}; sent {text!r}; recv() ...")
    say(f"reply: {client.recv(256)!r}")


# --------------------------------------------------------------------------- plumbing


def _exit_cleanly(signum: int, _frame: object) -> None:
    reason = "the lab session ended" if signum == signal.SIGIO else signal.Signals(signum).name
    # os.write, not print: the signal may have interrupted a print of the main program.
    os.write(1, f"[{os.getpid()}] {reason}: exiting\n".encode())
    raise SystemExit(0)


def _watch_lifeline() -> None:
    """Ask the kernel for SIGIO when the session's end of the lifeline pipe closes."""
    value = os.environ.get("IPCSCOPE_LAB_LIFELINE")
    if not value:
        return
    fd = int(value)
    # A worker leads its own process group: SIGIO goes to the whole group, so a child it forked
    # (pipe-parent-child) exits with it.
    owner = -os.getpid() if os.getpgid(0) == os.getpid() else os.getpid()
    fcntl.fcntl(fd, fcntl.F_SETOWN, owner)
    fcntl.fcntl(fd, fcntl.F_SETFL, fcntl.fcntl(fd, fcntl.F_GETFL) | os.O_ASYNC | os.O_NONBLOCK)
    readable, _, _ = select.select([fd], [], [], 0)
    if readable:  # the session died before we were watching
        _exit_cleanly(signal.SIGIO, None)


def main(argv: list[str]) -> int:
    if not argv or argv[0] not in ROLES:
        print(f"usage: python -m ipcscope.labs.workers ROLE ARGS...; roles: {', '.join(sorted(ROLES))}",
              file=sys.stderr)
        return 2
    signal.pthread_sigmask(signal.SIG_BLOCK, {signal.SIGUSR1})
    for signum in (signal.SIGTERM, signal.SIGINT, signal.SIGIO):
        signal.signal(signum, _exit_cleanly)
    _watch_lifeline()
    try:
        ROLES[argv[0]](*argv[1:])
    except IpcError as error:
        say(f"failed: {error}")
        return 1
    except OSError as error:
        if error.errno == errno.EINTR:
            return 0
        raise
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
