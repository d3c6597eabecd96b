"""Small, fast readers for the /proc files the process scan needs, and their parsers.

Everything here works on bytes with raw os.open/os.read: the scan reads a few files of every
process on the machine, and Python's buffered text I/O would double its cost. Parsers take the
file content so tests can feed them fixture text (tests/fixtures/proc holds real samples).
"""

from __future__ import annotations

import ctypes
import errno
import fcntl
import os
import struct
from dataclasses import dataclass

from ipcscope.model import SemOpSpec

#: errnos that mean "the kernel refuses to show you this" (mode bits, ptrace checks, LSMs)
DENIED_ERRNOS = frozenset({1, 13})  # EPERM, EACCES

_SMALL = 8192  # status, stat and syscall fit in one read


class Denied(Exception):
    """Reading a /proc file was refused (EACCES or EPERM); `errno` says which."""

    def __init__(self, errno: int) -> None:
        super().__init__(errno)
        self.errno = errno


def read_small(path: str, dir_fd: int | None = None) -> bytes | None:
    """One read of a small /proc file; None when it is gone; raises Denied when refused.

    `dir_fd` (an open /proc/PID) makes the lookup relative: path walks are the expensive part.
    """
    try:
        fd = os.open(path, os.O_RDONLY | os.O_CLOEXEC, dir_fd=dir_fd)
    except OSError as error:
        _raise_if_denied(error)
        return None
    try:
        return os.read(fd, _SMALL)
    except OSError as error:
        _raise_if_denied(error)
        return None
    finally:
        os.close(fd)


def read_link(path: str, dir_fd: int | None = None) -> str | None:
    """readlink, with the same None / Denied convention."""
    try:
        return os.readlink(path, dir_fd=dir_fd)
    except OSError as error:
        _raise_if_denied(error)
        return None


def read_memory(address: int, length: int, path: str = "mem", dir_fd: int | None = None) -> bytes | None:
    """`length` bytes of another process's memory at `address` (pread on /proc/PID/mem).

    Needs ptrace-attach rights (root, or the same uid without Yama restrictions). Returns None
    when the address is not mapped or the process is gone; raises Denied when refused.
    """
    try:
        fd = os.open(path, os.O_RDONLY | os.O_CLOEXEC, dir_fd=dir_fd)
    except OSError as error:
        _raise_if_denied(error)
        return None
    try:
        data = os.pread(fd, length, address)
    except OSError as error:
        _raise_if_denied(error)  # EIO: unmapped address
        return None
    finally:
        os.close(fd)
    return data if len(data) == length else None


def _raise_if_denied(error: OSError) -> None:
    """Denied for a refusal; any other error means the process or the file is gone."""
    if error.errno in DENIED_ERRNOS:
        raise Denied(error.errno) from None


# --------------------------------------------------------------------------- status and stat


@dataclass(frozen=True)
class Status:
    """The fields of /proc/PID/status the scan uses."""

    name: str
    uid: int  # effective uid, as ps shows it
    threads: int
    user_space: bool  # False for kernel threads and zombies: nothing to inspect
    #: False when the main thread has exited while others run on: /proc/PID/maps is then empty
    #: and the memory map must be read through one of the live tasks
    leader_alive: bool = True


def parse_status(data: bytes) -> Status:
    """Parse /proc/PID/status. Raises ValueError when the Name or Uid line is missing."""
    if not data.startswith(b"Name:"):
        raise ValueError("status does not start with Name:")
    name = data[5:data.index(b"\n")].lstrip(b"\t").decode("utf-8", "replace")
    uid_at = data.index(b"\nUid:")
    uid = int(data[uid_at + 5:data.index(b"\n", uid_at + 1)].split()[1])
    threads_at = data.find(b"\nThreads:")
    threads = int(data[threads_at + 9:data.index(b"\n", threads_at + 1)]) if threads_at >= 0 else 1
    # Kernel threads ("Kthread: 1" since 6.x) and zombies have no Vm* lines; so has a process
    # whose main thread exited while others run on (then only its tasks can be read).
    has_memory = b"\nVmSize:" in data
    user_space = b"\nKthread:\t1" not in data and (has_memory or threads > 1)
    return Status(name=name, uid=uid, threads=threads, user_space=user_space, leader_alive=has_memory)


@dataclass(frozen=True)
class Stat:
    """The fields of /proc/PID[/task/TID]/stat the scan uses."""

    comm: str
    state: str  # one letter: R S D T t Z X I ...
    start_time: int  # field 22, clock ticks after boot: with the pid, names a process uniquely
    #: field 39, the CPU the task last ran on: whose scheduler clock its se.exec_start is read on
    cpu: int | None = None


def parse_stat(data: bytes) -> Stat:
    """Parse a stat line. comm may hold spaces and parentheses, so split after the last ')'."""
    open_paren = data.index(b"(")
    close_paren = data.rindex(b")")
    rest = data[close_paren + 2:].split()
    # rest[0] is field 3 (state), so field N is rest[N - 3]
    return Stat(
        comm=data[open_paren + 1:close_paren].decode("utf-8", "replace"),
        state=rest[0].decode(),
        start_time=int(rest[19]),
        cpu=int(rest[36]) if len(rest) > 36 else None,
    )


# --------------------------------------------------------------------------- syscall


@dataclass(frozen=True)
class SyscallLine:
    """A task blocked in a syscall: its number and its six raw argument registers."""

    number: int
    args: tuple[int, ...]


def syscall_number(data: bytes) -> int | None:
    """Just the number of a syscall line (cheap: most tasks sleep in calls that are not waits).
    None for "running"; -1 for a task blocked outside a syscall. ValueError on garbage."""
    space = data.find(b" ")
    return int(data[:space]) if space > 0 else None


def parse_syscall(data: bytes) -> SyscallLine | None:
    """Parse /proc/.../syscall. None for "running", for "-1 SP PC" (blocked outside a syscall)
    and for anything else without six arguments. Raises ValueError on malformed numbers."""
    fields = data.split()
    if len(fields) < 7 or fields[0] == b"running":
        return None
    number = int(fields[0])
    if number < 0:
        return None
    return SyscallLine(number, tuple(int(field, 16) for field in fields[1:7]))


def s32(value: int) -> int:
    """The low 32 bits of a register as a C int (how the kernel reads int arguments)."""
    value &= 0xFFFFFFFF
    return value - (1 << 32) if value & 0x80000000 else value


def s64(value: int) -> int:
    """A register as a C long (msgtyp is signed: -3 shows as 0xfffffffffffffffd)."""
    value &= (1 << 64) - 1
    return value - (1 << 64) if value & (1 << 63) else value


# --------------------------------------------------------------------------- maps


@dataclass(frozen=True)
class Mapping:
    """One /proc/PID/maps line of a shared-memory file: address range, (dev, inode), path."""

    start: int
    end: int
    dev: int
    inode: int
    path: str  # without the " (deleted)" suffix

    def contains(self, address: int) -> bool:
        return self.start <= address < self.end

    @property
    def sysv_key(self) -> int | None:
        """The key at creation time, from the "/SYSV%08x" name; None for other mappings."""
        if self.path.startswith("/SYSV") and len(self.path) == 13:
            try:
                return int(self.path[5:], 16)
            except ValueError:
                return None
        return None


_DELETED = " (deleted)"


def _is_ipc_path(path: str) -> bool:
    return path.startswith("/SYSV") or path.startswith("/dev/shm/")


def parse_maps(data: bytes) -> tuple[list[Mapping], int]:
    """The /SYSV* and /dev/shm/* mappings of a maps file, and how many such lines were unparseable.

    Only lines mentioning those paths are split, so a process with thousands of library mappings
    costs two substring searches, not thousands of splits.
    """
    if b"/SYSV" not in data and b"/dev/shm/" not in data:
        return [], 0
    mappings: list[Mapping] = []
    bad = 0
    for line in data.split(b"\n"):
        if b"/SYSV" not in line and b"/dev/shm/" not in line:
            continue
        # start-end perms offset major:minor inode path (the path may contain spaces)
        fields = line.split(None, 5)
        try:
            start, end = fields[0].split(b"-")
            major, minor = fields[3].split(b":")
            path = fields[5].decode("utf-8", "surrogateescape")
            if path.endswith(_DELETED):
                path = path[: -len(_DELETED)]
            if not _is_ipc_path(path):
                continue
            mappings.append(Mapping(
                start=int(start, 16),
                end=int(end, 16),
                dev=os.makedev(int(major, 16), int(minor, 16)),
                inode=int(fields[4]),
                path=path,
            ))
        except (ValueError, IndexError):
            bad += 1
    return mappings, bad


# PROCMAP_QUERY (Linux 6.11+, include/uapi/linux/fs.h): an ioctl on an open maps file that returns
# the next VMA matching some flags. Asking only for shared file-backed VMAs skips the text
# rendering of every library mapping, which is where reading maps spends its time (a Python
# process has ~130 lines: 150 us as text, ~20 us by query).
_PROCMAP_QUERY_STRUCT = struct.Struct("=QQQQQQQQQIIIIQQ")  # struct procmap_query, 104 bytes
_U64 = struct.Struct("=Q")
# from offset 24: vma_start, vma_end, (vma_flags, vma_page_size, vma_offset skipped), inode,
# dev_major, dev_minor, vma_name_size
_QUERY_ANSWER = struct.Struct("=QQ24xQIII")
_PROCMAP_QUERY = (3 << 30) | (_PROCMAP_QUERY_STRUCT.size << 16) | (ord("f") << 8) | 17  # _IOWR('f', 17, ...)
_QUERY_SHARED_FILES = 0x08 | 0x10 | 0x20  # VMA_SHARED | COVERING_OR_NEXT_VMA | FILE_BACKED_VMA
_NAME_SIZE = 4096  # PATH_MAX
_UNSUPPORTED = frozenset({errno.ENOTTY, errno.EINVAL, errno.EOPNOTSUPP})


def new_name_buffer() -> ctypes.Array[ctypes.c_char]:
    """The buffer PROCMAP_QUERY writes mapping names into; one per scan, reused for every query."""
    return ctypes.create_string_buffer(_NAME_SIZE)


def read_maps(path: str, use_query: bool = True, name_buffer: ctypes.Array[ctypes.c_char] | None = None,
              dir_fd: int | None = None) -> tuple[list[Mapping], int, bool] | None:
    """The /SYSV and /dev/shm mappings of a process: (mappings, unparseable lines, whether
    PROCMAP_QUERY is usable on this kernel).

    Uses PROCMAP_QUERY when `use_query`, falling back to the text. None when the process is gone;
    raises Denied when refused (the permission check is made when maps is opened).
    """
    try:
        fd = os.open(path, os.O_RDONLY | os.O_CLOEXEC, dir_fd=dir_fd)
    except OSError as error:
        _raise_if_denied(error)
        return None
    try:
        supported = False
        if use_query:
            try:
                return _query_shared_mappings(fd, name_buffer or new_name_buffer()), 0, True
            except _QueryFailed as failure:
                supported = not failure.unsupported
        chunks = []
        while chunk := os.read(fd, 65536):
            chunks.append(chunk)
        return (*parse_maps(b"".join(chunks)), supported)
    except OSError as error:
        _raise_if_denied(error)
        return None
    finally:
        os.close(fd)


class _QueryFailed(Exception):
    def __init__(self, unsupported: bool) -> None:
        super().__init__(unsupported)
        self.unsupported = unsupported


def _query_shared_mappings(fd: int, name: ctypes.Array[ctypes.c_char]) -> list[Mapping]:
    """Walk the shared file-backed VMAs with PROCMAP_QUERY.

    Raises _QueryFailed when the kernel lacks the ioctl (or cannot describe a VMA: then the text
    is read instead, for this process only).
    """
    name_address = ctypes.addressof(name)
    template = _PROCMAP_QUERY_STRUCT.pack(
        _PROCMAP_QUERY_STRUCT.size, _QUERY_SHARED_FILES, 0,
        0, 0, 0, 0, 0, 0, 0, 0, _NAME_SIZE, 0, name_address, 0)
    mappings: list[Mapping] = []
    address = 0
    while True:
        query = bytearray(template)
        _U64.pack_into(query, 16, address)  # query_addr
        try:
            fcntl.ioctl(fd, _PROCMAP_QUERY, query, True)
        except OSError as error:
            if error.errno == errno.ENOENT:  # no more matching VMAs
                return mappings
            if error.errno in DENIED_ERRNOS or error.errno == errno.ESRCH:
                raise
            raise _QueryFailed(unsupported=error.errno in _UNSUPPORTED) from None
        start, end, inode, major, minor, name_size = _QUERY_ANSWER.unpack_from(query, 24)
        # name_size counts the NUL; string_at copies just the name, not the whole buffer
        path = ctypes.string_at(name_address, max(name_size - 1, 0)).decode("utf-8", "surrogateescape")
        if path.endswith(_DELETED):
            path = path[: -len(_DELETED)]
        if _is_ipc_path(path):
            mappings.append(Mapping(start, end, os.makedev(major, minor), inode, path))
        address = end


# --------------------------------------------------------------------------- sembuf

# struct sembuf { unsigned short sem_num; short sem_op; short sem_flg; }: flags read unsigned
_SEMBUF = struct.Struct("=HhH")
SEMBUF_SIZE = _SEMBUF.size


def decode_sembufs(data: bytes) -> tuple[SemOpSpec, ...]:
    """Decode an array of struct sembuf read from a waiter's memory."""
    return tuple(
        SemOpSpec(num, op, flags)
        for num, op, flags in _SEMBUF.iter_unpack(data[: len(data) - len(data) % SEMBUF_SIZE])
    )


def parse_exec_start(raw: bytes) -> float | None:
    """`se.exec_start` (ms, the scheduler's clock) from a /proc/PID/task/TID/sched file: when
    the task last started running. None when the line is missing (no CONFIG_SCHED_DEBUG) or odd."""
    for line in raw.splitlines():
        if line.startswith(b"se.exec_start"):
            _, _, value = line.partition(b":")
            try:
                return float(value)
            except ValueError:
                return None
    return None


def proc_hidepid(mountinfo: str, mount_point: str) -> str:
    """The hidepid= option of the proc mount at `mount_point` in a mountinfo text ("" when off).

    Kernels since 5.8 say "noaccess", "invisible" or "ptraceable"; older ones "1" and "2", which
    are returned as the new names. The option is a super option, after the " - fstype source".
    """
    found = ""
    for line in mountinfo.splitlines():
        left, sep, right = line.partition(" - ")
        fields, fs = left.split(), right.split()
        if not sep or len(fields) < 5 or len(fs) < 3 or fs[0] != "proc" or fields[4] != mount_point:
            continue
        found = ""  # the last mount on a mount point is the visible one
        for option in fs[2].split(","):
            if option.startswith("hidepid="):
                value = option.partition("=")[2]
                found = {"0": "", "off": "", "1": "noaccess", "2": "invisible"}.get(value, value)
    return found
