"""Every action subcommand through `python -m ipcscope`, checked against the kernel's own view
(/proc/sysvipc, ipcs, /dev/shm, core's stat calls). Run under `unshare --ipc` (see BRIEF.md)."""

from __future__ import annotations

import json
import os
import signal
import stat
import subprocess
import sys
import time

import pytest

from tests.actions.support import (
    PACKAGE_ROOT,
    SHM_DIR,
    Created,
    assert_one_line_error,
    cli,
    cli_env,
    cli_json,
    ipcs_qbytes,
    ipcs_sem_values,
    proc_sysvipc,
)
from tests.helpers import run_as_user, unique_key, unique_name


@pytest.fixture
def created():
    objects = Created()
    try:
        yield objects
    finally:
        objects.remove_all()


def make(created: Created, *args: str) -> int | str:
    out = cli_json("create", *args)
    assert out["ok"] and out["result"] == "created"
    return created.add(out["kind"], out["ident"])


# --------------------------------------------------------------------------- create


def test_create_shm_as_the_kernel_shows_it(created: Created) -> None:
    key = unique_key()
    out = cli_json("create", "shm", "--key", hex(key), "--size", "8K")
    shmid = created.add("shm", out["ident"])
    assert out["key"] == f"0x{key:08x}" and out["call"] == f"shmget(0x{key:08x}, 8192, IPC_CREAT|0600)"
    row = proc_sysvipc("shm", shmid)
    assert row and (row["key"], row["size"], row["perms"]) == (key, 8192, 0o600)

    opened = cli_json("create", "shm", "--key", hex(key), "--size", "4096")
    assert opened["ident"] == shmid and opened["existed"] is True and "existing" in opened["summary"]
    assert out["existed"] is False
    again = cli("create", "shm", "--key", str(key), "--size", "4096", "--mode", "0640", "--exclusive")
    assert_one_line_error(again, 1, "shmget(", "IPC_EXCL", "EEXIST")

    private = make(created, "shm", "--key", "private", "--size", "100", "--mode", "640")
    row = proc_sysvipc("shm", int(private))
    assert row and (row["key"], row["size"], row["perms"]) == (0, 100, 0o640)


def test_create_msg_and_sem(created: Created) -> None:
    key = unique_key()
    msqid = make(created, "msg", "--key", hex(key), "--mode", "0660")
    assert proc_sysvipc("msg", int(msqid))["perms"] == 0o660
    semid = make(created, "sem", "--key", hex(key), "--nsems", "3", "--values", "1,0,2")
    row = proc_sysvipc("sem", int(semid))
    assert row and (row["key"], row["nsems"], row["perms"]) == (key, 3, 0o600)
    assert ipcs_sem_values(int(semid)) == [1, 0, 2]


def test_create_posix_objects(created: Created) -> None:
    from ipcscope.core import posix_mq, posix_sem

    queue = unique_name()
    out = cli_json("create", "pmq", queue, "--maxmsg", "4", "--msgsize", "128")
    created.add("pmq", out["ident"])
    mqd = posix_mq.open(queue, readonly=True)
    try:
        attr = posix_mq.getattr(mqd)
        assert (attr.maxmsg, attr.msgsize) == (4, 128)
        assert stat.S_IMODE(os.fstat(mqd).st_mode) == 0o600
    finally:
        posix_mq.close(mqd)

    area = unique_name()
    make(created, "pshm", area, "--size", "3K", "--mode", "0640")
    info = os.stat(f"{SHM_DIR}/{area[1:]}")
    assert (info.st_size, stat.S_IMODE(info.st_mode)) == (3072, 0o640)
    assert_one_line_error(cli("create", "pshm", area, "--size", "1"), 1, "shm_open", "EEXIST")

    semaphore = unique_name()
    make(created, "psem", semaphore, "--value", "3")
    assert os.path.exists(f"{SHM_DIR}/sem.{semaphore[1:]}")
    assert posix_sem.getvalue(semaphore) == 3


# --------------------------------------------------------------------------- messages


def test_send_peek_recv_system_v(created: Created) -> None:
    msqid = str(make(created, "msg", "--key", "private"))
    assert cli("send", msqid, "--type", "7", "hello").returncode == 0
    assert cli("send", msqid, "--type", "2", "--hex", "00ff").returncode == 0
    row = proc_sysvipc("msg", int(msqid))
    assert (row["qnum"], row["cbytes"]) == (2, 7)

    peeked = cli_json("peek", msqid)
    assert [(m["mtype"], m["data"]["hex"]) for m in peeked["messages"]] == [(7, "68656c6c6f"), (2, "00ff")]
    assert proc_sysvipc("msg", int(msqid))["qnum"] == 2  # nothing consumed

    got = cli_json("recv", msqid, "--type", "2")
    assert (got["mtype"], got["data"]["hex"]) == (2, "00ff")
    text = cli("recv", msqid)
    assert text.returncode == 0 and "type 7" in text.stdout and "'hello'" in text.stdout
    assert proc_sysvipc("msg", int(msqid))["qnum"] == 0

    empty = cli("recv", msqid)
    assert_one_line_error(empty, 1, "msgrcv(", "IPC_NOWAIT", "ENOMSG")
    started = time.monotonic()
    timed = cli("recv", msqid, "--timeout", "0.3")
    assert 0.25 < time.monotonic() - started < 5
    assert_one_line_error(timed, 1, "msgrcv(", "ETIMEDOUT")


def test_recv_raw_and_except(created: Created) -> None:
    msqid = str(make(created, "msg", "--key", "private"))
    for mtype, text in (("1", "one"), ("2", "two"), ("3", "three")):
        assert cli("send", msqid, "--type", mtype, text).returncode == 0
    assert cli("recv", msqid, "--type", "1", "--except", "--raw").stdout == "two"
    assert cli("recv", msqid, "--type", "-3", "--raw").stdout == "one"
    assert_one_line_error(cli("recv", msqid, "--type", "3", "--maxsize", "2"), 1, "E2BIG")
    assert cli("recv", msqid, "--type", "3", "--maxsize", "2", "--noerror", "--raw").stdout == "th"


def test_posix_queue_send_recv_by_priority(created: Created) -> None:
    queue = str(make(created, "pmq", unique_name(), "--maxmsg", "2", "--msgsize", "64"))
    assert cli("send", queue, "low").returncode == 0
    assert cli("send", queue, "--priority", "9", "high").returncode == 0
    assert_one_line_error(cli("send", queue, "third"), 1, "mq_send", "EAGAIN")
    first = cli_json("recv", queue)
    assert (first["priority"], first["data"]["text"]) == (9, "high")
    assert cli("recv", queue, "--raw").stdout == "low"
    assert_one_line_error(cli("recv", queue), 1, "mq_receive", "EAGAIN")
    started = time.monotonic()
    assert_one_line_error(cli("recv", queue, "--timeout", "0.2"), 1, "ETIMEDOUT")
    assert time.monotonic() - started >= 0.2


def test_setqbytes(created: Created) -> None:
    msqid = str(make(created, "msg", "--key", "private"))
    assert cli("setqbytes", msqid, "4K").returncode == 0
    assert ipcs_qbytes(int(msqid)) == 4096


# --------------------------------------------------------------------------- semaphores


def test_semop_setval_setall(created: Created) -> None:
    semid = str(make(created, "sem", "--key", "private", "--nsems", "3", "--values", "1,0,0"))
    out = cli_json("semop", semid, "0:-1", "2:+2")
    assert out["call"] == f"semop({semid}, {{{{0, -1, 0}}, {{2, +2, 0}}}}, 2)"
    assert ipcs_sem_values(int(semid)) == [0, 0, 2]
    assert_one_line_error(cli("semop", semid, "0:-1:nowait"), 1, "semop(", "IPC_NOWAIT", "EAGAIN")
    assert_one_line_error(cli("semop", semid, "0:-1", "--timeout", "0.2"), 1, "semtimedop(", "EAGAIN")
    assert_one_line_error(cli("semop", semid, "3:-1"), 2, "the set has 3")

    assert cli("setval", semid, "1", "7").returncode == 0
    assert ipcs_sem_values(int(semid)) == [0, 7, 2]
    assert cli("setval", semid, "--all", "4,5,6").returncode == 0
    assert ipcs_sem_values(int(semid)) == [4, 5, 6]
    assert_one_line_error(cli("setval", semid, "--all", "1,2"), 2, "the set has 3")


def test_semop_with_undo_is_reverted_when_the_cli_exits(created: Created) -> None:
    semid = str(make(created, "sem", "--key", "private", "--nsems", "1", "--values", "1"))
    proc = cli("semop", semid, "0:-1:undo")
    assert proc.returncode == 0 and "SEM_UNDO" in proc.stdout
    assert ipcs_sem_values(int(semid)) == [1]


def test_posix_semaphore_post_wait_trywait(created: Created) -> None:
    from ipcscope.core import posix_sem

    name = str(make(created, "psem", unique_name(), "--value", "0"))
    assert cli("post", name).returncode == 0
    assert posix_sem.getvalue(name) == 1
    assert cli("wait", name).returncode == 0
    assert_one_line_error(cli("trywait", name), 1, "sem_trywait", "EAGAIN")
    assert_one_line_error(cli("wait", name, "--timeout", "0.2"), 1, "sem_timedwait", "ETIMEDOUT")
    assert cli("post", name).returncode == 0 and cli("trywait", name).returncode == 0
    assert posix_sem.getvalue(name) == 0


# --------------------------------------------------------------------------- memory


def test_write_and_read_system_v_shm(created: Created) -> None:
    shmid = str(make(created, "shm", "--key", "private", "--size", "64"))
    assert cli("write", shmid, "--offset", "4", "hello").returncode == 0
    assert cli("write", shmid, "--offset", "0x10", "hex:deadbeef").returncode == 0
    read = cli_json("read", shmid, "--offset", "4", "--length", "5")
    assert read["data"]["text"] == "hello"
    dump = cli("read", shmid, "--length", "32")
    assert "00000010  de ad be ef" in dump.stdout and "|....hello" in dump.stdout
    raw = subprocess.run([sys.executable, "-m", "ipcscope", "read", shmid, "--offset", "16", "--length", "4",
                          "--raw"], cwd=PACKAGE_ROOT, env=cli_env(), capture_output=True)
    assert raw.stdout == b"\xde\xad\xbe\xef"
    assert_one_line_error(cli("write", shmid, "--offset", "62", "abc"), 2, "only 2 fit")
    assert_one_line_error(cli("read", shmid, "--offset", "64"), 2, "--offset")


def test_write_and_read_posix_shm(created: Created) -> None:
    name = str(make(created, "pshm", unique_name(), "--size", "32"))
    assert cli("write", name, "--offset", "8", "posix").returncode == 0
    with open(f"{SHM_DIR}/{name[1:]}", "rb") as handle:
        assert handle.read()[8:13] == b"posix"
    assert cli_json("read", name, "--offset", "8", "--length", "5")["data"]["text"] == "posix"


def test_shm_lock_unlock(created: Created) -> None:
    shmid = str(make(created, "shm", "--key", "private", "--size", "4096"))
    assert cli("shm", "lock", shmid).returncode == 0
    assert proc_sysvipc("shm", int(shmid))["perms"] & 0o2000
    assert cli("shm", "unlock", shmid).returncode == 0
    assert not proc_sysvipc("shm", int(shmid))["perms"] & 0o2000


# --------------------------------------------------------------------------- permissions and owners


def test_chmod_and_chown_every_kind(created: Created) -> None:
    shmid = str(make(created, "shm", "--key", "private", "--size", "16"))
    msqid = str(make(created, "msg", "--key", "private"))
    semid = str(make(created, "sem", "--key", "private", "--nsems", "1"))
    for kind, ident in (("shm", shmid), ("msg", msqid), ("sem", semid)):
        assert cli("chmod", kind, ident, "0640").returncode == 0
        assert cli("chown", kind, ident, "nobody:nogroup").returncode == 0
        row = proc_sysvipc(kind, int(ident))
        assert (row["perms"] & 0o777, row["uid"], row["cuid"]) == (0o640, 65534, 0)
    area = str(make(created, "pshm", unique_name(), "--size", "8"))
    sem_name = str(make(created, "psem", unique_name()))
    queue = str(make(created, "pmq", unique_name()))
    assert cli("chmod", "pshm", area, "0604").returncode == 0
    assert stat.S_IMODE(os.stat(f"{SHM_DIR}/{area[1:]}").st_mode) == 0o604
    assert cli("chown", "psem", sem_name, "65534").returncode == 0
    assert os.stat(f"{SHM_DIR}/sem.{sem_name[1:]}").st_uid == 65534
    assert cli("chmod", "pmq", queue, "0660").returncode == 0
    from ipcscope.core import posix_mq

    mqd = posix_mq.open(queue, readonly=True)
    try:
        assert stat.S_IMODE(os.fstat(mqd).st_mode) == 0o660
    finally:
        posix_mq.close(mqd)


# --------------------------------------------------------------------------- removal


def test_rm_with_yes_and_refusals(created: Created) -> None:
    shmid = str(make(created, "shm", "--key", "private", "--size", "16"))
    refused = cli("rm", "shm", shmid)
    assert_one_line_error(refused, 1, "no terminal", "--yes")
    assert proc_sysvipc("shm", int(shmid)) is not None
    removed = cli("rm", "shm", shmid, "--yes")
    assert removed.returncode == 0 and "removed shm" in removed.stdout
    assert proc_sysvipc("shm", int(shmid)) is None
    assert_one_line_error(cli("rm", "shm", shmid, "--yes"), 1, "nothing removed")

    name = str(make(created, "pshm", unique_name(), "--size", "8"))
    assert cli("rm", "pshm", name, "--yes").returncode == 0
    assert not os.path.exists(f"{SHM_DIR}/{name[1:]}")
    for kind in ("pmq", "psem"):
        other = str(make(created, kind, unique_name()))
        assert cli_json("rm", kind, other, "--yes")["ok"]


def _rm_on_a_terminal(*args: str) -> tuple[subprocess.Popen, int]:
    """Start `ipcscope rm ARGS` with a pseudo-terminal as stdin; return it and the master fd."""
    master, slave = os.openpty()
    proc = subprocess.Popen([sys.executable, "-m", "ipcscope", "rm", *args], cwd=PACKAGE_ROOT,
                            env=cli_env(), stdin=slave, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                            text=True)
    os.close(slave)
    return proc, master


def _wait_for_prompt(proc: subprocess.Popen) -> str:
    shown = ""
    while "[y/N]" not in shown:
        char = proc.stderr.read(1)
        assert char, shown
        shown += char
    return shown


def test_rm_asks_on_a_terminal(created: Created) -> None:
    msqid = str(make(created, "msg", "--key", "private"))
    assert cli("send", msqid, "--type", "1", "keep me").returncode == 0
    proc, master = _rm_on_a_terminal("msg", msqid)
    try:
        prompt = _wait_for_prompt(proc)
        assert "1 message (7B) will be lost" in prompt and "msgctl(" in prompt
        os.write(master, b"n\n")
        assert proc.wait(10) == 1
    finally:
        os.close(master)
    assert "nothing removed" in proc.stderr.read()
    assert proc_sysvipc("msg", int(msqid)) is not None

    proc, master = _rm_on_a_terminal("msg", msqid)
    try:
        _wait_for_prompt(proc)
        os.write(master, b"y\n")
        assert proc.wait(10) == 0
    finally:
        os.close(master)
    assert proc_sysvipc("msg", int(msqid)) is None


def test_rm_of_an_attached_segment_names_the_holder_and_marks_dest(created: Created) -> None:
    from ipcscope.core import shm

    shmid = int(make(created, "shm", "--key", hex(unique_key()), "--size", "4096"))
    attachment = shm.attach(shmid)
    try:
        proc, master = _rm_on_a_terminal("shm", str(shmid))
        try:
            prompt = _wait_for_prompt(proc)
            assert f"pid {os.getpid()}" in prompt and "marked for destruction" in prompt
            os.write(master, b"yes\n")
            assert proc.wait(10) == 0
        finally:
            os.close(master)
        assert "marked for destruction" in proc.stdout.read()
        row = proc_sysvipc("shm", shmid)
        assert row is not None and row["perms"] & 0o1000
    finally:
        attachment.detach()
    assert proc_sysvipc("shm", shmid) is None


def test_rm_refuses_when_the_id_was_reused_meanwhile(created: Created) -> None:
    """Removed and recreated (same id, other key) between the question and the answer."""
    shmid = int(make(created, "shm", "--key", hex(unique_key()), "--size", "16"))
    proc, master = _rm_on_a_terminal("shm", str(shmid))
    try:
        _wait_for_prompt(proc)
        subprocess.run(["ipcrm", "-m", str(shmid)], check=True)
        with open("/proc/sys/kernel/shm_next_id", "w") as handle:
            handle.write(str(shmid))
        other_key = unique_key()
        replacement = cli_json("create", "shm", "--key", hex(other_key), "--size", "32")
        created.add("shm", replacement["ident"])
        assert replacement["ident"] == shmid
        os.write(master, b"y\n")
        assert proc.wait(10) == 1
    finally:
        os.close(master)
    error = proc.stderr.read().strip().splitlines()[-1]
    assert f"shm {shmid} changed since it was shown" in error and f"0x{other_key:08x}" in error
    assert "nothing removed" in error
    row = proc_sysvipc("shm", shmid)
    assert row is not None and row["key"] == other_key  # the new segment is untouched


# --------------------------------------------------------------------------- read-only, bad input, ^C


CHANGING = [
    ["create", "shm", "--key", "private", "--size", "16"],
    ["create", "pmq", "/ro_test"],
    ["send", "{msg}", "--type", "1", "x"],
    ["recv", "{msg}"],
    ["semop", "{sem}", "0:+1"],
    ["setval", "{sem}", "0", "1"],
    ["setval", "{sem}", "--all", "1"],
    ["write", "{shm}", "x"],
    ["chmod", "shm", "{shm}", "0644"],
    ["chown", "shm", "{shm}", "0"],
    ["rm", "shm", "{shm}", "--yes"],
    ["shm", "lock", "{shm}"],
    ["setqbytes", "{msg}", "100"],
    ["post", "/ro_sem"],
    ["wait", "/ro_sem"],
    ["trywait", "/ro_sem"],
]


def test_read_only_refuses_every_change(created: Created) -> None:
    ids = {"shm": str(make(created, "shm", "--key", "private", "--size", "16")),
           "msg": str(make(created, "msg", "--key", "private")),
           "sem": str(make(created, "sem", "--key", "private", "--nsems", "1"))}
    before = {kind: proc_sysvipc(kind, int(ident)) for kind, ident in ids.items()}
    for argv in CHANGING:
        args = [arg.format(**ids) for arg in argv]
        assert_one_line_error(cli("--read-only", *args), 1, "read-only mode")
    assert {kind: proc_sysvipc(kind, int(ident)) for kind, ident in ids.items()} == before
    assert cli("--read-only", "read", ids["shm"]).returncode == 0
    assert cli("--read-only", "peek", ids["msg"]).returncode == 0


HOSTILE = [
    ["create", "shm", "--key", "0xZZ", "--size", "1"],
    ["create", "shm", "--key", "1", "--size", "-1"],
    ["create", "shm", "--key", "1", "--size", "99999999999999999999999999"],
    ["create", "shm", "--key", "1", "--size", "1", "--mode", "0999"],
    ["create", "shm", "--key", "ftok:/no/such/file:1", "--size", "1"],
    ["create", "shm", "--key", "1"],
    ["create", "msg", "--key", "\n"],
    ["create", "sem", "--key", "1", "--nsems", "0"],
    ["create", "sem", "--key", "1", "--nsems", "2", "--values", "1"],
    ["create", "pmq", "no-slash"],
    ["create", "pmq", "/a/b"],
    ["create", "pmq", "/q", "--maxmsg", "x"],
    ["create", "pshm", "/x", "--size", "1T1"],
    ["create", "psem", "/x", "--value", "-1"],
    ["create", "bogus"],
    ["send", "1", "x"],
    ["send", "1", "--type", "0", "x"],
    ["send", "1", "--type", "1", "--hex", "xyz"],
    ["send", "/q", "--type", "1", "x"],
    ["send", "/q", "--priority", "99999", "x"],
    ["send", "abc", "--type", "1", "x"],
    ["recv", "1", "--type", "1.5"],
    ["recv", "1", "--type", "0", "--except"],
    ["recv", "1", "--timeout", "-3"],
    ["recv", "/q", "--type", "1"],
    ["peek", "-5"],
    ["peek", "1", "--index", "x"],
    ["semop", "1", "0"],
    ["semop", "1", "0:-1:sometimes"],
    ["semop", "1", "x:1"],
    ["semop", "1", "0:-1", "--timeout", "nan"],
    ["setval", "1"],
    ["setval", "1", "0", "40000"],
    ["setval", "1", "--all", "1,,2"],
    ["read", "1", "--offset", "-1"],
    ["read", "1", "--length", "0"],
    ["write", "1", "hex:1"],
    ["write", "1", ""],
    ["chmod", "shm", "1", "rwx"],
    ["chmod", "box", "1", "0600"],
    ["chown", "shm", "1", "no_such_user_here"],
    ["rm", "shm", "one", "--yes"],
    ["rm", "pmq", "noslash", "--yes"],
    ["shm", "lock", "x"],
    ["setqbytes", "1", "lots"],
    ["post", "no/slash"],
    ["wait", "/s", "--timeout", "forever"],
    ["trywait", ""],
]


@pytest.mark.parametrize("argv", HOSTILE, ids=lambda argv: " ".join(argv)[:40])
def test_hostile_input_exits_2_with_one_line(argv: list[str]) -> None:
    line = assert_one_line_error(cli(*argv), 2)
    assert line.startswith("ipcscope")


def test_json_errors_are_objects_too() -> None:
    proc = cli("semop", "1", "9:-1:x", "--json")
    assert proc.returncode == 2
    error = json.loads(proc.stdout)
    assert error["ok"] is False and error["error"]["field"] == "ops"
    missing = cli("semop", "2147483000", "0:+1", "--json")
    assert missing.returncode == 1
    payload = json.loads(missing.stdout)["error"]
    assert payload["errno_name"] == "EINVAL" and payload["call"].startswith("semop(2147483000")
    assert payload["explanation"]


def test_kernel_errors_name_errno_and_explanation(created: Created) -> None:
    line = assert_one_line_error(cli("semop", "2147483000", "0:+1"), 1, "semop(2147483000", "EINVAL")
    assert line.split("EINVAL: ", 1)[1].strip()
    semid = str(make(created, "sem", "--key", "private", "--nsems", "1", "--mode", "0600"))
    import ipcscope.actions
    import ipcscope.actions.runner_worker
    import ipcscope.cli.actions_cmd
    import ipcscope.core.sem  # noqa: F401

    status, err = run_as_user(lambda: _main_capturing("semop", semid, "0:+1"))
    assert status == 1 and len(err.strip().splitlines()) == 1, err
    assert f"semop({semid}, {{{{0, +1, 0}}}}, 1) failed: EACCES: " in err
    assert ipcs_sem_values(int(semid)) == [0]


def _main_capturing(*argv: str) -> tuple[int, str]:
    """The CLI's main() in this (forked, unprivileged) process, with its stderr captured."""
    import contextlib
    import io

    from ipcscope.cli import main

    err = io.StringIO()
    with contextlib.redirect_stderr(err), contextlib.redirect_stdout(io.StringIO()):
        status = main(list(argv))
    return status, err.getvalue()


def test_ctrl_c_while_blocked_exits_130_quietly(created: Created) -> None:
    msqid = str(make(created, "msg", "--key", "private"))
    proc = subprocess.Popen([sys.executable, "-m", "ipcscope", "recv", msqid, "--wait"], cwd=PACKAGE_ROOT,
                            env=cli_env(), stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        deadline = time.monotonic() + 10
        from tests.actions.support import blocked_syscalls

        while 70 not in blocked_syscalls(proc.pid):  # msgrcv
            assert time.monotonic() < deadline and proc.poll() is None
            time.sleep(0.02)
        proc.send_signal(signal.SIGINT)
        out, err = proc.communicate(timeout=10)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
    assert proc.returncode == 130 and "Traceback" not in err
