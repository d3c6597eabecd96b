"""A private directory for FIFO tests, removed afterwards, and a real reader process.

Every FIFO test works in its own directory under /tmp (mkdtemp: mode 0700, a name nobody else
uses) and removes that directory, with whatever it holds, by the path it recorded.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path


@contextmanager
def temp_fifo_dir() -> Iterator[Path]:
    path = Path(tempfile.mkdtemp(prefix="ipcscope-fifo-test-"))
    try:
        yield path
    finally:
        shutil.rmtree(path, ignore_errors=True)


def reader_process(path: Path) -> subprocess.Popen:
    """A process that opens `path` for reading (blocking, as `cat` does) and prints what it read
    as hex when the writers are gone."""
    code = "import sys; data = open(sys.argv[1], 'rb').read(); print(data.hex(), flush=True)"
    return subprocess.Popen([sys.executable, "-c", code, str(path)], stdout=subprocess.PIPE, text=True)


def writer_process(path: Path, data: bytes) -> subprocess.Popen:
    """A process that opens `path` for writing (blocking, as `echo > fifo` does) and writes `data`."""
    code = "import sys; f = open(sys.argv[1], 'wb'); f.write(bytes.fromhex(sys.argv[2])); f.close()"
    return subprocess.Popen([sys.executable, "-c", code, str(path), data.hex()])


def finish(process: subprocess.Popen, timeout: float = 10) -> str:
    """Wait for the helper process (killed if it outlives `timeout`); its stdout."""
    try:
        out, _ = process.communicate(timeout=timeout)
    except subprocess.TimeoutExpired:
        process.kill()
        out, _ = process.communicate()
    return out or ""


def nonblocking_reader(path: Path) -> int:
    """A read end held by this test (O_NONBLOCK: opens at once), so writers do not get ENXIO."""
    return os.open(path, os.O_RDONLY | os.O_NONBLOCK)
