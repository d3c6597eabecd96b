"""Every IPC namespace of the machine, as `lsns -t ipc` lists them, named by container.

A process's namespace is the inode of its /proc/PID/ns/ipc link (`ipc:[4026532179]`); grouping
processes by it gives the namespaces, their process counts and lowest pid. Reading the link needs
the right to inspect the process (other users' processes are closed to a non-root user, and a
security module may close some even to root), so processes whose namespace cannot be read are
counted and said, never silently dropped. The initial namespace is told by its fixed inode
(0xEFFFFFFF), which works even when pid 1 cannot be inspected.

A container is named from the cgroup of a member (/proc/PID/cgroup: `docker-<id>.scope`,
`libpod-<id>.scope`, `lxc.payload.<name>`, `machine-<name>.scope`, `kubepods…/pod<uid>/<id>`);
where none matches, the command of the namespace's first process is the honest name.
"""

from __future__ import annotations

import os
import re
from collections.abc import Iterable
from dataclasses import dataclass, field

from ipcscope.core.namespaces import HOST_IPC_INODE
from ipcscope.model import IpcNamespace
from ipcscope.probe.names import NameCache

_NS_LINK = re.compile(r"ipc:\[(\d+)\]")
#: the first inode the kernel hands out to namespaces (PROC_DYNAMIC_FIRST); pids are far below
_FIRST_NS_INODE = 0xEFFFFFFF


@dataclass(frozen=True)
class Discovery:
    """The namespaces found, own first, then the host's, then by inode."""

    namespaces: tuple[IpcNamespace, ...]
    #: ipcscope's own namespace inode (None if even /proc/self/ns/ipc is unreadable)
    own: int | None
    #: pids of each namespace's members, ascending (the readers pick a live one)
    members: dict[int, tuple[int, ...]] = field(default_factory=dict)
    #: processes whose namespace could not be read, by owner uid
    unreadable: dict[int, int] = field(default_factory=dict)

    def get(self, inode: int) -> IpcNamespace | None:
        return next((ns for ns in self.namespaces if ns.inode == inode), None)

    @property
    def notes(self) -> tuple[str, ...]:
        """What discovery could not see, in words."""
        if not self.unreadable:
            return ()
        total = sum(self.unreadable.values())
        mine = os.geteuid()
        others = sum(count for uid, count in self.unreadable.items() if uid != mine)
        plural = "es" if total != 1 else ""
        if mine != 0 and others:
            return (f"{total} process{plural} of other users could not be inspected: the IPC "
                    "namespaces they are in (their containers) are not listed; run as root to "
                    "see every namespace.",)
        return (f"{total} process{plural} could not be inspected (denied by a security module): "
                "their IPC namespaces are not known.",)


def parse_inode(link: str) -> int | None:
    """4026532179 from "ipc:[4026532179]"; None for anything else."""
    match = _NS_LINK.fullmatch(link)
    return int(match.group(1)) if match else None


def is_namespace_inode(number: int) -> bool:
    """Namespace inodes start at 0xEFFFFFFF; pids never get that high (pid_max <= 2^22)."""
    return number >= _FIRST_NS_INODE


# --------------------------------------------------------------------------- container names

_UNESCAPE = re.compile(r"\\x([0-9a-fA-F]{2})")
_PATTERNS: tuple[tuple[str, re.Pattern[str]], ...] = (
    ("docker", re.compile(r"(?:^|/)docker-([0-9a-f]{12,})\.scope$")),
    ("docker", re.compile(r"(?:^|/)docker/([0-9a-f]{12,})$")),
    ("podman", re.compile(r"(?:^|/)libpod-(?:conmon-)?([0-9a-f]{12,})\.scope")),
    ("lxc", re.compile(r"(?:^|/)lxc\.payload\.([^/]+)")),
    ("lxc", re.compile(r"(?:^|/)lxc/([^/]+)")),
    ("machine", re.compile(r"(?:^|/)machine-([^/]+)\.scope")),
)
_KUBEPODS = re.compile(r"kubepods.*?pod([0-9a-f_-]{8,})(?:\.slice)?/(?:[a-z-]+-)?([0-9a-f]{12,})")


def container_name(cgroup: str) -> str | None:
    """ "docker:3f2a9c1b7e4d" from a /proc/PID/cgroup text, or None when no pattern matches.

    The unified (0::) line is preferred; on a v1 hierarchy any line may carry the path.
    """
    lines = cgroup.splitlines()
    paths = [line.split(":", 2)[2] for line in lines if line.startswith("0::")]
    paths += [line.split(":", 2)[2] for line in lines if line.count(":") >= 2 and not line.startswith("0::")]
    for path in paths:
        pod = _KUBEPODS.search(path)
        if pod:
            return f"k8s:pod{pod.group(1)[:8]}/{pod.group(2)[:12]}"
        for engine, pattern in _PATTERNS:
            match = pattern.search(path)
            if match:
                name = _UNESCAPE.sub(lambda m: chr(int(m.group(1), 16)), match.group(1))
                if engine in ("docker", "podman"):
                    name = name[:12]
                return f"{engine}:{name}"
    return None


# --------------------------------------------------------------------------- the walk


class NamespaceFinder:
    """Finds the namespaces on each call; names and commands are read once per (namespace, pid)."""

    def __init__(self, proc_root: str = "/proc", names: NameCache | None = None) -> None:
        self.proc_root = proc_root
        self.names = names or NameCache()
        self._described: dict[tuple[int, int], tuple[str, str, int | None]] = {}

    def discover(self) -> Discovery:
        own = self._own()
        members: dict[int, list[int]] = {}
        unreadable: dict[int, int] = {}
        try:
            pids = sorted(int(name) for name in os.listdir(self.proc_root) if name.isdigit())
        except OSError:
            pids = []
        for pid in pids:
            try:
                inode = parse_inode(os.readlink(f"{self.proc_root}/{pid}/ns/ipc"))
            except FileNotFoundError:
                continue  # exited
            except OSError:
                uid = self._owner(pid)
                if uid is not None:
                    unreadable[uid] = unreadable.get(uid, 0) + 1
                continue
            if inode is not None:
                members.setdefault(inode, []).append(pid)
        if own is not None:
            members.setdefault(own, [])
        found = [self._namespace(inode, tuple(pids), own) for inode, pids in members.items()]
        found.sort(key=lambda ns: (not ns.own, not ns.host, ns.inode))
        self._described = {key: value for key, value in self._described.items()
                           if key[0] in members}
        return Discovery(tuple(found), own, {inode: tuple(pids) for inode, pids in members.items()},
                         unreadable)

    def _own(self) -> int | None:
        """The process's namespace (its main thread's: reader threads join others)."""
        try:
            return parse_inode(os.readlink(f"{self.proc_root}/self/ns/ipc"))
        except OSError:
            return None

    def _owner(self, pid: int) -> int | None:
        try:
            return os.stat(f"{self.proc_root}/{pid}").st_uid
        except OSError:
            return None

    def _namespace(self, inode: int, pids: tuple[int, ...], own: int | None) -> IpcNamespace:
        host = inode == HOST_IPC_INODE
        first = pids[0] if pids else None
        name, command, uid = ("", "", None)
        if first is not None:
            key = (inode, first)
            if key not in self._described:
                self._described[key] = self._describe(first)
            name, command, uid = self._described[key]
        if host:
            name = "host"
        elif not name and inode == own and first is None:
            name = "ipcscope"
        return IpcNamespace(inode=inode, name=name, pid=first, nprocs=len(pids), host=host,
                            own=inode == own, uid=uid,
                            user=self.names.user(uid) if uid is not None else "",
                            command=command)

    def _describe(self, pid: int) -> tuple[str, str, int | None]:
        """(name, command, owner uid) of a namespace's first process."""
        base = f"{self.proc_root}/{pid}"
        container = container_name(_read(f"{base}/cgroup"))
        comm = _read(f"{base}/comm").strip()
        cmdline = " ".join(_read(f"{base}/cmdline", 4096).replace("\0", " ").split())[:200]
        return container or comm or str(pid), cmdline or comm, self._owner(pid)


def _read(path: str, limit: int = 65536) -> str:
    try:
        with open(path, "rb") as handle:
            return handle.read(limit).decode("utf-8", "replace")
    except OSError:
        return ""


# --------------------------------------------------------------------------- choosing


class NamespaceNotFound(ValueError):
    """`--ns` names no namespace (or several): the message says which there are."""


ALL = "all"


def resolve(spec: str, discovery: Discovery, proc_root: str = "/proc") -> list[IpcNamespace] | None:
    """The namespaces `spec` names: "all" (every one, None), "host", "own", a pid, an inode (or
    "ipc:[N]"), or a name (the container's, its id or the engine-less part, or the command).
    Raises NamespaceNotFound with the choices when nothing (or more than one) matches."""
    text = spec.strip()
    if text.lower() == ALL:
        return None
    namespaces = discovery.namespaces
    if text.lower() == "host":
        chosen = [ns for ns in namespaces if ns.host]
        if not chosen:
            raise NamespaceNotFound("the host IPC namespace has no process ipcscope may inspect "
                                    "(ipcscope runs in a container, or without root)")
        return chosen
    if text.lower() in ("own", "self"):
        return [ns for ns in namespaces if ns.own]
    inode = parse_inode(text)
    if inode is None and text.isdigit():
        number = int(text)
        if is_namespace_inode(number):
            inode = number
        else:
            try:
                inode = parse_inode(os.readlink(f"{proc_root}/{number}/ns/ipc"))
            except FileNotFoundError:
                raise NamespaceNotFound(f"no process {number}") from None
            except OSError as error:
                raise NamespaceNotFound(f"the IPC namespace of pid {number} cannot be read: "
                                        f"{error.strerror}") from None
    if inode is not None:
        found = discovery.get(inode)
        if found is None:
            raise NamespaceNotFound(f"no IPC namespace ipc:[{inode}] with a process ipcscope may "
                                    f"inspect; {_choices(namespaces)}")
        return [found]
    lowered = text.lower()
    exact = [ns for ns in namespaces if ns.name.lower() == lowered]
    if not exact:
        exact = [ns for ns in namespaces if ns.name.split(":", 1)[-1].lower() == lowered]
    if not exact:
        exact = [ns for ns in namespaces
                 if ns.name.split(":", 1)[-1].lower().startswith(lowered) and ":" in ns.name]
    if len(exact) == 1:
        return exact
    if len(exact) > 1:
        raise NamespaceNotFound(f"{spec!r} names {len(exact)} namespaces: "
                                + ", ".join(ns.label for ns in exact) + "; give its inode")
    raise NamespaceNotFound(f"no IPC namespace is named {spec!r}; {_choices(namespaces)}")


def _choices(namespaces: Iterable[IpcNamespace]) -> str:
    listed = ", ".join(ns.label for ns in namespaces)
    return f"there are: {listed}" if listed else "none could be inspected"
