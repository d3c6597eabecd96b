"""Safe removal: say what will happen before, and re-check the object right before removing it.

`plan_removal(snapshot, ref)` states the consequences in plain words (who is attached, who gets
EIDRM, what is lost, what "marked dest" or "unlink" really means) for the confirmation.
`remove_checked(expected)` removes the object only if it is still the one that was shown: SysV
ids are reused quickly, so "shm 3" may be someone else's segment by the time the user says yes.
SysV identity is (id, key, ctime) from /proc/sysvipc; POSIX identity is (dev, inode).
"""

from __future__ import annotations

import errno
from dataclasses import dataclass

from ipcscope.actions.common import core_module
from ipcscope.actions.lookup import find_object, sysv_object
from ipcscope.core.errors import IpcError
from ipcscope.format import human_size, iso_time
from ipcscope.model import (
    IpcObject,
    MsgQueue,
    ObjectRef,
    PosixObject,
    PosixQueue,
    ProcessRef,
    SemSet,
    ShmSegment,
    Snapshot,
    SysvObject,
    Waiter,
    format_key,
)

KIND_NOUNS = {
    "shm": "shared memory segment",
    "msg": "message queue",
    "sem": "semaphore set",
    "pmq": "POSIX message queue",
    "pshm": "POSIX shared memory object",
    "psem": "POSIX named semaphore",
}
LISTED = 5


class ObjectChanged(IpcError):
    """The object is gone or is no longer the one that was shown: nothing was removed."""

    def __init__(self, message: str, call: str) -> None:
        super().__init__(errno.ESTALE, call, message)
        self.message = message

    def __str__(self) -> str:
        return self.message

    def __reduce__(self) -> tuple:
        return (type(self), (self.message, self.call))


def removal_call(ref: ObjectRef) -> str:
    """The C call that removes `ref`."""
    return {
        "shm": f"shmctl({ref.ident}, IPC_RMID, NULL)",
        "msg": f"msgctl({ref.ident}, IPC_RMID, NULL)",
        "sem": f"semctl({ref.ident}, 0, IPC_RMID)",
        "pmq": f'mq_unlink("{ref.ident}")',
        "pshm": f'shm_unlink("{ref.ident}")',
        "psem": f'sem_unlink("{ref.ident}")',
    }[ref.kind]


@dataclass(frozen=True)
class RemovalPlan:
    """What removing one object will do, in plain words, for a confirmation dialog or prompt."""

    ref: ObjectRef
    title: str
    call: str
    #: one sentence per consequence, most important first
    consequences: tuple[str, ...]
    #: the object as shown (pass it to remove_checked); None when it is not in the snapshot
    expected: IpcObject | None
    holders: tuple[ProcessRef, ...] = ()
    waiters: tuple[Waiter, ...] = ()

    @property
    def possible(self) -> bool:
        return self.expected is not None

    @property
    def text(self) -> str:
        return "\n".join([self.title, *(f"- {line}" for line in self.consequences)])


def _who(processes: tuple[ProcessRef, ...] | tuple[Waiter, ...]) -> str:
    seen: list[str] = []
    for proc in processes:
        label = f"pid {proc.pid}" + (f" {proc.comm}" if proc.comm else "")
        if label not in seen:
            seen.append(label)
    shown = ", ".join(seen[:LISTED])
    return shown + (f" and {len(seen) - LISTED} more" if len(seen) > LISTED else "")


def _plural(count: int, word: str) -> str:
    return f"{count} {word}" + ("" if count == 1 else "s")


def plan_removal(snapshot: Snapshot, ref: ObjectRef) -> RemovalPlan:
    """The consequences of removing `ref` as `snapshot` shows it."""
    obj = snapshot.find(ref)
    noun = KIND_NOUNS[ref.kind]
    call = removal_call(ref)
    if obj is None:
        return RemovalPlan(ref, f"{noun} {ref.ident} is not there any more", call,
                           ("It is not in the latest view: it was probably removed already.",), None)
    scan = snapshot.processes
    holders = scan.holders_of(ref) if scan else ()
    waiters = tuple(w for w in scan.waiters_of(ref) if w.state == "waiting") if scan else ()
    if isinstance(obj, SysvObject):
        key = format_key(obj.key)
        original = scan.original_key(obj) if scan and isinstance(obj, ShmSegment) else None
        if original is not None and obj.key == 0:  # IPC_RMID made it private; the maps still say
            key += f", was {format_key(original)}"
        title = f"Remove {noun} {obj.id} (key {key}, owner {obj.owner or obj.uid})?"
    else:
        title = f"Unlink {noun} {obj.name} (owner {obj.owner or obj.uid})?"
    lines: list[str] = []
    if isinstance(obj, ShmSegment):
        lines += _shm_lines(obj, holders)
    elif isinstance(obj, MsgQueue):
        lines += _msg_lines(obj, waiters)
    elif isinstance(obj, SemSet):
        lines += _sem_lines(obj, waiters)
    else:
        lines += _posix_lines(obj, holders)
    if scan is None:
        lines.append("Which processes use it is not known (no process scan yet).")
    elif scan.denied:
        lines.append(f"{_plural(scan.denied, 'process')} could not be inspected (other users'); "
                     "they may use it too.")
    return RemovalPlan(ref, title, call, tuple(lines), obj, tuple(holders), waiters)


def _shm_lines(obj: ShmSegment, holders: tuple[ProcessRef, ...]) -> list[str]:
    if obj.dest:
        lines = ["It is already marked for destruction: removing it again changes nothing; "
                 "it is freed when the last process detaches."]
        if obj.nattch:
            who = f" ({_who(holders)})" if holders else ""
            lines.append(f"Still attached: {obj.nattch} (kernel count){who}; they keep using it "
                         "until they detach or exit.")
        return lines
    if obj.nattch == 0:
        return [f"Nothing is attached: the segment and its {human_size(obj.size)} of contents are freed at once."]
    who = f" ({_who(holders)})" if holders else ""
    return [
        f"{_plural(obj.nattch, 'attachment')} (kernel count){who}.",
        "The segment is only marked for destruction (dest): its key becomes IPC_PRIVATE at once, so "
        "nobody new can shmget it, and it is freed at the last detach.",
        "Attached processes keep reading and writing it until they detach or exit.",
    ]


def _waiter_line(waiters: tuple[Waiter, ...], calls: str, counted: int = 0) -> list[str]:
    if waiters:
        return [f"{_plural(len(waiters), 'waiting process')} ({_who(waiters)}) get EIDRM from {calls}."]
    if counted:
        return [f"{_plural(counted, 'waiter')} (kernel count) get EIDRM from {calls}."]
    return []


def _msg_lines(obj: MsgQueue, waiters: tuple[Waiter, ...]) -> list[str]:
    lines = [f"{_plural(obj.qnum, 'message')} ({human_size(obj.cbytes)}) will be lost."
             if obj.qnum else "The queue is empty: no message is lost."]
    lines += _waiter_line(waiters, "msgrcv/msgsnd")
    lines.append(f"Later calls on id {obj.id} fail with EINVAL (or reach a new queue if the id is reused).")
    return lines


def _sem_lines(obj: SemSet, waiters: tuple[Waiter, ...]) -> list[str]:
    counted = sum(s.ncnt + s.zcnt for s in obj.semaphores) if obj.semaphores else 0
    lines = _waiter_line(waiters, "semop", counted)
    if obj.semaphores:
        values = ", ".join(str(s.value) for s in obj.semaphores)
        lines.append(f"The values ({values}) are lost.")
    lines.append("SEM_UNDO adjustments that processes hold for this set are dropped.")
    return lines


def _posix_lines(obj: PosixObject, holders: tuple[ProcessRef, ...]) -> list[str]:
    unlink = {"pmq": "mq_unlink", "pshm": "shm_unlink", "psem": "sem_unlink"}[obj.kind]  # type: ignore[attr-defined]
    lines = [f"{unlink} removes the name {obj.name} at once; nobody new can open it."]
    lost = ""
    if isinstance(obj, PosixQueue) and obj.curmsgs:
        lost = f" with its {_plural(obj.curmsgs, 'message')}"
    if holders:
        lines.append(f"{_plural(len(holders), 'process')} ({_who(holders)}) that have it open keep "
                     f"using it until they close it; it is freed{lost} then.")
    else:
        lines.append(f"If nobody has it open it is freed at once{lost}.")
    if obj.kind == "psem":  # type: ignore[attr-defined]
        lines.append("Processes waiting on it are not woken (unlike a System V set).")
    return lines


# --------------------------------------------------------------------------- the checked removal


def _changed(expected: IpcObject, what: str, call: str) -> ObjectChanged:
    ident = expected.id if isinstance(expected, SysvObject) else expected.name
    return ObjectChanged(f"{expected.kind} {ident} {what}: nothing removed", call)


def remove_checked(expected: IpcObject) -> str:
    """Remove `expected` only if the kernel still shows the same object; say what happened.

    Raises ObjectChanged (an IpcError, errno ESTALE) and removes NOTHING when the object is gone
    or was replaced since it was shown; kernel errors (EPERM, ...) come as IpcError.
    """
    call = removal_call(expected.ref)
    if isinstance(expected, SysvObject):
        return _remove_sysv(expected, call)
    return _remove_posix(expected, call)


def _remove_sysv(expected: SysvObject, call: str) -> str:
    kind = expected.kind  # type: ignore[attr-defined]
    current = sysv_object(kind, expected.id)
    if current is None:
        raise _changed(expected, "no longer exists (removed since it was shown)", call)
    if current.key != expected.key or current.ctime != expected.ctime:
        if isinstance(current, ShmSegment) and current.dest and current.ctime == expected.ctime:
            raise _changed(expected, "was already removed by someone else (marked dest; it is freed "
                                     "at the last detach)", call)
        details = []
        if current.key != expected.key:
            details.append(f"key {format_key(expected.key)} -> {format_key(current.key)}")
        if current.ctime != expected.ctime:
            details.append(f"last changed {iso_time(expected.ctime)} -> {iso_time(current.ctime)}")
        raise _changed(expected, f"changed since it was shown ({', '.join(details)}); "
                                 "it was replaced or modified", call)
    if isinstance(current, ShmSegment):
        core_module("shm").remove(current.id)
        if current.nattch:
            return (f"shm {current.id} marked for destruction: freed when its "
                    f"{_plural(current.nattch, 'attachment')} detach")
        return f"removed shm {current.id} (key {format_key(current.key)}, {human_size(current.size)} freed)"
    if isinstance(current, MsgQueue):
        core_module("msg").remove(current.id)
        lost = f"; {_plural(current.qnum, 'message')} ({current.cbytes} bytes) discarded" if current.qnum else ""
        return f"removed msg {current.id} (key {format_key(current.key)}){lost}"
    core_module("sem").remove(current.id)
    return f"removed sem {current.id} (key {format_key(current.key)}, {_plural(current.nsems, 'semaphore')})"


def _remove_posix(expected: PosixObject, call: str) -> str:
    kind = expected.kind  # type: ignore[attr-defined]
    if expected.inode is None:
        raise _changed(expected, "cannot be verified (its inode was not known when it was shown)", call)
    current = find_object(expected.ref)
    if current is None:
        raise _changed(expected, "no longer exists (removed since it was shown)", call)
    assert isinstance(current, PosixObject)
    same = current.inode == expected.inode and (
        expected.dev is None or current.dev is None or current.dev == expected.dev)
    if not same:
        raise _changed(expected, f"changed since it was shown (inode {expected.inode} -> "
                                 f"{current.inode}): it was replaced", call)
    core_module(kind).unlink(expected.name)
    return f"unlinked {expected.name}; processes that have it open keep it until they close it"
