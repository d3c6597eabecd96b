"""`ipcscope mkfifo`, `write fifo`, `read fifo`, `rm fifo` through `python -m ipcscope`, on real
FIFOs in a private directory (removed afterwards): exit statuses, one-line errors, --json,
--read-only, and the confirmation of rm."""

from __future__ import annotations

import json
import os
import stat

import pytest

from tests.actions.support import assert_one_line_error, cli, cli_json
from tests.fifo_helpers import finish, nonblocking_reader, reader_process, temp_fifo_dir, writer_process
from tests.helpers import run_as_user


@pytest.fixture
def fifo_dir():
    with temp_fifo_dir() as path:
        yield path


@pytest.fixture
def made(fifo_dir):
    path = fifo_dir / "f"
    assert cli("mkfifo", str(path)).returncode == 0
    return path


def test_mkfifo_makes_a_0600_fifo_and_says_so(fifo_dir) -> None:
    path = fifo_dir / "demo.fifo"
    out = cli_json("mkfifo", str(path))
    st = os.stat(path)
    assert stat.S_ISFIFO(st.st_mode) and stat.S_IMODE(st.st_mode) == 0o600
    assert out["call"] == f'mkfifo("{path}", 0600)' and out["kind"] == "fifo" and out["ident"] == str(path)
    assert_one_line_error(cli("mkfifo", str(path)), 1, "EEXIST", "already exists")
    assert_one_line_error(cli("mkfifo", str(fifo_dir / "x"), "--mode", "0999"), 2, "--mode")
    assert_one_line_error(cli("mkfifo", str(fifo_dir / "no" / "x")), 1, "ENOENT")
    assert cli("mkfifo", str(fifo_dir / "shared"), "--mode", "0640").returncode == 0


def test_write_without_a_reader_fails_at_once_with_enxio(made) -> None:
    line = assert_one_line_error(cli("write", "fifo", str(made), "hello"), 1, "ENXIO", "O_NONBLOCK")
    assert line.startswith(f'ipcscope: open("{made}", O_WRONLY|O_NONBLOCK) failed')


def test_write_then_read_with_a_reader_held(made) -> None:
    held = nonblocking_reader(made)
    try:
        out = cli_json("write", "fifo", str(made), "hello")
        assert (out["result"], out["length"], out["queued"]) == ("fifo-written", 5, 5)
        got = cli_json("read", "fifo", str(made), "--bytes", "3")
        assert got["data"]["text"] == "hel" and got["eof"] is False
        raw = cli("read", "fifo", str(made), "--raw")
        assert raw.returncode == 0 and raw.stdout == "lo"
        eof = cli("read", "fifo", str(made))
        assert eof.returncode == 0 and eof.stdout.startswith("end of file")
    finally:
        os.close(held)


def test_an_empty_fifo_with_a_writer_gives_eagain(made) -> None:
    held = nonblocking_reader(made)
    writer = os.open(made, os.O_WRONLY | os.O_NONBLOCK)
    try:
        assert_one_line_error(cli("read", "fifo", str(made)), 1, "EAGAIN", "O_NONBLOCK")
    finally:
        os.close(writer)
        os.close(held)


def test_waiting_calls_meet_real_processes(made) -> None:
    reader = reader_process(made)
    try:
        sent = cli("write", "fifo", str(made), "hex:48690a", "--timeout", "10")
    finally:
        out = finish(reader)
    assert sent.returncode == 0, sent.stderr
    assert bytes.fromhex(out.strip()) == b"Hi\n"
    writer = writer_process(made, b"back")
    try:
        got = cli("read", "fifo", str(made), "--wait", "--raw")
    finally:
        finish(writer)
    assert got.returncode == 0 and got.stdout == "back"


def test_a_timed_read_without_a_writer_times_out(made) -> None:
    assert_one_line_error(cli("read", "fifo", str(made), "--timeout", "0.2"), 1, "ETIMEDOUT")


def test_what_is_not_a_fifo_is_refused_and_left_alone(fifo_dir) -> None:
    plain = fifo_dir / "plain"
    plain.write_text("keep")
    assert_one_line_error(cli("write", "fifo", str(plain), "x"), 2, "is not a FIFO but a regular file")
    assert_one_line_error(cli("rm", "fifo", str(plain), "--yes"), 2, "not a FIFO")
    assert plain.read_text() == "keep"
    assert_one_line_error(cli("read", "fifo", str(fifo_dir / "absent")), 1, "ENOENT")


def test_the_fifo_forms_and_the_object_forms_keep_their_arguments_apart(made) -> None:
    assert_one_line_error(cli("write", "fifo", str(made)), 2, "needs PATH DATA")
    assert_one_line_error(cli("read", "fifo"), 2, "needs PATH")
    assert_one_line_error(cli("read", "fifo", str(made), "--offset", "3"), 2, "--offset", "--bytes")
    assert_one_line_error(cli("write", "/ring", "x", "--wait"), 2, "--wait applies to FIFOs only")
    assert_one_line_error(cli("read", "/ring", "--bytes", "3"), 2, "--bytes applies to FIFOs only")
    assert_one_line_error(cli("read", "fifo", str(made), "--bytes", "2M"), 2, "--bytes")


def test_read_only_refuses_every_fifo_action(made, fifo_dir) -> None:
    for args in (("mkfifo", str(fifo_dir / "g")), ("write", "fifo", str(made), "x"),
                 ("read", "fifo", str(made)), ("rm", "fifo", str(made), "--yes")):
        assert_one_line_error(cli("--read-only", *args), 1, "read-only mode")
    assert made.exists() and not (fifo_dir / "g").exists()


def test_rm_asks_first_and_needs_yes_without_a_terminal(made) -> None:
    assert_one_line_error(cli("rm", "fifo", str(made)), 1, "without confirmation", "--yes")
    assert made.exists()
    out = cli_json("rm", "fifo", str(made), "--yes")
    assert out["call"] == f'unlink("{made}")' and "unlinked" in out["summary"]
    assert not made.exists()
    failed = cli("rm", "fifo", str(made), "--yes", "--json")
    assert failed.returncode == 1 and json.loads(failed.stdout)["error"]["errno_name"] == "ENOENT"


def test_rm_of_a_fifo_in_a_sticky_directory_explains_eperm(fifo_dir) -> None:
    """Not root, in a sticky directory, another user's FIFO: the kernel says EPERM, and why."""
    os.chmod(fifo_dir, 0o1777)
    path = fifo_dir / "roots.fifo"
    assert cli("mkfifo", str(path), "--mode", "0666").returncode == 0

    # the child cannot import what it has not loaded yet (this interpreter lives under /root)
    import argparse  # noqa: F401
    import contextlib
    import io

    import ipcscope.actions.fifo_removal
    import ipcscope.cli.fifo_cmd
    import ipcscope.probe.processes  # noqa: F401
    from ipcscope.cli import main

    def remove_as_nobody():
        err = io.StringIO()
        with contextlib.redirect_stderr(err):
            status = main(["rm", "fifo", str(path), "--yes"])
        return status, err.getvalue()

    status, err = run_as_user(remove_as_nobody)
    assert status == 1 and "EPERM" in err and "sticky" in err
    assert path.exists()
