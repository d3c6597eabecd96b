"""ctypes mirrors of the kernel/glibc structures, laid out as on 64-bit Linux (x86_64, aarch64).

glibc's `struct shmid_ds` & co. are, on 64-bit Linux, byte-for-byte the kernel's `*64_ds`
structures (the wrappers pass them straight through), so one definition serves both. The only
architecture difference, in `semid64_ds`, comes from `_arch`. Field names follow the kernel.
"""

from __future__ import annotations

import ctypes
from ctypes import c_int, c_long, c_short, c_uint, c_ulong, c_ushort

from ipcscope.core import _arch


class IpcPerm(ctypes.Structure):
    """struct ipc64_perm (48 bytes): mode is 32-bit here, then seq and padding."""

    _fields_ = [
        ("key", c_int),
        ("uid", c_uint),
        ("gid", c_uint),
        ("cuid", c_uint),
        ("cgid", c_uint),
        ("mode", c_uint),
        ("seq", c_ushort),
        ("pad2", c_ushort),
        ("unused1", c_ulong),
        ("unused2", c_ulong),
    ]


class ShmidDs(ctypes.Structure):
    """struct shmid64_ds (112 bytes)."""

    _fields_ = [
        ("shm_perm", IpcPerm),
        ("shm_segsz", ctypes.c_size_t),
        ("shm_atime", c_long),
        ("shm_dtime", c_long),
        ("shm_ctime", c_long),
        ("shm_cpid", c_int),
        ("shm_lpid", c_int),
        ("shm_nattch", c_ulong),
        ("unused4", c_ulong),
        ("unused5", c_ulong),
    ]


class MsqidDs(ctypes.Structure):
    """struct msqid64_ds (120 bytes)."""

    _fields_ = [
        ("msg_perm", IpcPerm),
        ("msg_stime", c_long),
        ("msg_rtime", c_long),
        ("msg_ctime", c_long),
        ("msg_cbytes", c_ulong),
        ("msg_qnum", c_ulong),
        ("msg_qbytes", c_ulong),
        ("msg_lspid", c_int),
        ("msg_lrpid", c_int),
        ("unused4", c_ulong),
        ("unused5", c_ulong),
    ]


def _semid_fields() -> list[tuple[str, type]]:
    times: list[tuple[str, type]]
    if _arch.SEMID_DS_HAS_TIME_PADDING:  # arch/x86/include/uapi/asm/sembuf.h
        times = [("sem_otime", c_long), ("unused1", c_ulong), ("sem_ctime", c_long), ("unused2", c_ulong)]
    else:  # include/uapi/asm-generic/sembuf.h, 64-bit
        times = [("sem_otime", c_long), ("sem_ctime", c_long)]
    return [("sem_perm", IpcPerm), *times, ("sem_nsems", c_ulong), ("unused3", c_ulong), ("unused4", c_ulong)]


class SemidDs(ctypes.Structure):
    """struct semid64_ds (104 bytes on x86_64, 88 on aarch64)."""

    _fields_ = _semid_fields()


class ShmInfo(ctypes.Structure):
    """struct shm_info, filled by shmctl(SHM_INFO): usage, in pages."""

    _fields_ = [
        ("used_ids", c_int),
        ("shm_tot", c_ulong),
        ("shm_rss", c_ulong),
        ("shm_swp", c_ulong),
        ("swap_attempts", c_ulong),
        ("swap_successes", c_ulong),
    ]


class ShmInfo64(ctypes.Structure):
    """struct shminfo64, filled by shmctl(IPC_INFO): the limits."""

    _fields_ = [
        ("shmmax", c_ulong),
        ("shmmin", c_ulong),
        ("shmmni", c_ulong),
        ("shmseg", c_ulong),
        ("shmall", c_ulong),
        ("unused1", c_ulong),
        ("unused2", c_ulong),
        ("unused3", c_ulong),
        ("unused4", c_ulong),
    ]


class MsgInfo(ctypes.Structure):
    """struct msginfo: limits with IPC_INFO; with MSG_INFO, msgpool/msgmap/msgtql become usage."""

    _fields_ = [
        ("msgpool", c_int),
        ("msgmap", c_int),
        ("msgmax", c_int),
        ("msgmnb", c_int),
        ("msgmni", c_int),
        ("msgssz", c_int),
        ("msgtql", c_int),
        ("msgseg", c_ushort),
    ]


class SemInfo(ctypes.Structure):
    """struct seminfo: limits with IPC_INFO; with SEM_INFO, semusz/semaem become usage."""

    _fields_ = [
        ("semmap", c_int),
        ("semmni", c_int),
        ("semmns", c_int),
        ("semmnu", c_int),
        ("semmsl", c_int),
        ("semopm", c_int),
        ("semume", c_int),
        ("semusz", c_int),
        ("semvmx", c_int),
        ("semaem", c_int),
    ]


class Sembuf(ctypes.Structure):
    """struct sembuf (6 bytes)."""

    _fields_ = [("sem_num", c_ushort), ("sem_op", c_short), ("sem_flg", c_short)]


class Timespec(ctypes.Structure):
    _fields_ = [("tv_sec", c_long), ("tv_nsec", c_long)]

    @classmethod
    def from_seconds(cls, seconds: float) -> Timespec:
        nanoseconds = max(0, round(seconds * 1_000_000_000))
        return cls(nanoseconds // 1_000_000_000, nanoseconds % 1_000_000_000)


class MqAttr(ctypes.Structure):
    """struct mq_attr (64 bytes: four longs and four reserved)."""

    _fields_ = [
        ("mq_flags", c_long),
        ("mq_maxmsg", c_long),
        ("mq_msgsize", c_long),
        ("mq_curmsgs", c_long),
        ("reserved", c_long * 4),
    ]


def perm_fields(perm: IpcPerm) -> dict[str, int]:
    """The ipc_perm fields every *Stat dataclass shares; the key unsigned, as ipcs shows it."""
    return {
        "key": perm.key & 0xFFFFFFFF,
        "mode": perm.mode,
        "uid": perm.uid,
        "gid": perm.gid,
        "cuid": perm.cuid,
        "cgid": perm.cgid,
    }


def epoch(seconds: int) -> int | None:
    """Kernel times are 0 when "never"; the model says None."""
    return seconds or None
