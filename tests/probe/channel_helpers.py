"""Scenario plumbing for the channel tests: real pipes, FIFOs and sockets between forked children,
a scanner that collects channels, polling until the kernel shows the expected state, and running a
scenario in a private pid namespace (where every process can be inspected, so "no read end" is
certain: here pid 1 of the machine refuses even root its descriptors)."""

from __future__ import annotations

import ctypes
import os
import pickle
import shutil
import tempfile
import time
import traceback
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from typing import Any

from ipcscope.model import ChannelScan, Fifo, InetSocket, Pipe, ProcessScan, Snapshot, UnixSocket
from ipcscope.probe.processes import ProcessScanner
from tests.helpers import ChildResult

CLONE_NEWNS = 0x00020000
CLONE_NEWPID = 0x20000000
MS_REC = 0x4000
MS_PRIVATE = 1 << 18


def empty_snapshot() -> Snapshot:
    return Snapshot(taken_at=time.time(), mqueue_source="detached")


def scanner(fifo_dirs: Iterable[str] = (), proc_root: str = "/proc") -> ProcessScanner:
    """A scanner whose FIFO walk covers only `fifo_dirs` (a test's private directory). For the
    /proc of `in_pid_namespace`, which shares no channel with the outside, it says so."""
    return ProcessScanner(proc_root=proc_root, fifo_dirs=tuple(fifo_dirs),
                          pid_namespace_closed=proc_root != "/proc")


def poll_channels(scan_with: ProcessScanner, ready: Callable[[ChannelScan], bool], timeout: float = 10.0,
                  kinds: Iterable[str] | None = None) -> ProcessScan:
    """Scan until `ready(scan.channels)`; fail after `timeout` seconds."""
    deadline = time.monotonic() + timeout
    wanted = None if kinds is None else tuple(kinds)
    while True:
        scan = scan_with.scan(empty_snapshot(), wanted)  # type: ignore[arg-type]
        assert scan.channels is not None
        if ready(scan.channels):
            return scan
        if time.monotonic() > deadline:
            raise AssertionError(f"the scan never showed the expected channels; notes: {scan.channels.notes}")
        time.sleep(0.01)


def pipe_of(channels: ChannelScan, fd: int) -> Pipe | None:
    """The pipe whose inode is that of our descriptor `fd`."""
    inode = os.fstat(fd).st_ino
    return next((p for p in channels.pipes if p.inode == inode), None)


def fifo_at(channels: ChannelScan, path: str) -> Fifo | None:
    inode = os.stat(path).st_ino
    return next((f for f in channels.fifos if f.inode == inode), None)


def unix_of(channels: ChannelScan, inode: int) -> UnixSocket | None:
    return next((s for s in channels.unix if s.inode == inode), None)


def inet_of(channels: ChannelScan, inode: int) -> InetSocket | None:
    return next((s for s in channels.inet if s.inode == inode), None)


def socket_inode(sock: Any) -> int:
    return os.fstat(sock.fileno()).st_ino


def fdinfo_mode(pid: int, fd: int) -> str:
    """The end as fdinfo's `flags & 3` says (the reference the probe's lstat must agree with)."""
    with open(f"/proc/{pid}/fdinfo/{fd}") as handle:
        for line in handle:
            if line.startswith("flags:"):
                return {0: "r", 1: "w", 2: "rw"}[int(line.split()[1], 8) & 3]
    raise AssertionError("no flags line")


def wait_for_state(pid: int, wchan_part: str, timeout: float = 10.0) -> None:
    """Until the (single-threaded) process sleeps with `wchan_part` in its wchan."""
    deadline = time.monotonic() + timeout
    while True:
        try:
            with open(f"/proc/{pid}/wchan") as handle:
                if wchan_part in handle.read():
                    return
        except OSError:
            pass
        if time.monotonic() > deadline:
            raise AssertionError(f"pid {pid} never slept in {wchan_part}")
        time.sleep(0.005)


@contextmanager
def private_dir() -> Iterator[str]:
    """A directory of our own under /tmp, removed with everything in it afterwards."""
    path = tempfile.mkdtemp(prefix="ipcscope_channels_")
    try:
        yield path
    finally:
        shutil.rmtree(path, ignore_errors=True)


# --------------------------------------------------------------------------- pid namespaces


def in_pid_namespace(fn: Callable[[str], Any]) -> Any:
    """Run `fn(proc_root)` as pid 1 of a new pid namespace with its own procfs mounted at
    proc_root, sharing no channel with the outside (the result comes back in a file, not a pipe);
    return its result or re-raise its error. Root only. When fn returns, the namespace ends and
    the kernel kills whatever it left running."""
    libc = ctypes.CDLL(None, use_errno=True)
    workdir = tempfile.mkdtemp(prefix="ipcscope_pidns_")
    proc_root, result_path = f"{workdir}/proc", f"{workdir}/result"
    os.mkdir(proc_root)
    try:
        outer = os.fork()
        if outer == 0:
            status = 1
            try:
                if libc.unshare(CLONE_NEWPID | CLONE_NEWNS) != 0:
                    raise OSError(ctypes.get_errno(), "unshare")
                # no fork before `inner`: the first child made now is the namespace's pid 1
                if libc.mount(None, b"/", None, MS_REC | MS_PRIVATE, None) != 0:
                    raise OSError(ctypes.get_errno(), "mount --make-rprivate /")
                inner = os.fork()
                if inner == 0:
                    _run_as_init(fn, proc_root, result_path)
                _, code = os.waitpid(inner, 0)
                status = os.waitstatus_to_exitcode(code)
            finally:
                os._exit(status)
        os.waitpid(outer, 0)
        try:
            with open(result_path, "rb") as handle:
                result: ChildResult = pickle.load(handle)
        except FileNotFoundError:
            raise AssertionError("the pid namespace's process died without a result") from None
    finally:
        shutil.rmtree(workdir, ignore_errors=True)
    if result.error is not None:
        raise AssertionError(result.error_text)
    return result.value


def _run_as_init(fn: Callable[[str], Any], proc_root: str, result_path: str) -> None:
    result = ChildResult()
    # share no channel with the outside: /dev/null as 0, 1, 2 and nothing else inherited
    null = os.open("/dev/null", os.O_RDWR)
    for target in (0, 1, 2):
        os.dup2(null, target)
    os.closerange(3, 65536)
    try:
        libc = ctypes.CDLL(None, use_errno=True)
        if libc.mount(b"proc", proc_root.encode(), b"proc", 0, None) != 0:
            raise OSError(ctypes.get_errno(), "mount -t proc")
        result.value = fn(proc_root)
    except BaseException as error:  # noqa: BLE001 - everything goes back to the test
        result.error = RuntimeError(repr(error))
        result.error_text = traceback.format_exc()
    try:
        payload = pickle.dumps(result)
    except Exception as error:  # noqa: BLE001
        payload = pickle.dumps(ChildResult(error=RuntimeError(f"unpicklable: {error!r}"),
                                           error_text=repr(error)))
    with open(result_path, "wb") as handle:
        handle.write(payload)
    os._exit(0)
