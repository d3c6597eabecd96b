"""`LabContext`: what a step's action and expectation use to create, start, signal and look up.

Everything is addressed by *label* ("server", "lock", "A"): the context maps labels to keys, ids,
names and pids, and records each object and process in the session's state file *before* it can
exist, so cleanup after a crash knows what to look for.
"""

from __future__ import annotations

import errno
import os
import secrets
import signal as signal_module
import tempfile
import threading
from collections.abc import Sequence
from dataclasses import replace

from ipcscope.core.errors import IpcError
from ipcscope.labs.processes import LabProcess, Worker, wait_until
from ipcscope.labs.runtime import ObjectRecord, PathRecord, PathType, ProcessRecord, StateFile, process_start_time
from ipcscope.model import Kind, ObjectRef, SysvObject, format_key

#: Keys the labs choose are 0x1a000000 | 24 random bits: unlikely to clash with anything real.
LAB_KEY_BASE = 0x1A000000


class LabError(Exception):
    """A lab cannot go on (a fixed key is taken, a worker did not start): one line for the user."""


class LabContext:
    def __init__(self, state_file: StateFile, log_dir: str, lifeline_fd: int, *, auto: bool, timeout: float) -> None:
        self._state_file = state_file
        self._log_dir = log_dir
        self._lifeline_fd = lifeline_fd
        self._lock = threading.RLock()
        self._workers: dict[str, Worker] = {}
        #: True in `--auto` runs: steps use short delays.
        self.auto = auto
        #: how long an action waits for a process to reach a state
        self.timeout = timeout
        self._token = secrets.token_hex(3)

    # ------------------------------------------------------------------ pacing

    def pace(self, interactive: float, auto: float) -> float:
        """A delay: human-sized in the app, short in `--auto` runs."""
        return auto if self.auto else interactive

    # ------------------------------------------------------------------ objects: planning

    @property
    def objects(self) -> tuple[ObjectRecord, ...]:
        return self._state_file.state.objects

    def _record(self, record: ObjectRecord) -> None:
        with self._lock:
            self._state_file.save(self._state_file.state.with_object(record))

    def _get(self, label: str) -> ObjectRecord:
        for record in self.objects:
            if record.label == label:
                return record
        raise KeyError(f"no lab object labelled {label!r}")

    def plan_key(self, label: str, kind: Kind, fixed: int | None = None) -> int:
        """Reserve a SysV key for `label` and record it before anything creates the object.

        Without `fixed`, a random key no object of `kind` uses now. With `fixed` (the classic
        5678), refuse with LabError if an object of `kind` already has it: the lab never touches
        someone else's object.
        """
        if fixed is not None:
            ident = _sysv_id_for_key(kind, fixed)
            if ident is not None:
                raise LabError(
                    f"key {format_key(fixed)} ({fixed}) is already used by {kind} {ident}: this lab needs "
                    f"that key for the classic example and will not touch an object it did not create. "
                    f"Look at it with `ipcscope list --type {kind}`, remove it if it is stale "
                    f"(`ipcscope rm {kind} {ident}`), then run the lab again."
                )
            key = fixed
        else:
            while True:
                key = LAB_KEY_BASE | int.from_bytes(os.urandom(3), "little")
                if _sysv_id_for_key(kind, key) is None:
                    break
        self._record(ObjectRecord(label=label, kind=kind, key=key, fixed_key=fixed is not None))
        return key

    def plan_name(self, label: str, kind: Kind) -> str:
        """A POSIX name unique to this session ("/ipcscope-lab-4242-9f3a1c-counter"), recorded."""
        name = f"/ipcscope-lab-{os.getpid()}-{self._token}-{label}"
        self._record(ObjectRecord(label=label, kind=kind, ident=name))
        return name

    def plan_path(self, label: str, type_: PathType) -> str:
        """A FIFO or socket path unique to this session ("/tmp/ipcscope-lab-4242-9f3a1c-jobs"),
        recorded before anything makes it. In the temporary directory, where students look for
        FIFOs and the probe's FIFO walk finds them; the random part keeps it from being guessed."""
        path = os.path.join(tempfile.gettempdir(), f"ipcscope-lab-{os.getpid()}-{self._token}-{label}")
        with self._lock:
            self._state_file.save(self._state_file.state.with_path(PathRecord(label, path, type_)))
        return path

    def path(self, label: str) -> str:
        for record in self._state_file.state.paths:
            if record.label == label:
                return record.path
        raise KeyError(f"no lab path labelled {label!r}")

    @property
    def paths(self) -> tuple[PathRecord, ...]:
        return self._state_file.state.paths

    # ------------------------------------------------------------------ objects: the session creates

    def make_fifo(self, label: str, mode: int = 0o600) -> str:
        """mkfifo a path unique to the session (recorded first, so cleanup removes it)."""
        path = self.plan_path(label, "fifo")
        os.mkfifo(path, mode)
        os.chmod(path, mode)  # mkfifo's mode is masked by the umask
        return path

    def create_shm(self, label: str, size: int, mode: int = 0o600) -> int:
        from ipcscope.core import shm

        key = self.plan_key(label, "shm")
        return self._created(label, shm.create(key, size, mode=mode, exclusive=True))

    def create_msg(self, label: str, mode: int = 0o600, qbytes: int | None = None) -> int:
        from ipcscope.core import msg

        key = self.plan_key(label, "msg")
        msqid = self._created(label, msg.create(key, mode=mode, exclusive=True))
        if qbytes is not None:
            msg.set_attrs(msqid, qbytes=qbytes)
        return msqid

    def create_sem(self, label: str, values: Sequence[int], mode: int = 0o600) -> int:
        from ipcscope.core import sem

        key = self.plan_key(label, "sem")
        return self._created(label, sem.create(key, len(values), mode=mode, exclusive=True, values=list(values)))

    def create_pshm(self, label: str, size: int) -> str:
        from ipcscope.core import posix_shm

        name = self.plan_name(label, "pshm")
        posix_shm.create(name, size, exclusive=True)
        return name

    def create_psem(self, label: str, value: int) -> str:
        from ipcscope.core import posix_sem

        name = self.plan_name(label, "psem")
        posix_sem.NamedSemaphore.open(name, create=True, value=value, exclusive=True).close()
        return name

    def _created(self, label: str, ident: int) -> int:
        self._record(replace(self._get(label), ident=ident))
        return ident

    def remove(self, label: str) -> None:
        """Remove a lab object now (a step that cleans up as a program would), and forget it."""
        from ipcscope.labs.cleanup import remove_objects

        record = self._get(label)
        if record.ident is None and record.kind in ("shm", "msg", "sem"):
            self.ident(label)
            record = self._get(label)
        _removed, left = remove_objects([record], self.pids())
        if left:
            raise LabError("; ".join(left))
        with self._lock:
            self._state_file.save(self._state_file.state.without_object(label))

    # ------------------------------------------------------------------ objects: lookup

    def key(self, label: str) -> int:
        key = self._get(label).key
        if key is None:
            raise KeyError(f"lab object {label!r} has no key")
        return key

    def name(self, label: str) -> str:
        return str(self._get(label).ident)

    def ident(self, label: str) -> int | str | None:
        """The id (SysV) or name (POSIX) of `label`; a SysV object a worker created is looked up
        by its planned key the first time, and its id recorded."""
        record = self._get(label)
        if record.ident is not None or record.key is None:
            return record.ident
        ident = _sysv_id_for_key(record.kind, record.key)
        if ident is None:
            return None
        if record.fixed_key and record.kind == "shm" and _shm_creator(ident) not in self.pids():
            return None
        self._record(replace(record, ident=ident))
        return ident

    def id(self, label: str) -> int:
        """The SysV id of `label`; LabError if the object does not exist (yet)."""
        ident = self.ident(label)
        if not isinstance(ident, int):
            raise LabError(f"the lab's {label} object does not exist")
        return ident

    def ref(self, label: str) -> ObjectRef | None:
        ident = self.ident(label)
        if ident is None:
            return None
        return ObjectRef(self._get(label).kind, ident)

    def resolve_all(self) -> None:
        for record in self.objects:
            if record.ident is None:
                self.ident(record.label)

    # ------------------------------------------------------------------ processes

    def start(self, label: str, role: str, *args: object) -> int:
        """Start worker `role` as process `label`; return its pid (recorded before returning)."""
        with self._lock:
            if label in self._workers:
                raise LabError(f"a lab process is already labelled {label!r}")
            worker = Worker(label, role, tuple(str(a) for a in args), self._log_dir, self._lifeline_fd)
            self._workers[label] = worker
            record = ProcessRecord(label=label, pid=worker.pid, start_time=process_start_time(worker.pid), role=role)
            self._state_file.save(self._state_file.state.with_process(record))
        return worker.pid

    def _worker(self, label: str) -> Worker:
        try:
            return self._workers[label]
        except KeyError:
            raise KeyError(f"no lab process labelled {label!r}") from None

    def pid(self, label: str) -> int:
        return self._worker(label).pid

    def pids(self) -> set[int]:
        return {w.pid for w in self._workers.values()}

    def has_process(self, label: str) -> bool:
        return label in self._workers

    def alive(self, label: str) -> bool:
        return label in self._workers and self._workers[label].poll() is None

    def returncode(self, label: str) -> int | None:
        return self._worker(label).poll()

    def signal(self, label: str, sig: int) -> None:
        self._worker(label).send(sig)

    def kill(self, label: str) -> int:
        """SIGKILL `label` (no handler runs: what a crash does) and reap it."""
        worker = self._worker(label)
        worker.send(signal_module.SIGKILL)
        return worker.popen.wait()

    def kill_together(self, *labels: str) -> None:
        """SIGKILL several processes before reaping any, so none runs on after another's death
        (a dying holder's SEM_UNDO would otherwise hand its lock to the next one in the list)."""
        workers = [self._worker(label) for label in labels]
        for worker in workers:
            worker.send(signal_module.SIGKILL)
        for worker in workers:
            worker.popen.wait()

    def terminate(self, label: str) -> int:
        """SIGTERM `label` (it exits cleanly), SIGKILL if it does not, and reap it."""
        worker = self._worker(label)
        worker.stop()
        return worker.popen.wait()

    def wait_exit(self, label: str, timeout: float | None = None) -> int:
        code = self._worker(label).wait(self.timeout if timeout is None else timeout)
        if code is None:
            raise LabError(f"{label} (pid {self.pid(label)}) did not finish in time")
        return code

    def output(self, label: str) -> str:
        return self._worker(label).output() if label in self._workers else ""

    def wait_for_output(self, label: str, text: str, timeout: float | None = None) -> None:
        """Wait until `label` printed `text` (how an action knows a worker reached a point)."""
        worker = self._worker(label)
        if not wait_until(lambda: text in worker.output() or worker.poll() is not None,
                          self.timeout if timeout is None else timeout) or text not in worker.output():
            raise LabError(f"{label} (pid {worker.pid}) did not print {text!r}: {worker.status()}")

    def processes(self) -> tuple[LabProcess, ...]:
        with self._lock:
            return tuple(w.info() for w in self._workers.values())

    def new_output(self) -> list[tuple[str, str]]:
        """(label, line) for every line the processes printed since the last call."""
        with self._lock:
            workers = list(self._workers.values())
        return [(w.label, line) for w in workers for line in w.new_lines()]

    def stop_processes(self) -> list[str]:
        """Stop every process still running (SIGTERM, then SIGKILL) and reap all of them."""
        stopped = []
        with self._lock:
            workers = list(self._workers.values())
        for worker in workers:
            if worker.poll() is None:
                stopped.append(f"{worker.label} (pid {worker.pid})")
            worker.stop()
        return stopped


# --------------------------------------------------------------------------- kernel lookups


def _sysv_id_for_key(kind: Kind, key: int) -> int | None:
    """The id of the `kind` object with `key` in this IPC namespace, or None."""
    from ipcscope.core import msg, sem, shm

    module = {"shm": shm, "msg": msg, "sem": sem}[kind]
    try:
        return module.open_existing(key)
    except IpcError as error:
        if error.errno == errno.ENOENT:
            return None
        if error.errno == errno.EACCES:  # exists, but another user's: still taken
            from ipcscope.probe import take_snapshot

            for obj in take_snapshot(kinds=(kind,), details=False).objects(kind):
                if isinstance(obj, SysvObject) and obj.key == key:
                    return obj.id
        raise


def _shm_creator(shmid: int) -> int:
    from ipcscope.core import shm

    try:
        return shm.stat(shmid).cpid
    except IpcError:
        return 0
