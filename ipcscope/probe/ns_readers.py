"""Reading the System V objects, POSIX queues and limits of another IPC namespace.

/proc/sysvipc/*, the IPC sysctls, semctl/msgctl and a new mqueue mount all address the IPC
namespace of the *thread* that opens or calls them, at that moment (ipc/util.c
sysvipc_proc_open). So each namespace gets one long-lived reader that joined it and serves every
poll (never a fork per poll):
- as root, a `ThreadReader`: a thread of this process that called setns(CLONE_NEWIPC);
- without root, for the user's own rootless containers, a `HelperReader`: a small single-threaded
  process that joined the container's user namespace first (the kernel refuses that to a threaded
  process), then its IPC namespace, and answers over a pipe in JSON.
A reader holds its namespace alive, so readers of namespaces whose processes are gone are closed
(see ipcscope.probe.ns_snapshot). POSIX shm and named semaphores are not here: they are files of
the member's mount namespace, read through /proc/PID/root/dev/shm.

`collect_here` is the work itself, in whatever namespace the calling thread is in.
"""

from __future__ import annotations

import json
import os
import queue
import subprocess
import sys
import threading
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any, TypeVar

from ipcscope.core.errors import IpcError
from ipcscope.model import LimitRow, Limits, PosixQueue, Semaphore
from ipcscope.probe import limits as limits_module
from ipcscope.probe import mqueue, sysv
from ipcscope.probe._fast import build_rows
from ipcscope.probe.names import NameCache

SYSV_KINDS = ("shm", "msg", "sem")
T = TypeVar("T")


@dataclass
class Collected:
    """What one namespace holds, before its objects are built (and stamped with the namespace)."""

    #: kind -> model field -> one value per object (see sysv.parse_columns)
    columns: dict[str, dict[str, list[Any]]] = field(default_factory=dict)
    #: POSIX queues as field dicts
    queues: list[dict[str, Any]] = field(default_factory=list)
    mqueue_source: str = "none"
    limits: Limits = field(default_factory=Limits)
    warnings: list[str] = field(default_factory=list)


class MqueueAccess:
    """The namespace's queues: a private detached mqueue mount made once in the namespace and kept
    (listing it again costs a readdir), else an mqueue mount a member process has (Docker mounts
    one at /dev/mqueue), reached through /proc/PID/root."""

    def __init__(self, member: int | None, proc_root: str = "/proc") -> None:
        self.member = member
        self.proc_root = proc_root
        self.fd: int | None = None
        self.failed = ""

    def list(self, reader: mqueue._QueueReader) -> tuple[list[PosixQueue], str, list[str]]:
        if self.fd is None and not self.failed:
            from ipcscope.core import mount

            try:
                self.fd = mount.open_detached_mqueue()
            except IpcError as error:
                self.failed = str(error)
        if self.fd is not None:
            return mqueue.list_directory(self.fd, reader), "detached", []
        mounted = self._member_mount()
        if mounted is not None:
            try:
                return mqueue.list_mount(mounted, reader), f"mount:{mounted}", []
            except OSError as error:
                return [], "none", [f"POSIX queues: cannot list {mounted}: {error.strerror}"]
        return [], "none", [f"POSIX queues are not listed: no mqueue mount in the namespace and a "
                            f"private one failed ({self.failed})"]

    def _member_mount(self) -> str | None:
        if self.member is None:
            return None
        base = f"{self.proc_root}/{self.member}"
        try:
            with open(f"{base}/mountinfo") as handle:
                point = mqueue.find_mqueue_mount(handle.read())
        except OSError:
            return None
        return f"{base}/root{point}" if point else None

    def close(self) -> None:
        if self.fd is not None:
            os.close(self.fd)
            self.fd = None


def collect_here(kinds: Iterable[str], details: bool, names: NameCache,
                 mq: MqueueAccess | None) -> Collected:
    """System V objects, queues (when "pmq" is in `kinds`) and limits of the calling thread's IPC
    namespace. The columns keep the kernel's numbers (uids as this thread's user namespace maps
    them); `names` fills owner and group."""
    wanted = set(kinds)
    out = Collected()
    for kind in SYSV_KINDS:
        if kind not in wanted:
            continue
        columns, more = sysv.read_columns("/proc", kind, names)
        out.warnings += more
        if details and columns["id"] and kind in ("sem", "msg"):
            from ipcscope.probe import details as sysv_details

            if kind == "sem":
                columns["semaphores"], more = sysv_details.semaphore_values(columns["id"])
            else:
                columns["qbytes"], more = sysv_details.queue_limits(columns["id"])
            out.warnings += more
        out.columns[kind] = columns
    if "pmq" in wanted and mq is not None:
        reader = mqueue._QueueReader(names, live=True, attrs=details)
        queues, out.mqueue_source, more = mq.list(reader)
        out.queues = [dict(vars(q)) for q in sorted(queues, key=lambda q: q.name)]
        out.warnings += more + reader.warnings()
    counts = {kind: len(out.columns[kind]["id"]) for kind in out.columns}
    complete_mq = out.mqueue_source == "detached" or out.mqueue_source.startswith("mount:")
    usage = limits_module.Usage(
        msg_queues=counts.get("msg"), shm_segments=counts.get("shm"),
        shm_pages=limits_module.shm_pages(out.columns["shm"]["size"]) if "shm" in out.columns else None,
        sem_sets=counts.get("sem"),
        semaphores=sum(out.columns["sem"]["nsems"]) if "sem" in out.columns else None,
        posix_queues=len(out.queues) if "pmq" in wanted and complete_mq else None,
    )
    out.limits, more = limits_module.read_limits("/proc", usage)
    out.warnings += more
    return out


def peek_types_here(msqids: Iterable[int]) -> dict[int, tuple[int, ...]]:
    """msqid -> queued message types (MSG_COPY, never consumed) in the calling thread's namespace;
    queues that cannot be peeked are left out."""
    from ipcscope.core import msg

    types: dict[int, tuple[int, ...]] = {}
    for msqid in msqids:
        try:
            types[msqid] = tuple(message.mtype for message in msg.peek_all(msqid))
        except IpcError:
            continue
    return types


# --------------------------------------------------------------------------- JSON, for helpers

_SEMAPHORE_FIELDS = ("num", "value", "ncnt", "zcnt", "pid")


def collected_to_json(found: Collected) -> dict[str, Any]:
    columns = {}
    for kind, values in found.columns.items():
        values = dict(values)
        if "semaphores" in values:
            values["semaphores"] = [
                None if sems is None else [[s.num, s.value, s.ncnt, s.zcnt, s.pid] for s in sems]
                for sems in values["semaphores"]]
        columns[kind] = values
    return {"columns": columns, "queues": found.queues, "mqueue_source": found.mqueue_source,
            "limits": [[r.resource, r.description, r.limit, r.used, r.unit] for r in found.limits.rows],
            "warnings": found.warnings}


def collected_from_json(data: dict[str, Any]) -> Collected:
    columns = {}
    for kind, values in data["columns"].items():
        if "semaphores" in values:
            values["semaphores"] = [
                None if rows is None else tuple(build_rows(Semaphore, _SEMAPHORE_FIELDS, map(tuple, rows)))
                for rows in values["semaphores"]]
        columns[kind] = values
    limits = Limits(rows=tuple(LimitRow(*row) for row in data["limits"]))
    return Collected(columns, list(data["queues"]), str(data["mqueue_source"]), limits,
                     [str(w) for w in data["warnings"]])


# --------------------------------------------------------------------------- readers


class ReaderFailed(Exception):
    """The reader could not join its namespace, or died: the message says why."""


class ThreadReader:
    """A thread that joined one IPC namespace and runs what it is given there, one at a time."""

    def __init__(self, inode: int, pid: int, *, mount_fallback: bool = True) -> None:
        self.inode = inode
        self.pid = pid
        self._jobs: queue.SimpleQueue[tuple[Callable[[], Any], queue.SimpleQueue[Any]] | None] = queue.SimpleQueue()
        self._names = NameCache()
        self._mq = MqueueAccess(pid) if mount_fallback else None
        ready: queue.SimpleQueue[str] = queue.SimpleQueue()
        self._thread = threading.Thread(target=self._serve, args=(ready,), daemon=True,
                                        name=f"ipcscope-ns-{inode}")
        self._thread.start()
        failure = ready.get()
        if failure:
            raise ReaderFailed(failure)

    def _serve(self, ready: queue.SimpleQueue[str]) -> None:
        try:
            join_ipc_namespace(self.pid, self.inode)
        except (IpcError, ReaderFailed) as error:
            ready.put(str(error) or "could not join")
            return
        ready.put("")
        while True:
            job = self._jobs.get()
            if job is None:
                if self._mq is not None:
                    self._mq.close()
                return
            work, answer = job
            try:
                answer.put((True, work()))
            except BaseException as error:  # noqa: BLE001 - handed back to the caller
                answer.put((False, error))

    def submit(self, work: Callable[[], T]) -> Callable[[], T]:
        """Start `work` in the namespace; the returned function waits for its result."""
        answer: queue.SimpleQueue[tuple[bool, Any]] = queue.SimpleQueue()
        self._jobs.put((work, answer))

        def result() -> T:
            ok, value = answer.get()
            if not ok:
                raise value
            return value  # type: ignore[no-any-return]

        return result

    def collect(self, kinds: Iterable[str], details: bool) -> Callable[[], Collected]:
        kinds = tuple(kinds)
        return self.submit(lambda: collect_here(kinds, details, self._names, self._mq))

    def peek(self, msqids: Iterable[int]) -> Callable[[], dict[int, tuple[int, ...]]]:
        ids = tuple(msqids)
        return self.submit(lambda: peek_types_here(ids))

    #: a thread's results keep this process's view of uids: nothing to translate
    translates_ids = False

    def close(self) -> None:
        """End the thread: the namespace is then no longer held by this process."""
        self._jobs.put(None)
        self._thread.join(timeout=5)


def join_ipc_namespace(pid: int, inode: int) -> None:
    """setns(CLONE_NEWIPC) of this thread into `pid`'s IPC namespace, which must be `inode`
    (the pid may have been reused since the namespace was found)."""
    from ipcscope.core import namespaces as ns

    fd = ns.open_namespace(pid, "ipc")
    try:
        if ns.namespace_inode(fd) != inode:
            raise ReaderFailed(f"pid {pid} is no longer in ipc:[{inode}]")
        ns.setns(fd, ns.CLONE_NEWIPC, f'open("/proc/{pid}/ns/ipc")')
    finally:
        os.close(fd)


class HelperReader:
    """A helper process (`python -m ipcscope.probe.ns_helper`) in the namespace, for a user
    without root: it joined the user namespace that owns the IPC namespace, then the IPC
    namespace. One JSON request and one JSON answer per line; it exits when our end closes."""

    translates_ids = True

    def __init__(self, inode: int, pid: int, python: str | None = None) -> None:
        self.inode = inode
        self.pid = pid
        self._lock = threading.Lock()
        self._process = subprocess.Popen(
            [python or sys.executable, "-m", "ipcscope.probe.ns_helper", str(pid), str(inode)],
            stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
            start_new_session=True, env=_helper_environment())
        hello = self._read()
        if not hello.get("ok"):
            self.close()
            raise ReaderFailed(str(hello.get("error", "the helper could not join the namespace")))

    def _read(self) -> dict[str, Any]:
        assert self._process.stdout is not None
        line = self._process.stdout.readline()
        if not line:
            self._process.wait(timeout=5)
            error = (self._process.stderr.read() if self._process.stderr else b"").decode(errors="replace")
            last = error.strip().splitlines()[-1:] or [f"exit status {self._process.returncode}"]
            raise ReaderFailed(f"the helper process ended: {last[0]}")
        answer = json.loads(line)
        if not isinstance(answer, dict):
            raise ReaderFailed("the helper process answered something else than an object")
        return answer

    def _send(self, request: dict[str, Any]) -> Callable[[], dict[str, Any]]:
        """Send one request; the returned function reads its answer (one request at a time, so
        several helpers work at once while the caller waits for the first)."""
        self._lock.acquire()
        assert self._process.stdin is not None
        try:
            self._process.stdin.write(json.dumps(request).encode() + b"\n")
            self._process.stdin.flush()
        except OSError as error:
            self._lock.release()
            raise ReaderFailed(f"the helper process is gone: {error.strerror}") from None

        def answer() -> dict[str, Any]:
            try:
                reply = self._read()
            finally:
                self._lock.release()
            if not reply.get("ok"):
                raise ReaderFailed(str(reply.get("error")))
            return reply

        return answer

    def collect(self, kinds: Iterable[str], details: bool) -> Callable[[], Collected]:
        answer = self._send({"op": "collect", "kinds": list(kinds), "details": details})
        return lambda: collected_from_json(answer()["result"])

    def peek(self, msqids: Iterable[int]) -> Callable[[], dict[int, tuple[int, ...]]]:
        answer = self._send({"op": "peek", "ids": list(msqids)})
        return lambda: {int(k): tuple(v) for k, v in answer()["result"].items()}

    def close(self) -> None:
        process = self._process
        for stream in (process.stdin, process.stdout, process.stderr):
            if stream is not None:
                try:
                    stream.close()
                except OSError:
                    pass
        try:
            process.wait(timeout=2)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(timeout=5)


def _helper_environment() -> dict[str, str]:
    """This process's environment with this ipcscope first on the path (the same code runs)."""
    import ipcscope

    env = dict(os.environ)
    root = os.path.dirname(os.path.dirname(os.path.abspath(ipcscope.__file__)))
    env["PYTHONPATH"] = os.pathsep.join(p for p in (root, env.get("PYTHONPATH")) if p)
    return env


Reader = ThreadReader | HelperReader


def open_reader(inode: int, pids: Iterable[int], python: str | None = None) -> Reader:
    """A reader of namespace `inode` through one of its member `pids`; ReaderFailed (saying why)
    when none can be had. Root joins from a thread; another user needs the namespace to belong
    to a user namespace they own (their rootless container), joined by a helper process."""
    reasons: list[str] = []
    for pid in list(pids)[:3]:
        try:
            if os.geteuid() == 0:
                return ThreadReader(inode, pid)
            why = helper_refusal(pid, inode)
            if why:
                raise ReaderFailed(why)
            return HelperReader(inode, pid, python)
        except ReaderFailed as error:
            reasons.append(str(error))
    raise ReaderFailed(reasons[0] if reasons else "no process of it can be inspected")


def helper_refusal(pid: int, inode: int) -> str:
    """Why a user without root may not enter `pid`'s IPC namespace ("" when a helper can): it
    must belong to a user namespace this user created, other than the one they are in."""
    from ipcscope.core import namespaces as ns

    try:
        ipc_fd = ns.open_namespace(pid, "ipc")
    except IpcError as error:
        return f"its processes cannot be inspected ({error.errno_name}): needs root"
    try:
        if ns.namespace_inode(ipc_fd) != inode:
            return f"pid {pid} is no longer in ipc:[{inode}]"
        try:
            user_fd = ns.owning_user_namespace(ipc_fd)
        except IpcError:
            return "it belongs to a user namespace above yours: needs root"
        try:
            if os.fstat(user_fd).st_ino == os.stat("/proc/self/ns/user").st_ino:
                return "it belongs to your own user namespace: joining it needs root (CAP_SYS_ADMIN)"
            owner = ns.user_namespace_owner(user_fd)
        finally:
            os.close(user_fd)
    finally:
        os.close(ipc_fd)
    if owner != os.geteuid():
        return f"its user namespace belongs to uid {owner}: needs root"
    return ""
