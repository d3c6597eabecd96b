"""The one exception type for kernel errors: errno, the call as C writes it, and what it means.

`explain(errno, call_name)` gives the plain-language reason for that errno *for that call*
(EIDRM on semop means "the set was removed while waiting"), falling back to strerror.
"""

from __future__ import annotations

import errno as errno_module
import os

# (call name, errno) -> explanation. Call names are the C function names ("semop", "shmat", ...).
# A None call name is the fallback for every call.
_EXPLANATIONS: dict[tuple[str | None, int], str] = {}


def explanation(err: int, call_name: str) -> str:
    """Plain-language meaning of `err` for the C function `call_name`."""
    return (
        _EXPLANATIONS.get((call_name, err))
        or _EXPLANATIONS.get((None, err))
        or os.strerror(err)
    )


def register_explanations(table: dict[tuple[str | None, int], str]) -> None:
    """Add or override explanations (the table below covers every call core wraps)."""
    _EXPLANATIONS.update(table)


def explanations_for(call_name: str) -> dict[int, str]:
    """Every errno with an explanation specific to `call_name` (for previews and help)."""
    return {err: text for (call, err), text in _EXPLANATIONS.items() if call == call_name}


class IpcError(OSError):
    """A failed IPC call. `str()` is one line fit for a terminal or a notification."""

    errno: int  # always set, unlike OSError's

    def __init__(self, err: int, call: str, explanation_text: str | None = None) -> None:
        call_name = call.split("(", 1)[0].strip()
        text = explanation_text or explanation(err, call_name)
        super().__init__(err, text)
        self.call = call
        self.call_name = call_name
        self.explanation = text

    @property
    def errno_name(self) -> str:
        return errno_module.errorcode.get(self.errno, str(self.errno))

    def __str__(self) -> str:
        return f"{self.call} failed: {self.errno_name}: {self.explanation}"

    def __reduce__(self) -> tuple[type[IpcError], tuple[object, ...]]:
        # Keep the call when pickled (errors cross process boundaries from helper processes).
        return (type(self), (self.errno, self.call, self.explanation))


class ValidationError(ValueError):
    """Input rejected before any kernel call; `field` names the form field or CLI argument."""

    def __init__(self, message: str, field: str | None = None) -> None:
        super().__init__(message)
        self.field = field

    def __reduce__(self) -> tuple[type[ValidationError], tuple[str, str | None]]:
        return (type(self), (str(self), self.field))


# --------------------------------------------------------------------------- the table
# One entry per (call, errno) that call can really give, in words for someone who typed the call.
# Shared wording first, then per call. `None` entries are the fallback for any call.

_E = errno_module
_NO_KEY = "no {0} with this key exists (use IPC_CREAT to create it)"
_EXISTS_KEY = "a {0} with this key already exists and IPC_EXCL was given"
_NO_NAME = "no {0} with this name exists (use O_CREAT to create it)"
_EXISTS_NAME = "a {0} with this name already exists and O_EXCL was given"
_BAD_NAME = "the name is not valid: one leading '/', no other '/', at most NAME_MAX characters"
_NOT_OWNER = "only the owner, the creator or root may change or remove the {0}"
_GONE = "no {0} has this id (it was removed, or never existed)"

_TABLE: dict[tuple[str | None, int], str] = {
    (None, _E.EINTR): "interrupted by a signal",
    (None, _E.EFAULT): "a buffer address is invalid",
    (None, _E.EMFILE): "this process has too many open file descriptors (RLIMIT_NOFILE)",
    (None, _E.ENFILE): "the system-wide limit on open files is reached",
    (None, _E.ENAMETOOLONG): "the name is longer than NAME_MAX (255)",
    # keys
    ("ftok", _E.ENOENT): "the path does not exist (ftok needs an existing file)",
    ("ftok", _E.EACCES): "a directory on the path cannot be searched",
    ("ftok", _E.ENOTDIR): "a component of the path is not a directory",
    # shared memory
    ("shmget", _E.EEXIST): _EXISTS_KEY.format("segment"),
    ("shmget", _E.ENOENT): _NO_KEY.format("segment"),
    ("shmget", _E.EACCES): "you lack permission for the segment with this key (see its mode and owner)",
    ("shmget", _E.EINVAL): "the size is out of range: below SHMMIN (1) or above SHMMAX for a new "
    "segment, or larger than the existing segment with this key",
    ("shmget", _E.ENOSPC): "a limit is reached: SHMMNI segments, or SHMALL pages of shared memory in total",
    ("shmget", _E.ENOMEM): "not enough memory for the segment",
    ("shmget", _E.EPERM): "SHM_HUGETLB needs CAP_IPC_LOCK",
    ("shmat", _E.EACCES): "you lack permission to attach: read for SHM_RDONLY, read and write otherwise",
    ("shmat", _E.EINVAL): _GONE.format("segment") + ", or the address is unaligned or unusable",
    ("shmat", _E.EIDRM): "the segment was removed",
    ("shmat", _E.ENOMEM): "no room in the address space for the segment",
    ("shmdt", _E.EINVAL): "no segment is attached at this address",
    ("shmctl", _E.EINVAL): _GONE.format("segment") + ", or the command is not valid",
    ("shmctl", _E.EACCES): "you lack read permission on the segment",
    ("shmctl", _E.EPERM): _NOT_OWNER.format("segment") + " (locking also needs CAP_IPC_LOCK)",
    ("shmctl", _E.ENOMEM): "locking would exceed your RLIMIT_MEMLOCK (SHM_LOCK without CAP_IPC_LOCK)",
    ("shmctl", _E.EIDRM): "the segment was removed",
    ("shmctl", _E.EOVERFLOW): "a value does not fit the structure",
    # message queues
    ("msgget", _E.EEXIST): _EXISTS_KEY.format("queue"),
    ("msgget", _E.ENOENT): _NO_KEY.format("queue"),
    ("msgget", _E.EACCES): "you lack permission for the queue with this key (see its mode and owner)",
    ("msgget", _E.ENOSPC): "the limit of message queues (MSGMNI) is reached",
    ("msgget", _E.ENOMEM): "not enough memory for the queue",
    ("msgsnd", _E.EAGAIN): "the queue is full (cbytes would exceed qbytes, or qnum would) "
    "and IPC_NOWAIT was given",
    ("msgsnd", _E.EIDRM): "the queue was removed while this process was waiting",
    ("msgsnd", _E.EINVAL): _GONE.format("queue") + ", mtype < 1, or the message is larger than MSGMAX",
    ("msgsnd", _E.EACCES): "you lack write permission on the queue",
    ("msgsnd", _E.EINTR): "interrupted by a signal while waiting for room in the queue",
    ("msgsnd", _E.ENOMEM): "not enough memory for the message",
    ("msgsnd", _E.ETIMEDOUT): "the queue stayed full until the timeout (ipcscope's timer: msgsnd has none)",
    ("msgrcv", _E.ENOMSG): "no message of the requested type is queued (IPC_NOWAIT was given), "
    "or MSG_COPY found no message at that index",
    ("msgrcv", _E.E2BIG): "the message is longer than the buffer; use MSG_NOERROR to truncate",
    ("msgrcv", _E.EIDRM): "the queue was removed while this process was waiting",
    ("msgrcv", _E.EINVAL): _GONE.format("queue") + ", or MSG_COPY was used without IPC_NOWAIT, "
    "with MSG_EXCEPT, or on a message larger than the buffer",
    ("msgrcv", _E.EACCES): "you lack read permission on the queue",
    ("msgrcv", _E.EINTR): "interrupted by a signal while waiting for a message",
    ("msgrcv", _E.ENOSYS): "MSG_COPY needs a kernel built with CONFIG_CHECKPOINT_RESTORE",
    ("msgrcv", _E.ETIMEDOUT): "no message of the requested type arrived before the timeout "
    "(ipcscope's timer: msgrcv has none)",
    ("msgctl", _E.EINVAL): _GONE.format("queue") + ", or the command is not valid",
    ("msgctl", _E.EACCES): "you lack read permission on the queue",
    ("msgctl", _E.EPERM): _NOT_OWNER.format("queue")
    + "; raising msg_qbytes above MSGMNB needs CAP_SYS_RESOURCE",
    ("msgctl", _E.EIDRM): "the queue was removed",
    # semaphores
    ("semget", _E.EEXIST): _EXISTS_KEY.format("set"),
    ("semget", _E.ENOENT): _NO_KEY.format("set"),
    ("semget", _E.EACCES): "you lack permission for the set with this key (see its mode and owner)",
    ("semget", _E.EINVAL): "nsems is out of range: 0 or above SEMMSL for a new set, "
    "or larger than the existing set with this key",
    ("semget", _E.ENOSPC): "a limit is reached: SEMMNI sets, or SEMMNS semaphores in total",
    ("semget", _E.ENOMEM): "not enough memory for the set",
}

_SEMOP: dict[int, str] = {
    _E.EIDRM: "the set was removed while this process was waiting",
    _E.EAGAIN: "the operation would block (a semaphore is too low, or not zero for a wait-for-zero) "
    "and IPC_NOWAIT was given",
    _E.EFBIG: "a semaphore number is not below the set's nsems",
    _E.E2BIG: "more operations than SEMOPM allows in one call",
    _E.ERANGE: "a semaphore would exceed SEMVMX (32767), or its SEM_UNDO adjustment would",
    _E.EACCES: "you lack permission: read to wait for zero, write to change a value",
    _E.EINVAL: _GONE.format("set") + ", or no operations were given",
    _E.EINTR: "interrupted by a signal while waiting",
    _E.ENOMEM: "not enough memory for the SEM_UNDO record",
}
_TABLE.update({("semop", err): text for err, text in _SEMOP.items()})
_TABLE.update({("semtimedop", err): text for err, text in _SEMOP.items()})
_TABLE.update({
    ("semtimedop", _E.EAGAIN): "the operation would block: the timeout expired "
    "(or IPC_NOWAIT was given) before the semaphores allowed it",
    ("semtimedop", _E.EINVAL): _GONE.format("set") + ", no operations were given, or the timeout is invalid",
    ("semctl", _E.EINVAL): _GONE.format("set") + ", or the command or semaphore number is not valid",
    ("semctl", _E.ERANGE): "the value is negative or above SEMVMX (32767)",
    ("semctl", _E.EACCES): "you lack permission: read for GET* and IPC_STAT, write for SET*",
    ("semctl", _E.EPERM): _NOT_OWNER.format("set"),
    ("semctl", _E.EIDRM): "the set was removed",
})

_TABLE.update({
    # POSIX message queues
    ("mq_open", _E.EEXIST): _EXISTS_NAME.format("queue"),
    ("mq_open", _E.ENOENT): _NO_NAME.format("queue"),
    ("mq_open", _E.EACCES): "you lack permission to open the queue in this mode",
    ("mq_open", _E.EINVAL): "the name is not valid, or maxmsg/msgsize is 0 or above its limit "
    "(/proc/sys/fs/mqueue/msg_max, msgsize_max for non-root)",
    ("mq_open", _E.EMFILE): "too many open descriptors, or the queue would exceed your RLIMIT_MSGQUEUE",
    ("mq_open", _E.ENOSPC): "the limit of queues (/proc/sys/fs/mqueue/queues_max) is reached",
    ("mq_open", _E.ENOMEM): "not enough memory for the queue",
    ("mq_close", _E.EBADF): "not an open queue descriptor",
    ("mq_getattr", _E.EBADF): "not an open queue descriptor",
    ("mq_setattr", _E.EBADF): "not an open queue descriptor",
    ("mq_unlink", _E.ENOENT): "no queue with this name exists",
    ("mq_unlink", _E.EACCES): "only the queue's owner or root may unlink it",
    ("mq_unlink", _E.EPERM): "only the queue's owner or root may unlink it",
})
for _call in ("mq_send", "mq_timedsend"):
    _TABLE.update({
        (_call, _E.EAGAIN): "the queue is full and was opened non-blocking (O_NONBLOCK)",
        (_call, _E.EMSGSIZE): "the message is longer than the queue's msgsize",
        (_call, _E.EBADF): "the descriptor is not a queue open for writing",
        (_call, _E.EINVAL): "the priority is not below MQ_PRIO_MAX, or the timeout is invalid",
        (_call, _E.ETIMEDOUT): "the queue stayed full until the timeout",
        (_call, _E.EINTR): "interrupted by a signal while waiting for room in the queue",
    })
for _call in ("mq_receive", "mq_timedreceive"):
    _TABLE.update({
        (_call, _E.EAGAIN): "the queue is empty and was opened non-blocking (O_NONBLOCK)",
        (_call, _E.EMSGSIZE): "the buffer is smaller than the queue's msgsize",
        (_call, _E.EBADF): "the descriptor is not a queue open for reading",
        (_call, _E.EINVAL): "the timeout is invalid",
        (_call, _E.ETIMEDOUT): "no message arrived before the timeout",
        (_call, _E.EINTR): "interrupted by a signal while waiting for a message",
    })

_TABLE.update({
    # POSIX shared memory
    ("shm_open", _E.EEXIST): _EXISTS_NAME.format("shared memory object"),
    ("shm_open", _E.ENOENT): _NO_NAME.format("shared memory object"),
    ("shm_open", _E.EACCES): "you lack permission to open the object in this mode",
    ("shm_open", _E.EINVAL): _BAD_NAME,
    ("shm_unlink", _E.ENOENT): "no shared memory object with this name exists",
    ("shm_unlink", _E.EACCES): "you may not unlink it (/dev/shm is sticky: only the owner or root may)",
    ("shm_unlink", _E.EPERM): "you may not unlink it (/dev/shm is sticky: only the owner or root may)",
    ("ftruncate", _E.EFBIG): "the size is too large",
    ("ftruncate", _E.EINVAL): "the size is negative, or the descriptor is not open for writing",
    ("ftruncate", _E.ENOSPC): "/dev/shm is full",
    ("mmap", _E.EACCES): "the descriptor's open mode does not allow this protection",
    ("mmap", _E.ENOMEM): "no room in the address space for the mapping",
    # POSIX named semaphores
    ("sem_open", _E.EEXIST): _EXISTS_NAME.format("semaphore"),
    ("sem_open", _E.ENOENT): _NO_NAME.format("semaphore"),
    ("sem_open", _E.EACCES): "you lack permission for the semaphore (it needs read and write)",
    ("sem_open", _E.EINVAL): "the initial value is above SEM_VALUE_MAX, or the name is not valid",
    ("sem_post", _E.EOVERFLOW): "the value would exceed SEM_VALUE_MAX",
    ("sem_trywait", _E.EAGAIN): "the value is 0, so sem_trywait cannot decrement it without waiting",
    ("sem_timedwait", _E.ETIMEDOUT): "the value stayed 0 until the timeout",
    ("sem_timedwait", _E.EINVAL): "the timeout is invalid",
    ("sem_unlink", _E.ENOENT): "no semaphore with this name exists",
    ("sem_unlink", _E.EACCES): "you may not unlink it (/dev/shm is sticky: only the owner or root may)",
    ("sem_unlink", _E.EPERM): "you may not unlink it (/dev/shm is sticky: only the owner or root may)",
    # the new mount API, for listing POSIX queues through a detached mqueue mount
    ("fsopen", _E.EPERM): "creating a mount needs CAP_SYS_ADMIN (run as root)",
    ("fsopen", _E.ENODEV): "this kernel has no mqueue filesystem (CONFIG_POSIX_MQUEUE)",
    ("fsopen", _E.ENOSYS): "this kernel predates the new mount API (Linux 5.2)",
    ("fsconfig", _E.EPERM): "creating a mount needs CAP_SYS_ADMIN (run as root)",
    ("fsmount", _E.EPERM): "creating a mount needs CAP_SYS_ADMIN (run as root)",
})
register_explanations(_TABLE)
