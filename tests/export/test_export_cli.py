"""`ipcscope export` on the command line: stdout, the atomic textfile, --listen, bad arguments."""

from __future__ import annotations

import io
import os
import re
import signal
import socket
import subprocess
import sys
from pathlib import Path

import pytest

from ipcscope.addresses import is_loopback, parse_listen
from tests.export.scrape import parse, value
from tests.export.servers import http_get, started, wait_for
from tests.helpers import run_as_user

EXPORT = [sys.executable, "-m", "ipcscope", "export"]


def _run(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([*EXPORT, *args], capture_output=True, text=True, timeout=60)


def test_stdout_gets_the_exposition_once() -> None:
    proc = _run()
    assert proc.returncode == 0, proc.stderr
    series = parse(proc.stdout)
    assert value(series, "ipcscope_build_info") == 1
    assert value(series, "ipcscope_namespace_info") == 1


def test_the_textfile_is_replaced_whole(tmp_path: Path) -> None:
    path = tmp_path / "ipcscope.prom"
    path.write_text("old contents\n")
    proc = _run("--textfile", str(path))
    assert proc.returncode == 0, proc.stderr
    assert value(parse(path.read_text()), "ipcscope_build_info") == 1
    assert sorted(os.listdir(tmp_path)) == ["ipcscope.prom"]  # no temporary file left


def test_the_textfile_is_rewritten_every_interval(tmp_path: Path) -> None:
    path = tmp_path / "ipcscope.prom"
    with open(tmp_path / "export.log", "w") as log, \
            started([*EXPORT, "--textfile", str(path), "--every", "0.2"], log) as proc:
        wait_for(path.exists, 30, "the first textfile")
        first = os.stat(path).st_ino
        wait_for(lambda: os.stat(path).st_ino != first, 30, "the textfile to be replaced")
        proc.send_signal(signal.SIGTERM)
        assert proc.wait(timeout=10) == 0
    assert sorted(os.listdir(tmp_path)) == ["export.log", "ipcscope.prom"]


def test_an_unwritable_textfile_is_an_error(tmp_path: Path) -> None:
    proc = _run("--textfile", str(tmp_path / "missing" / "ipcscope.prom"))
    assert proc.returncode == 1 and "cannot write" in proc.stderr and "No such file" in proc.stderr


def test_a_textfile_not_named_prom_is_warned_about(tmp_path: Path) -> None:
    proc = _run("--textfile", str(tmp_path / "ipcscope.txt"))
    assert proc.returncode == 0 and "reads only files named *.prom" in proc.stderr


def test_listen_serves_metrics_and_stops_on_sigterm(tmp_path: Path) -> None:
    log_path = tmp_path / "export.log"
    with open(log_path, "w") as log, started([*EXPORT, "--listen", "127.0.0.1:0"], log) as proc:
        found = wait_for(lambda: re.search(r"serving (http://127\.0\.0\.1:\d+/metrics)", log_path.read_text()),
                         30, "export --listen to start")
        status, body = http_get(found.group(1))
        assert status == 200 and value(parse(body.decode()), "ipcscope_build_info") == 1
        proc.send_signal(signal.SIGTERM)
        assert proc.wait(timeout=10) == 0
    assert "reachable from other machines" not in log_path.read_text()


def test_a_port_in_use_is_an_error() -> None:
    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen()
        proc = _run("--listen", f"127.0.0.1:{busy.getsockname()[1]}")
    assert proc.returncode == 1 and "cannot listen on 127.0.0.1:" in proc.stderr


@pytest.mark.parametrize("argv, message", [
    (["export", "--listen", ":9464"], "give the address to listen on"),
    (["export", "--listen", "::1:9464"], "brackets"),
    (["export", "--listen", "127.0.0.1:70000"], "port must be between"),
    (["export", "--every", "5"], "--every needs --textfile"),
    (["export", "--textfile", "x.prom", "--every", "0"], "at least 0.1 seconds"),
    (["export", "--max-series", "10"], "--max-series needs --per-object"),
    (["export", "--per-object", "--max-series", "-1"], "must be 0 or more"),
    (["--demo", "export"], "export reads this system"),
])
def test_bad_arguments_say_why(argv: list[str], message: str) -> None:
    proc = subprocess.run([sys.executable, "-m", "ipcscope", *argv], capture_output=True, text=True,
                          timeout=60)
    assert proc.returncode == 2 and message in proc.stderr, proc.stderr
    assert "Traceback" not in proc.stderr


def test_listen_addresses() -> None:
    assert parse_listen("9464") == ("127.0.0.1", 9464)  # a bare port is loopback
    assert parse_listen("0.0.0.0:9464") == ("0.0.0.0", 9464)
    assert parse_listen("[::1]:9464") == ("::1", 9464)
    assert is_loopback("127.0.0.1") and is_loopback("::1") and is_loopback("localhost")
    assert not is_loopback("0.0.0.0") and not is_loopback("::")


def test_the_help_says_loopback_unless_told() -> None:
    text = " ".join(_run("--help").stdout.split())
    assert "a bare PORT means 127.0.0.1" in text and "only when given explicitly" in text


def _export_as_nobody() -> tuple[int, str]:
    from ipcscope.cli import main

    out = io.TextIOWrapper(io.BytesIO(), encoding="utf-8")
    real = sys.stdout
    sys.stdout = out
    try:
        status = main(["export"])
    finally:
        sys.stdout = real
    out.flush()
    return status, out.buffer.getvalue().decode()  # type: ignore[attr-defined]


def test_export_works_without_root(root_only: None) -> None:
    status, text = run_as_user(_export_as_nobody)
    assert status == 0
    series = parse(text)
    assert value(series, "ipcscope_namespace_info", user="nobody") == 1
    assert (value(series, "ipcscope_uninspected", what="processes") or 0) >= 1  # root's processes
