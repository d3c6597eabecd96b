"""`ipcscope list` / `limits`: argument errors, and the text tables on fixed Snapshots."""

from __future__ import annotations

import subprocess
import sys

import pytest

from ipcscope.cli.tables import limits_table, object_tables
from ipcscope.demo import demo_snapshot


@pytest.mark.parametrize("argv", [
    ["list", "--type", "bogus"],
    ["list", "--type", "shm,nope"],
    ["list", "--type", ","],
    ["list", "--json", "extra"],
    ["list", "--no-such-option"],
    ["limits", "--type", "shm"],
])
def test_bad_arguments_give_one_line_and_exit_2(argv: list[str]) -> None:
    proc = subprocess.run([sys.executable, "-m", "ipcscope", *argv],
                          capture_output=True, text=True, timeout=60)
    assert proc.returncode == 2, proc.stderr
    assert proc.stdout == ""
    assert len(proc.stderr.strip().splitlines()) == 1 and "Traceback" not in proc.stderr
    assert proc.stderr.startswith("ipcscope")


def test_type_error_names_the_bad_kind() -> None:
    proc = subprocess.run([sys.executable, "-m", "ipcscope", "list", "-t", "shm,pmsg"],
                          capture_output=True, text=True, timeout=60)
    assert "invalid kind 'pmsg'" in proc.stderr and "pmq" in proc.stderr


def test_text_tables_use_lsipc_columns() -> None:
    snap = demo_snapshot()
    text = object_tables(snap, ["shm", "msg", "sem", "pmq", "pshm", "psem"])
    headers = [line.split() for line in text.splitlines() if line.split()[:1] in (["KEY"], ["NAME"])]
    assert headers == [
        ["KEY", "ID", "PERMS", "OWNER", "SIZE", "NATTCH", "STATUS", "CTIME", "CPID", "LPID"],
        ["KEY", "ID", "PERMS", "OWNER", "USEDBYTES", "MSGS", "LSPID", "LRPID"],
        ["KEY", "ID", "PERMS", "OWNER", "NSEMS", "OTIME", "CTIME"],
        ["NAME", "PERMS", "OWNER", "MTIME", "USEDBYTES", "MSGS"],
        ["NAME", "PERMS", "OWNER", "SIZE", "MTIME"],
        ["NAME", "PERMS", "OWNER", "MTIME", "SVAL"],
    ]
    assert "Shared memory:" in text and "POSIX semaphores:" in text
    assert "0xdeadbeef" in text and "rw-------" in text and "locked" in text and "64M" in text


def test_a_single_kind_has_no_title_and_bytes_on_request() -> None:
    snap = demo_snapshot()
    text = object_tables(snap, ["shm"], raw_bytes=True)
    assert text.splitlines()[0].split()[0] == "KEY"
    assert "67108864" in text and "64M" not in text


def test_limits_table_like_lsipc_g() -> None:
    text = limits_table(demo_snapshot().limits)
    lines = text.splitlines()
    assert lines[0].split() == ["RESOURCE", "DESCRIPTION", "LIMIT", "USED", "USE%"]
    assert any(line.startswith("SEMVMX") and line.rstrip().endswith("-") for line in lines)


def test_list_imports_nothing_heavy() -> None:
    """`ipcscope list` must start fast: no Textual, no psutil."""
    code = (
        "import contextlib, io, sys\n"
        "from ipcscope.cli import main\n"
        "with contextlib.redirect_stdout(io.StringIO()), contextlib.redirect_stderr(io.StringIO()):\n"
        "    assert main(['list', '--json', '--type', 'shm']) == 0\n"
        "heavy = sorted(m for m in sys.modules if m.split('.')[0] in ('textual', 'psutil', 'rich'))\n"
        "print(heavy)\n"
        "sys.exit(1 if heavy else 0)\n"
    )
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
    assert proc.returncode == 0, proc.stdout + proc.stderr
