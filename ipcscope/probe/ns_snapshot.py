"""One Snapshot over several IPC namespaces (containers), every object stamped with its own.

    probe = NamespaceProbe()              # keep it across polls: readers and names are reused
    snapshot = probe.snapshot(None)       # every namespace; or probe.snapshot([inode, ...])
    probe.close()                         # ends the readers (they hold their namespaces alive)

ipcscope's own namespace is read as `take_snapshot` always does; each other one by its reader
(see ns_readers); POSIX shm and named semaphores from /proc/PID/root/dev/shm of a member, each
/dev/shm listed once (with `unshare --ipc` alone a container shares the host's /dev/shm). Objects
carry `ns` (the namespace inode), so ids that repeat across namespaces never mix; the snapshot
lists the namespaces it covers, those out of reach with the reason.
"""

from __future__ import annotations

import errno
import os
import time
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, replace
from typing import Any

from ipcscope.model import (
    KINDS,
    IpcNamespace,
    IpcObject,
    Kind,
    Limits,
    PosixQueue,
    PosixSemaphore,
    Snapshot,
)
from ipcscope.probe import posix, sysv
from ipcscope.probe._fast import build
from ipcscope.probe.names import NameCache
from ipcscope.probe.namespaces import Discovery, NamespaceFinder
from ipcscope.probe.ns_readers import Collected, Reader, ReaderFailed, open_reader
from ipcscope.probe.snapshot import read_environment, take_snapshot

_SYSV = ("shm", "msg", "sem")


@dataclass(frozen=True)
class _Part:
    """What one namespace contributed to the snapshot."""

    namespace: IpcNamespace
    objects: dict[str, tuple[IpcObject, ...]]
    mqueue_source: str
    warnings: tuple[str, ...]


class NamespaceProbe:
    """Snapshots of chosen namespaces, with a reader per namespace kept across polls."""

    def __init__(self, proc_root: str = "/proc", names: NameCache | None = None,
                 clock: Callable[[], float] = time.time, python: str | None = None) -> None:
        """`python`: the interpreter of helper processes (default: this one)."""
        self.proc_root = proc_root
        self.python = python
        self.names = names or NameCache()
        self.clock = clock
        self.finder = NamespaceFinder(proc_root, self.names)
        self._readers: dict[int, Reader] = {}
        #: why a namespace could not be entered, remembered until it goes (not retried each poll)
        self._refused: dict[int, str] = {}
        self.discovery: Discovery | None = None

    # ------------------------------------------------------------------ namespaces

    def discover(self) -> Discovery:
        """The namespaces now; readers of namespaces that are gone are closed (a reader keeps its
        namespace, and every object in it, alive)."""
        found = self.finder.discover()
        alive = {ns.inode for ns in found.namespaces}
        for inode in [i for i in self._readers if i not in alive]:
            self._readers.pop(inode).close()
        self._refused = {i: why for i, why in self._refused.items() if i in alive}
        self.discovery = found
        return found

    def reader(self, namespace: IpcNamespace) -> Reader:
        """The namespace's reader, made on first use; ReaderFailed saying why it cannot be had."""
        reader = self._readers.get(namespace.inode)
        if reader is not None:
            return reader
        if namespace.inode in self._refused:
            raise ReaderFailed(self._refused[namespace.inode])
        members = self.discovery.members.get(namespace.inode, ()) if self.discovery else ()
        try:
            reader = open_reader(namespace.inode, members or ((namespace.pid,) if namespace.pid else ()),
                                 self.python)
        except ReaderFailed as error:
            self._refused[namespace.inode] = str(error)
            raise
        self._readers[namespace.inode] = reader
        return reader

    def close(self) -> None:
        for reader in self._readers.values():
            reader.close()
        self._readers.clear()

    # ------------------------------------------------------------------ the snapshot

    def snapshot(self, inodes: Sequence[int] | None, *, kinds: Iterable[Kind] | None = None,
                 details: bool = True) -> Snapshot:
        """The objects of the namespaces `inodes` (None: every namespace), each stamped with its
        namespace; namespaces that cannot be read are listed with the reason."""
        taken_at = self.clock()
        wanted = tuple(kind for kind in KINDS if kinds is None or kind in set(kinds))
        discovery = self.discover()
        if inodes is None:
            chosen = list(discovery.namespaces)
        else:
            chosen = [discovery.get(inode) or IpcNamespace(inode, "", None, 0, unreachable="it has no process any more")
                      for inode in inodes]
        pending: list[tuple[IpcNamespace, Callable[[], Collected]]] = []
        parts: list[_Part] = []
        for namespace in chosen:
            if namespace.own or namespace.unreachable:
                continue
            try:
                pending.append((namespace, self.reader(namespace).collect(
                    [k for k in wanted if k in (*_SYSV, "pmq")], details)))
            except ReaderFailed as error:
                parts.append(self._unreachable(namespace, str(error)))
        own = next((ns for ns in chosen if ns.own), None)
        if own is not None:  # read here while the readers work
            parts.append(self._own_part(own, wanted, details))
        for namespace, result in pending:
            try:
                parts.append(self._part(namespace, result(), wanted, details))
            except ReaderFailed as error:
                self._drop(namespace.inode, str(error))
                parts.append(self._unreachable(namespace, str(error)))
        parts += [self._unreachable(ns, ns.unreachable) for ns in chosen if ns.unreachable]
        order = {ns.inode: index for index, ns in enumerate(chosen)}
        parts.sort(key=lambda part: order.get(part.namespace.inode, len(order)))
        self._posix_files(parts, wanted, details)
        return self._merge(taken_at, parts, discovery.notes if inodes is None else ())

    def _drop(self, inode: int, why: str) -> None:
        reader = self._readers.pop(inode, None)
        if reader is not None:
            reader.close()

    def _unreachable(self, namespace: IpcNamespace, why: str) -> _Part:
        return _Part(replace(namespace, unreachable=why), {}, "none",
                     (f"{namespace.label}: out of reach: {why}",))

    def _own_part(self, namespace: IpcNamespace, wanted: tuple[Kind, ...], details: bool) -> _Part:
        own = take_snapshot(kinds=[k for k in wanted if k not in ("pshm", "psem")], details=details,
                            names=self.names)
        objects: dict[str, tuple[IpcObject, ...]] = {
            kind: tuple(_stamped(obj, namespace.inode) for obj in own.objects(kind))
            for kind in ("shm", "msg", "sem", "pmq") if kind in wanted}
        return _Part(replace(namespace, limits=own.limits), objects, own.mqueue_source,
                     own.warnings)

    def _part(self, namespace: IpcNamespace, found: Collected, wanted: tuple[Kind, ...],
              details: bool) -> _Part:
        reader = self._readers.get(namespace.inode)
        if reader is not None and reader.translates_ids:
            _translate_ids(found, self.proc_root, namespace.pid, self.names)
        objects: dict[str, tuple[IpcObject, ...]] = {}
        for kind, columns in found.columns.items():
            columns["ns"] = [namespace.inode] * len(columns["id"])
            objects[kind] = sysv.build(kind, columns)
        if "pmq" in wanted:
            objects["pmq"] = tuple(build(PosixQueue, **fields, ns=namespace.inode) for fields in found.queues)
        label = namespace.label
        return _Part(replace(namespace, limits=found.limits), objects, found.mqueue_source,
                     tuple(f"{label}: {warning}" for warning in found.warnings))

    def _posix_files(self, parts: list[_Part], wanted: tuple[Kind, ...], details: bool) -> None:
        """POSIX shm and semaphores of each part's mount namespace, each /dev/shm listed once: a
        /dev/shm already listed under an earlier namespace is said, not repeated."""
        if "pshm" not in wanted and "psem" not in wanted:
            return
        seen: dict[int, IpcNamespace] = {}
        for index, part in enumerate(parts):
            namespace = part.namespace
            if namespace.unreachable:
                continue
            directory = "/dev/shm" if namespace.own else (
                f"{self.proc_root}/{namespace.pid}/root/dev/shm" if namespace.pid else None)
            warnings = list(part.warnings)
            objects = dict(part.objects)
            if directory is not None:
                try:
                    device = os.stat(directory).st_dev
                except OSError as error:
                    device = None
                    if error.errno != errno.ENOENT:
                        warnings.append(f"{namespace.label}: POSIX shm and semaphores are not listed: "
                                        f"{directory}: {error.strerror}")
                if device is not None and device in seen:
                    if not namespace.own:
                        warnings.append(f"{namespace.label}: shares /dev/shm with {seen[device].label}: "
                                        "its POSIX shm and semaphores are listed there")
                elif device is not None:
                    seen[device] = namespace
                    shms, sems, more = posix.read_dev_shm(directory, self.names,
                                                          semaphore_values=details and namespace.own)
                    if details and not namespace.own:
                        sems = _semaphore_values(sems, directory)
                    inode = namespace.inode
                    if "pshm" in wanted:
                        objects["pshm"] = tuple(_stamped(obj, inode) for obj in shms)
                    if "psem" in wanted:
                        objects["psem"] = tuple(_stamped(obj, inode) for obj in sems)
                    prefix = "" if namespace.own else f"{namespace.label}: "
                    warnings += [prefix + warning for warning in more]
            parts[index] = replace(part, objects=objects, warnings=tuple(warnings))

    def _merge(self, taken_at: float, parts: list[_Part], notes: tuple[str, ...]) -> Snapshot:
        found: dict[str, list[IpcObject]] = {kind: [] for kind in KINDS}
        warnings: list[str] = []
        for part in parts:
            for kind, objects in part.objects.items():
                found[kind] += objects
            warnings += part.warnings
        warnings += notes  # what discovery could not see: only when "every namespace" was asked
        readable = [part for part in parts if not part.namespace.unreachable]
        first = next((p for p in readable if p.namespace.own), readable[0] if readable else None)
        return Snapshot(
            taken_at=taken_at,
            shm=tuple(found["shm"]), msg=tuple(found["msg"]), sem=tuple(found["sem"]),  # type: ignore[arg-type]
            pmq=tuple(found["pmq"]), pshm=tuple(found["pshm"]), psem=tuple(found["psem"]),  # type: ignore[arg-type]
            limits=(first.namespace.limits or Limits()) if first else Limits(),
            environment=read_environment(self.proc_root, self.names),
            mqueue_source=first.mqueue_source if first else "none",
            warnings=tuple(warnings),
            namespaces=tuple(part.namespace for part in parts),
        )

    # ------------------------------------------------------------------ queued messages

    def waited_queue_types(self, snapshot: Snapshot) -> dict[str, tuple[int, ...]]:
        """row key -> queued message types of each queue a msgrcv waiter sleeps on, peeked in
        the queue's own namespace (see probe.queued)."""
        scan = snapshot.processes
        if scan is None:
            return {}
        by_namespace: dict[int, list[int]] = {}
        for queue in snapshot.msg:
            if queue.queued_types is None and queue.ns is not None and any(
                    w.op == "msgrcv" for w in scan.waiters_of(queue.ref)):
                by_namespace.setdefault(queue.ns, []).append(queue.id)
        types: dict[str, tuple[int, ...]] = {}
        for inode, ids in by_namespace.items():
            namespace = next((ns for ns in snapshot.namespaces if ns.inode == inode), None)
            if namespace is None:
                continue
            if namespace.own:
                from ipcscope.probe.ns_readers import peek_types_here

                peeked = peek_types_here(ids)
            else:
                try:
                    peeked = self.reader(namespace).peek(ids)()
                except ReaderFailed:
                    continue
            types.update((f"msg:{msqid}@{inode}", found) for msqid, found in peeked.items())
        return types


def with_queued_types(snapshot: Snapshot, types: dict[str, tuple[int, ...]]) -> Snapshot:
    """`snapshot` with `queued_types` filled from `types` (by row key) where it is still None."""
    if not types:
        return snapshot
    queues = tuple(replace(q, queued_types=types[q.ref.row_key])
                   if q.queued_types is None and q.ref.row_key in types else q for q in snapshot.msg)
    return replace(snapshot, msg=queues)


def _stamped(obj: Any, inode: int) -> Any:
    """`obj` with its namespace set (its fields copied, not re-validated: probe objects)."""
    copy = object.__new__(type(obj))
    copy.__dict__.update(obj.__dict__)
    copy.__dict__["ns"] = inode
    return copy


def _semaphore_values(sems: tuple[PosixSemaphore, ...], directory: str) -> tuple[PosixSemaphore, ...]:
    """sem_getvalue of each semaphore file of another mount namespace's /dev/shm."""
    from ipcscope.core import posix_sem
    from ipcscope.core.errors import IpcError

    out = []
    for sem in sems:
        try:
            value: int | None = posix_sem.getvalue_at(f"{directory}/sem.{sem.name[1:]}")
        except (OSError, IpcError):
            value = None
        copy = object.__new__(PosixSemaphore)
        copy.__dict__.update(sem.__dict__)
        copy.__dict__["value"] = value
        out.append(copy)
    return tuple(out)


# --------------------------------------------------------------------------- ids of a helper


def _id_map(path: str) -> list[tuple[int, int, int]]:
    """(inside, outside, count) lines of a uid_map or gid_map (as this process's user namespace
    sees them)."""
    try:
        with open(path) as handle:
            return [tuple(map(int, line.split()[:3])) for line in handle if line.strip()]  # type: ignore[misc]
    except (OSError, ValueError):
        return []


def _mapper(ranges: list[tuple[int, int, int]]) -> Callable[[int], int]:
    def outside(value: int) -> int:
        for inside, out, count in ranges:
            if inside <= value < inside + count:
                return out + value - inside
        return 65534  # unmapped: the overflow id, as the kernel shows it
    return outside


def _translate_ids(found: Collected, proc_root: str, pid: int | None, names: NameCache) -> None:
    """A helper in a container's user namespace sees that namespace's uids: map them back to
    this process's view (the member's uid_map / gid_map) and name them here."""
    if pid is None:
        return
    uid = _mapper(_id_map(f"{proc_root}/{pid}/uid_map"))
    gid = _mapper(_id_map(f"{proc_root}/{pid}/gid_map"))
    for columns in found.columns.values():
        for name, mapper in (("uid", uid), ("cuid", uid), ("gid", gid), ("cgid", gid)):
            columns[name] = list(map(mapper, columns[name]))
        columns["owner"] = list(map(names.user, columns["uid"]))
        columns["cowner"] = list(map(names.user, columns["cuid"]))
        columns["group"] = list(map(names.group, columns["gid"]))
        columns["cgroup"] = list(map(names.group, columns["cgid"]))
    for fields in found.queues:
        fields["uid"], fields["gid"] = uid(fields["uid"]), gid(fields["gid"])
        fields["owner"], fields["group"] = names.user(fields["uid"]), names.group(fields["gid"])

