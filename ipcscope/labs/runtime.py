"""Where a lab session writes down what it created, so a crash never leaves objects behind.

Each running session owns one JSON state file, `lab-<pid>.json`, in the user's runtime directory
($XDG_RUNTIME_DIR/ipcscope/, else /tmp/ipcscope-<uid>/, always mode 0700), plus a directory of
worker logs next to it. The file names the owner by pid *and* start time (a reused pid is not the
owner) and the IPC namespace (ids mean nothing in another namespace). It is rewritten atomically
whenever the session records an object or a process.
"""

from __future__ import annotations

import json
import os
import stat
from dataclasses import asdict, dataclass, field, replace
from typing import Any, Literal

from ipcscope.core.errors import ValidationError
from ipcscope.model import Kind

STATE_VERSION = 1
#: Overrides the runtime directory (tests use it to keep their sessions apart).
RUNTIME_ENV = "IPCSCOPE_RUNTIME_DIR"


def runtime_dir(override: str | None = None) -> str:
    """The private directory for lab state, created 0700 if missing and checked if present.

    Refuses a directory that is a symlink or belongs to another user: a state file there could be
    forged to make cleanup remove someone else's objects.
    """
    path = override or os.environ.get(RUNTIME_ENV)
    if not path:
        base = os.environ.get("XDG_RUNTIME_DIR")
        if base and os.path.isdir(base) and os.stat(base).st_uid == os.geteuid():
            path = os.path.join(base, "ipcscope")
        else:
            path = f"/tmp/ipcscope-{os.geteuid()}"
    try:
        os.mkdir(path, 0o700)
    except FileExistsError:
        pass
    info = os.lstat(path)
    if not stat.S_ISDIR(info.st_mode) or info.st_uid != os.geteuid():
        raise ValidationError(f"{path} is not a directory of this user: refusing to keep lab state there")
    if stat.S_IMODE(info.st_mode) != 0o700:
        os.chmod(path, 0o700)
    return path


# --------------------------------------------------------------------------- process identity


def process_start_time(pid: int) -> int | None:
    """Field 22 of /proc/PID/stat (clock ticks since boot), or None when there is no such process.

    Together with the pid it names one process for good: a pid reused later has another start time.
    """
    try:
        with open(f"/proc/{pid}/stat", "rb") as handle:
            data = handle.read()
    except OSError:
        return None
    # comm (field 2) may contain spaces and parentheses: split after the last ')'.
    fields = data[data.rfind(b")") + 2:].split()
    try:
        return int(fields[19])
    except (IndexError, ValueError):
        return None


def is_same_process(pid: int, start_time: int | None) -> bool:
    """Whether `pid` still names the process that had `start_time` (a zombie counts as alive)."""
    return start_time is not None and process_start_time(pid) == start_time


def ipc_namespace() -> str:
    try:
        return os.readlink("/proc/self/ns/ipc")
    except OSError:
        return ""


# --------------------------------------------------------------------------- records


@dataclass(frozen=True)
class ObjectRecord:
    """An object the lab uses. SysV objects are planned by key before they exist; `ident` is the
    id once known. POSIX objects are named (`ident` is the name, with its "/").

    `fixed_key` marks a key the lab did not choose uniquely (the classic 5678): such an object is
    removed only by its recorded id, or when its creator was one of the lab's processes.
    """

    label: str
    kind: Kind
    key: int | None = None
    ident: int | str | None = None
    fixed_key: bool = False


#: what a recorded path must still be for cleanup to unlink it
PathType = Literal["fifo", "socket"]


@dataclass(frozen=True)
class PathRecord:
    """A FIFO or a bound UNIX socket path the lab makes, recorded before it exists. Cleanup
    unlinks it only while it still is a `type` file of this user: a path someone replaced since
    (a regular file, a directory, a symlink) is left alone."""

    label: str
    path: str
    type: PathType


@dataclass(frozen=True)
class ProcessRecord:
    label: str
    pid: int
    start_time: int | None
    role: str = ""


@dataclass(frozen=True)
class SessionState:
    lab: str
    owner_pid: int
    owner_start_time: int | None
    ipc_namespace: str
    log_dir: str
    started_at: float
    objects: tuple[ObjectRecord, ...] = ()
    processes: tuple[ProcessRecord, ...] = ()
    version: int = STATE_VERSION
    #: FIFOs and socket paths (a field added within version 1: older files have none)
    paths: tuple[PathRecord, ...] = ()

    def with_object(self, record: ObjectRecord) -> SessionState:
        """Add `record`, or replace the one with the same label."""
        kept = tuple(obj for obj in self.objects if obj.label != record.label)
        return replace(self, objects=kept + (record,))

    def without_object(self, label: str) -> SessionState:
        return replace(self, objects=tuple(obj for obj in self.objects if obj.label != label))

    def with_path(self, record: PathRecord) -> SessionState:
        kept = tuple(p for p in self.paths if p.label != record.label)
        return replace(self, paths=kept + (record,))

    def with_process(self, record: ProcessRecord) -> SessionState:
        return replace(self, processes=self.processes + (record,))

    def to_json(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> SessionState:
        if data.get("version") != STATE_VERSION:
            raise ValueError(f"unknown lab state version {data.get('version')!r}")
        return cls(
            lab=str(data["lab"]),
            owner_pid=int(data["owner_pid"]),
            owner_start_time=data.get("owner_start_time"),
            ipc_namespace=str(data.get("ipc_namespace", "")),
            log_dir=str(data.get("log_dir", "")),
            started_at=float(data.get("started_at", 0)),
            objects=tuple(ObjectRecord(**obj) for obj in data.get("objects", ())),
            processes=tuple(ProcessRecord(**proc) for proc in data.get("processes", ())),
            paths=tuple(_path_record(path) for path in data.get("paths", ())),
        )


def _path_record(data: dict[str, Any]) -> PathRecord:
    """A recorded path, refused unless absolute and of a known type (a forged or damaged file
    must not name "." or a directory for cleanup to unlink)."""
    record = PathRecord(label=str(data["label"]), path=str(data["path"]), type=data["type"])
    if record.type not in ("fifo", "socket") or not os.path.isabs(record.path):
        raise ValueError(f"bad lab path record {data!r}")
    return record


@dataclass
class StateFile:
    """The state file of one session: written atomically, removed when the session stops."""

    path: str
    state: SessionState = field(repr=False)

    def save(self, state: SessionState) -> None:
        self.state = state
        temporary = f"{self.path}.tmp"
        fd = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(fd, "w") as handle:
            json.dump(state.to_json(), handle, indent=1)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(temporary, self.path)

    def remove(self) -> None:
        for path in (self.path, f"{self.path}.tmp"):
            try:
                os.unlink(path)
            except FileNotFoundError:
                pass


def state_path(directory: str, owner_pid: int) -> str:
    return os.path.join(directory, f"lab-{owner_pid}.json")


def read_states(directory: str) -> list[tuple[str, SessionState | None]]:
    """Every state file in `directory` with its parsed state (None when unreadable or unknown)."""
    found: list[tuple[str, SessionState | None]] = []
    for name in sorted(os.listdir(directory)):
        if not (name.startswith("lab-") and name.endswith(".json")):
            continue
        path = os.path.join(directory, name)
        try:
            with open(path) as handle:
                found.append((path, SessionState.from_json(json.load(handle))))
        except (OSError, ValueError, TypeError, KeyError):
            found.append((path, None))
    return found
