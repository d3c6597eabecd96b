"""Debian's real components for the export and serve tests: Prometheus (the server and promtool)
and Chromium.

On a Debian machine as root (CI), a missing package is installed on first use: one `apt-get
update` per test session, then `apt-get install`, under a file lock shared with concurrent test
runs. Elsewhere (not root, not Debian, or IPCSCOPE_TEST_NO_APT set) the tests that need one are
skipped, saying why. What an install took is printed in the test summary.
"""

from __future__ import annotations

import fcntl
import os
import shutil
import subprocess
import time
from collections.abc import Callable

import pytest

#: locked (flock on the directory itself) while a test run installs: no lock file is left behind
LOCK_DIRECTORY = "/var/cache/apt"
_state = {"updated": False}


def _cannot_install() -> str | None:
    if os.environ.get("IPCSCOPE_TEST_NO_APT"):
        return "IPCSCOPE_TEST_NO_APT is set"
    if os.geteuid() != 0:
        return "the tests install it only as root"
    if not os.path.exists("/etc/debian_version") or shutil.which("apt-get") is None:
        return "the tests install it only on Debian"
    return None


def _apt(*args: str) -> None:
    env = {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}
    proc = subprocess.run(["apt-get", "-q", "-y", *args], env=env, capture_output=True, text=True,
                          timeout=900)
    if proc.returncode != 0:
        tail = "\n".join((proc.stdout + proc.stderr).splitlines()[-15:])
        pytest.fail(f"apt-get {' '.join(args)} failed (exit {proc.returncode}):\n{tail}")


def debian_binary(package: str, binary: str, report: Callable[[str], None]) -> str:
    """The path of `binary` from Debian's `package`, installed first when missing and allowed;
    skips the test otherwise."""
    path = shutil.which(binary)
    if path is not None:
        return path
    reason = _cannot_install()
    if reason is not None:
        pytest.skip(f"{binary} is not installed and {reason} (apt-get install {package})")
    lock = os.open(LOCK_DIRECTORY, os.O_RDONLY | os.O_DIRECTORY | os.O_CLOEXEC)
    try:
        fcntl.flock(lock, fcntl.LOCK_EX)  # another test run may be installing it right now
        path = shutil.which(binary)
        if path is None:
            started = time.monotonic()
            if not _state["updated"]:
                _apt("update")
                _state["updated"] = True
            _apt("install", "--no-install-recommends", package)
            report(f"tests/export: installed Debian's {package} in {time.monotonic() - started:.1f} s")
            path = shutil.which(binary)
    finally:
        os.close(lock)  # closing releases the lock
    if path is None:
        pytest.fail(f"apt-get installed {package}, but {binary} is still not on PATH")
    return path
