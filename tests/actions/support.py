"""Helpers for the action tests: run the CLI, read the kernel's own view, clean up by id/name."""

from __future__ import annotations

import errno
import json
import os
import subprocess
import sys
from dataclasses import dataclass, field
from typing import Any

import ipcscope

PACKAGE_ROOT = os.path.dirname(os.path.dirname(os.path.abspath(ipcscope.__file__)))
SHM_DIR = "/dev/shm"


def cli_env() -> dict[str, str]:
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join(p for p in (PACKAGE_ROOT, env.get("PYTHONPATH")) if p)
    return env


def cli(*args: str, stdin: str | None = None, timeout: float = 30) -> subprocess.CompletedProcess:
    """`python -m ipcscope ARGS` with this tree's package; stdin is not a terminal."""
    return subprocess.run([sys.executable, "-m", "ipcscope", *args], cwd=PACKAGE_ROOT, env=cli_env(),
                          capture_output=True, text=True, input=stdin if stdin is not None else "",
                          timeout=timeout)


def cli_json(*args: str) -> dict[str, Any]:
    proc = cli(*args, "--json")
    assert proc.returncode == 0, (args, proc.stdout, proc.stderr)
    return json.loads(proc.stdout)


def assert_one_line_error(proc: subprocess.CompletedProcess, status: int, *needles: str) -> str:
    """Failed with `status`, exactly one line on stderr, no traceback; return that line."""
    assert proc.returncode == status, (proc.returncode, proc.stdout, proc.stderr)
    lines = proc.stderr.strip().splitlines()
    assert len(lines) == 1, proc.stderr
    assert "Traceback" not in proc.stderr and "Traceback" not in proc.stdout
    for needle in needles:
        assert needle in lines[0], (needle, lines[0])
    return lines[0]


# --------------------------------------------------------------------------- the kernel's view


_COLUMNS = {
    "shm": "key shmid perms size cpid lpid nattch uid gid cuid cgid atime dtime ctime rss swap",
    "msg": "key msqid perms cbytes qnum lspid lrpid uid gid cuid cgid stime rtime ctime",
    "sem": "key semid perms nsems uid gid cuid cgid otime ctime",
}


def proc_sysvipc(kind: str, ident: int) -> dict[str, int] | None:
    """The /proc/sysvipc line of one object: perms parsed as octal, key unsigned."""
    names = _COLUMNS[kind].split()
    with open(f"/proc/sysvipc/{kind}") as handle:
        next(handle)
        for line in handle:
            values = line.split()
            if int(values[1]) == ident:
                row = dict(zip(names, values))
                out = {name: int(value) for name, value in row.items()}
                out["perms"] = int(row["perms"], 8)
                out["key"] &= 0xFFFFFFFF
                return out
    return None


def ipcs_sem_values(semid: int) -> list[int]:
    """Semaphore values as `ipcs -s -i ID` prints them."""
    out = subprocess.run(["ipcs", "-s", "-i", str(semid)], capture_output=True, text=True, check=True).stdout
    values = []
    started = False
    for line in out.splitlines():
        words = line.split()
        if words[:2] == ["semnum", "value"]:
            started = True
            continue
        if started and len(words) >= 5 and words[0].isdigit():
            values.append(int(words[1]))
    return values


def ipcs_qbytes(msqid: int) -> int:
    out = subprocess.run(["ipcs", "-q", "-i", str(msqid)], capture_output=True, text=True, check=True).stdout
    for word in out.split():
        if word.startswith("qbytes="):
            return int(word.split("=", 1)[1])
    raise AssertionError(out)


def blocked_syscalls(pid: int) -> set[int]:
    """Syscall numbers the tasks of `pid` are in, from /proc/PID/task/*/syscall."""
    numbers = set()
    try:
        tasks = os.listdir(f"/proc/{pid}/task")
    except FileNotFoundError:
        return numbers
    for tid in tasks:
        try:
            with open(f"/proc/{pid}/task/{tid}/syscall") as handle:
                first = handle.read().split()[:1]
        except OSError:
            continue
        if first and first[0].lstrip("-").isdigit():
            numbers.add(int(first[0]))
    return numbers


def pid_exists(pid: int) -> bool:
    return os.path.exists(f"/proc/{pid}")


# --------------------------------------------------------------------------- cleanup


@dataclass
class Created:
    """Objects a test made, removed at teardown (by the id or name recorded)."""

    sysv: list[tuple[str, int]] = field(default_factory=list)
    posix: list[tuple[str, str]] = field(default_factory=list)

    def add(self, kind: str, ident: int | str) -> int | str:
        if kind in ("shm", "msg", "sem"):
            self.sysv.append((kind, int(ident)))
        else:
            self.posix.append((kind, str(ident)))
        return ident

    def remove_all(self) -> None:
        for kind, ident in self.sysv:
            subprocess.run(["ipcrm", {"shm": "-m", "msg": "-q", "sem": "-s"}[kind], str(ident)],
                           capture_output=True)
        for kind, name in self.posix:
            if kind == "pmq":
                from ipcscope.core import posix_mq
                from ipcscope.core.errors import IpcError

                try:
                    posix_mq.unlink(name)
                except IpcError as error:
                    assert error.errno == errno.ENOENT, error
            else:
                base = name.lstrip("/")
                path = os.path.join(SHM_DIR, base if kind == "pshm" else f"sem.{base}")
                try:
                    os.unlink(path)
                except FileNotFoundError:
                    pass
