"""Helpers shared by tests: unique names, running code as an unprivileged user, IPC inventories."""

from __future__ import annotations

import importlib
import os
import pickle
import pkgutil
import shutil
import subprocess
import tempfile
import traceback
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import ipcscope

NOBODY = 65534


def unique_name(prefix: str = "ipcscope_test") -> str:
    """A POSIX object name ("/prefix_<pid>_<random>") no other test run will use."""
    return f"/{prefix}_{os.getpid()}_{uuid.uuid4().hex[:8]}"


def unique_key() -> int:
    """A random SysV key in 0x1c000000..0x1cffffff: unlikely to clash with anything real."""
    return 0x1C000000 | int.from_bytes(os.urandom(3), "little")


def import_every_module() -> None:
    """Import every module of ipcscope but __main__ (cheap after the first call)."""
    for module in pkgutil.walk_packages(ipcscope.__path__, "ipcscope."):
        if not module.name.endswith(".__main__"):
            importlib.import_module(module.name)


@dataclass
class ChildResult:
    value: Any = None
    error: BaseException | None = None
    error_text: str = ""


def drop_privileges(uid: int = NOBODY, gid: int = NOBODY) -> None:
    """Become `uid`/`gid`, with no supplementary groups, for the rest of this process."""
    os.setgroups([])
    os.setgid(gid)
    os.setuid(uid)


def run_as_user(fn: Callable[[], Any], uid: int = NOBODY, gid: int = NOBODY) -> Any:
    """Run `fn` in a forked child that dropped to `uid`/`gid`; return its result or re-raise.

    `setpriv` cannot start this interpreter when /root is closed to other users, so fork first:
    the child keeps the loaded interpreter and only changes its credentials. For the same reason
    the new user may not read this checkout (CI clones it into a directory only root can read),
    so nothing may be read from it after the drop: every ipcscope module is imported first (many
    import others inside functions). Code that needs more (an app reads its stylesheets, Textual
    imports its driver) runs as uid 0 here and calls `drop_privileges` itself once it is going.
    """
    import_every_module()
    read_fd, write_fd = os.pipe()
    pid = os.fork()
    if pid == 0:  # child
        os.close(read_fd)
        result = ChildResult()
        try:
            drop_privileges(uid, gid)
            result.value = fn()
        except BaseException as error:  # noqa: BLE001 - everything goes back to the parent
            result.error_text = traceback.format_exc()
            try:
                pickle.dumps(error)
                result.error = error
            except Exception:  # noqa: BLE001 - pickling raises many types; send its text instead
                result.error = RuntimeError(repr(error))
        try:
            payload = pickle.dumps(result)
        except Exception as error:  # noqa: BLE001 - as above: the parent gets the reason, not a hang
            payload = pickle.dumps(ChildResult(error=RuntimeError(f"unpicklable result: {error!r}")))
        with os.fdopen(write_fd, "wb") as pipe:
            pipe.write(payload)
        os._exit(0)
    os.close(write_fd)
    with os.fdopen(read_fd, "rb") as pipe:
        payload = pipe.read()
    os.waitpid(pid, 0)
    result: ChildResult = pickle.loads(payload)
    if result.error is not None:
        raise result.error
    return result.value


# --------------------------------------------------------------------------- inventories


def sysv_objects() -> set[tuple[str, int, int]]:
    """Every SysV object of this IPC namespace, as ("shm"|"msg"|"sem", id, key)."""
    found: set[tuple[str, int, int]] = set()
    for kind in ("shm", "msg", "sem"):
        with open(f"/proc/sysvipc/{kind}") as handle:
            next(handle, None)
            for line in handle:
                fields = line.split()
                if len(fields) > 1:
                    found.add((kind, int(fields[1]), int(fields[0]) & 0xFFFFFFFF))
    return found


def lab_sysv_objects() -> set[tuple[str, int, int]]:
    """The SysV objects a lab may have made, as (kind, id, key): keys 0x1a...... (ipcscope's lab
    keys) and the textbook 5678. Other tests running beside this one make other objects."""
    return {found for found in sysv_objects() if found[2] >> 24 == 0x1A or found[2] == 5678}


def sysv_ids() -> set[tuple[str, int]]:
    """Every SysV object id of this IPC namespace, as ("shm"|"msg"|"sem", id)."""
    return {(kind, ident) for kind, ident, _ in sysv_objects()}


def dev_shm_names() -> set[str]:
    try:
        return set(os.listdir("/dev/shm"))
    except FileNotFoundError:
        return set()


def mqueue_names() -> set[str] | None:
    """POSIX queue names of this IPC namespace, or None when they cannot be listed here."""
    for line in open("/proc/self/mountinfo"):
        left, _, right = line.partition(" - ")
        if right.split()[:1] == ["mqueue"]:
            return set(os.listdir(left.split()[4]))
    if os.geteuid() != 0 or shutil.which("unshare") is None:
        return None
    with tempfile.TemporaryDirectory() as directory:
        proc = subprocess.run(
            ["unshare", "-m", "--propagation", "private", "sh", "-c",
             f"mount -t mqueue none {directory} && ls -A {directory}"],
            capture_output=True, text=True, timeout=10,
        )
    if proc.returncode != 0:
        return None
    return set(proc.stdout.split())


def inventory() -> dict[str, set]:
    return {"sysv": sysv_ids(), "dev_shm": dev_shm_names(), "mqueue": mqueue_names() or set()}
