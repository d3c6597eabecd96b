"""Every lab runs to the end against the real kernel and leaves nothing behind, even after a crash."""

from __future__ import annotations

import json
import os
import re
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import pytest

from ipcscope.labs import LABS, LabError, LabSession, cleanup_stale, get_lab
from ipcscope.labs.runtime import (
    ObjectRecord,
    PathRecord,
    ProcessRecord,
    SessionState,
    StateFile,
    process_start_time,
    runtime_dir,
)
from tests.helpers import dev_shm_names, lab_sysv_objects, mqueue_names, run_as_user, sysv_ids

ROOT = Path(__file__).resolve().parents[2]
REQUIRED = {"shm-server-client", "message-types", "semaphore-lock", "producer-consumer", "deadlock",
            "posix-mq", "posix-semaphore-shm", "limits",
            "pipe-parent-child", "fifo-rendezvous", "unix-socket-echo", "socketpair-duplex", "tcp-local"}
#: the channel labs and the paths (FIFOs, sockets) each must make and remove
CHANNEL_LAB_PATHS = {"pipe-parent-child": 0, "fifo-rendezvous": 1, "unix-socket-echo": 1,
                     "socketpair-duplex": 0, "tcp-local": 0}


@pytest.fixture
def runtime(tmp_path: Path) -> str:
    path = tmp_path / "runtime"
    path.mkdir(mode=0o700)
    return str(path)


# --------------------------------------------------------------------------- helpers


def object_exists(record: ObjectRecord) -> bool:
    if record.kind in ("shm", "msg", "sem"):
        return record.ident is not None and (record.kind, record.ident) in sysv_ids()
    name = str(record.ident)[1:]
    if record.kind == "pshm":
        return name in dev_shm_names()
    if record.kind == "psem":
        return f"sem.{name}" in dev_shm_names()
    return name in (mqueue_names() or set())


def keys_in_use() -> set[int]:
    keys = set()
    for kind in ("shm", "msg", "sem"):
        with open(f"/proc/sysvipc/{kind}") as handle:
            next(handle)
            keys |= {int(line.split()[0]) & 0xFFFFFFFF for line in handle if line.strip()}
    return keys


def alive(pid: int, start_time: int | None) -> bool:
    return start_time is not None and process_start_time(pid) == start_time


def run_steps(session: LabSession) -> list[tuple[str, bool, str]]:
    results = []
    session.start()
    while True:
        check = session.wait_until_expected()
        results.append((session.step.title, check.ok, check.explanation))
        if not check.ok or not session.has_next:
            return results
        session.next()


def group_members(pgids: set[int]) -> list[int]:
    """Live (not zombie) processes in the process groups `pgids`: a worker's forked children."""
    found = []
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            data = Path(f"/proc/{entry}/stat").read_bytes()
        except OSError:
            continue
        fields = data[data.rfind(b")") + 2:].split()
        if int(fields[2]) in pgids and fields[0] not in (b"Z", b"X"):
            found.append(int(entry))
    return found


def assert_nothing_left(objects: tuple[ObjectRecord, ...], processes: tuple[ProcessRecord, ...],
                        paths: tuple[PathRecord, ...] = ()) -> None:
    left = [record for record in objects if object_exists(record)]
    assert not left, f"objects left behind: {left}"
    planned = {record.key for record in objects if record.key is not None}
    assert not planned & keys_in_use(), "a key the lab planned is still in use"
    running = [p for p in processes if alive(p.pid, p.start_time)]
    assert not running, f"processes left running: {running}"
    children = group_members({p.pid for p in processes})
    assert not children, f"forked children of the lab's workers left running: {children}"
    files = [record.path for record in paths if os.path.lexists(record.path)]
    assert not files, f"FIFO or socket paths left behind: {files}"


# --------------------------------------------------------------------------- the catalog


def test_catalog_has_every_required_lab_with_steps_and_c_code() -> None:
    names = [lab.name for lab in LABS]
    assert set(names) >= REQUIRED and len(names) == len(set(names))
    for lab in LABS:
        assert lab.goal and "\n" not in lab.goal and lab.kinds
        for step in lab.steps:
            assert step.title and step.text and step.c_code, (lab.name, step.title)
            assert step.expect is not None, (lab.name, step.title)


# --------------------------------------------------------------------------- every lab, LabSession directly


@pytest.mark.parametrize("name", [lab.name for lab in LABS])
def test_lab_passes_and_leaves_nothing_behind(name: str, runtime: str) -> None:
    session = LabSession(name, auto=True, runtime=runtime)
    try:
        results = run_steps(session)
        objects = session.context.objects
        processes = session.context._state_file.state.processes
        paths = session.context.paths
        assert [r for r in results if not r[1]] == [], results
        assert len(results) == len(get_lab(name).steps)
    finally:
        report = session.stop()
    assert not report.left, report
    assert all(not p.alive for p in session.processes()), session.processes()
    assert_nothing_left(objects, processes, paths)
    if name in CHANNEL_LAB_PATHS:
        assert len(paths) == CHANNEL_LAB_PATHS[name], paths
        assert all(p.path.startswith(tempfile.gettempdir() + "/ipcscope-lab-") for p in paths), paths
    assert not os.listdir(runtime), "state file or logs left in the runtime directory"


def test_workers_exit_cleanly_on_sigterm_at_stop(runtime: str) -> None:
    session = LabSession("semaphore-lock", auto=True, runtime=runtime)
    try:
        run_steps(session)
        d_pid = session.context.pid("D")
    finally:
        session.stop()
    statuses = {p.label: p for p in session.processes()}
    assert statuses["D"].pid == d_pid
    assert statuses["D"].status == "exited 0"  # SIGTERM -> clean exit
    assert statuses["A"].status == "killed by SIGKILL"
    assert "SIGTERM: exiting" in statuses["D"].last_output


def test_back_shows_an_earlier_step_without_running_it_again(runtime: str) -> None:
    session = LabSession("semaphore-lock", auto=True, runtime=runtime)
    try:
        session.start()
        assert session.wait_until_expected().ok
        session.next()
        assert session.wait_until_expected().ok
        started = len(session.processes())
        assert session.back() is get_lab("semaphore-lock").steps[0] and session.index == 0
        assert not session.has_back
        assert session.next() is get_lab("semaphore-lock").steps[1]
        assert len(session.processes()) == started
        assert session.wait_until_expected().ok
        focus = session.focus()
        assert focus is not None and focus.kind == "sem"
    finally:
        session.stop()


# --------------------------------------------------------------------------- the fixed key 5678


def test_shm_server_client_refuses_an_existing_key_5678(runtime: str) -> None:
    from ipcscope.core import shm

    theirs = shm.create(5678, 100, exclusive=True)
    try:
        session = LabSession("shm-server-client", auto=True, runtime=runtime)
        with pytest.raises(LabError, match="5678"):
            session.start()
        assert session.processes() == ()
        assert shm.stat(theirs).size == 100  # untouched
        assert not os.listdir(runtime)
    finally:
        shm.remove(theirs)


def test_stale_cleanup_leaves_a_fixed_key_the_lab_did_not_create(runtime: str) -> None:
    from ipcscope.core import shm

    theirs = shm.create(5678, 100, exclusive=True)
    try:
        dead = _dead_pid()
        state = SessionState(lab="shm-server-client", owner_pid=dead, owner_start_time=1,
                             ipc_namespace=os.readlink("/proc/self/ns/ipc"), log_dir="", started_at=0,
                             objects=(ObjectRecord("segment", "shm", key=5678, fixed_key=True),))
        StateFile(os.path.join(runtime, f"lab-{dead}.json"), state).save(state)
        notice = cleanup_stale(runtime)
        assert notice is not None and "not created by the lab" in notice
        assert shm.stat(theirs).size == 100
    finally:
        shm.remove(theirs)


# --------------------------------------------------------------------------- FIFO and socket paths


def _stale_state_with_paths(runtime: str, paths: tuple[PathRecord, ...]) -> None:
    dead = _dead_pid()
    state = SessionState(lab="fifo-rendezvous", owner_pid=dead, owner_start_time=1,
                         ipc_namespace=os.readlink("/proc/self/ns/ipc"), log_dir="", started_at=0, paths=paths)
    StateFile(os.path.join(runtime, f"lab-{dead}.json"), state).save(state)


def test_stale_cleanup_removes_a_recorded_fifo_but_not_what_replaced_one(runtime: str, tmp_path: Path) -> None:
    fifo = tmp_path / "ipcscope-lab-fifo"
    os.mkfifo(fifo, 0o600)
    replaced = tmp_path / "ipcscope-lab-was-a-fifo"
    replaced.write_text("someone's file now")
    target = tmp_path / "target-fifo"
    os.mkfifo(target, 0o600)
    link = tmp_path / "ipcscope-lab-link"
    link.symlink_to(target)
    sock = tmp_path / "ipcscope-lab-sock"
    never = tmp_path / "ipcscope-lab-never-made"
    import socket

    server = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    server.bind(str(sock))
    server.close()
    _stale_state_with_paths(runtime, (
        PathRecord("fifo", str(fifo), "fifo"), PathRecord("gone", str(replaced), "fifo"),
        PathRecord("link", str(link), "fifo"), PathRecord("socket", str(sock), "socket"),
        PathRecord("never", str(never), "fifo"), PathRecord("fifo-as-socket", str(target), "socket"),
    ))
    notice = cleanup_stale(runtime)
    assert notice is not None
    assert not fifo.exists() and not sock.exists()
    assert replaced.read_text() == "someone's file now"  # no longer a FIFO: left alone
    assert link.is_symlink() and target.exists()  # lstat: a symlink is not the lab's FIFO
    assert f"Removed FIFO {fifo}, socket {sock}." in notice
    assert f"FIFO {replaced}: no longer the lab's FIFO: left alone" in notice
    assert f"socket {target}: no longer the lab's socket" in notice
    assert str(never) not in notice
    assert not os.listdir(runtime)


def test_a_forged_path_record_is_refused(runtime: str) -> None:
    directory = os.path.join(runtime, "lab-1.json")
    with open(directory, "w") as handle:
        json.dump({"version": 1, "lab": "x", "owner_pid": _dead_pid(), "paths": [
            {"label": "x", "path": "relative/fifo", "type": "fifo"}]}, handle)
    notice = cleanup_stale(runtime)
    assert notice is not None and "unreadable lab state file" in notice


@pytest.mark.parametrize("name", ["pipe-parent-child", "fifo-rendezvous"])
def test_channel_lab_killed_mid_run_leaves_no_child_or_path(name: str, runtime: str) -> None:
    """The lifeline reaches a worker's forked children too, and the next start removes the FIFO."""
    env = dict(os.environ, IPCSCOPE_RUNTIME_DIR=runtime)
    cli = subprocess.Popen([sys.executable, "-m", "ipcscope", "lab", "run", name, "--auto"],
                           cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        # killed once the FIFO exists, or once the first worker has forked its child
        state = _wait_for_state(runtime, cli.pid, lambda s: len(s["processes"]) >= 1 and (
            bool(s["paths"]) and all(os.path.lexists(p["path"]) for p in s["paths"]) if name == "fifo-rendezvous"
            else len(group_members({s["processes"][0]["pid"]})) >= 2))
    finally:
        cli.kill()
        cli.wait()
    processes = tuple(ProcessRecord(**p) for p in state["processes"])
    paths = tuple(PathRecord(**p) for p in state.get("paths", ()))
    deadline = time.monotonic() + 5
    while (group_members({p.pid for p in processes}) or any(alive(p.pid, p.start_time) for p in processes)) \
            and time.monotonic() < deadline:
        time.sleep(0.02)  # gone, and reaped by init (a zombie still counts as alive)
    assert not group_members({p.pid for p in processes}), "workers or their children outlived the session"
    notice = cleanup_stale(runtime)
    if paths:
        assert notice is not None and f"Removed FIFO {paths[0].path}" in notice
    assert_nothing_left((), processes, paths)
    assert not os.listdir(runtime)


# --------------------------------------------------------------------------- crashes


def test_killed_mid_lab_next_session_cleans_up_with_a_notice(runtime: str) -> None:
    env = dict(os.environ, IPCSCOPE_RUNTIME_DIR=runtime)
    cli = subprocess.Popen([sys.executable, "-m", "ipcscope", "lab", "run", "semaphore-lock", "--auto"],
                           cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        state = _wait_for_state(runtime, cli.pid, lambda s: len(s["processes"]) >= 2
                                and any(o["ident"] is not None for o in s["objects"]))
    finally:
        cli.kill()
        cli.wait()
    objects = tuple(ObjectRecord(**o) for o in state["objects"])
    processes = tuple(ProcessRecord(**p) for p in state["processes"])
    assert any(object_exists(o) for o in objects), "the crash should have left the lab's set"
    # The lifeline: the workers notice their session died and exit by themselves.
    deadline = time.monotonic() + 5
    while any(alive(p.pid, p.start_time) for p in processes) and time.monotonic() < deadline:
        time.sleep(0.02)
    assert not any(alive(p.pid, p.start_time) for p in processes), "workers outlived their session"

    session = LabSession("deadlock", auto=True, runtime=runtime)
    try:
        notice = session.start()
    finally:
        session.stop()
    assert notice is not None and "semaphore-lock" in notice and f"pid {cli.pid}" in notice
    assert "Removed semaphore set" in notice
    assert_nothing_left(objects, processes)
    assert not os.listdir(runtime)


@pytest.mark.parametrize("sig", [signal.SIGINT, signal.SIGTERM])
def test_auto_run_interrupted_cleans_up(sig: int, runtime: str) -> None:
    env = dict(os.environ, IPCSCOPE_RUNTIME_DIR=runtime)
    cli = subprocess.Popen([sys.executable, "-m", "ipcscope", "lab", "run", "deadlock", "--auto"],
                           cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    try:
        state = _wait_for_state(runtime, cli.pid, lambda s: len(s["processes"]) >= 1
                                and any(o["ident"] is not None for o in s["objects"]))
        cli.send_signal(sig)
        out, _ = cli.communicate(timeout=15)
    finally:
        if cli.poll() is None:
            cli.kill()
            cli.wait()
    assert cli.returncode == 130, out
    assert "INTERRUPTED" in out and "removed semaphore set" in out
    assert_nothing_left(tuple(ObjectRecord(**o) for o in state["objects"]),
                        tuple(ProcessRecord(**p) for p in state["processes"]))
    assert not os.listdir(runtime)


def test_stale_cleanup_kills_a_surviving_process(runtime: str) -> None:
    sleeper = subprocess.Popen(["sleep", "60"], start_new_session=True)
    try:
        dead = _dead_pid()
        state = SessionState(lab="deadlock", owner_pid=dead, owner_start_time=1,
                             ipc_namespace=os.readlink("/proc/self/ns/ipc"), log_dir="", started_at=0,
                             processes=(ProcessRecord("P", sleeper.pid, process_start_time(sleeper.pid)),))
        StateFile(os.path.join(runtime, f"lab-{dead}.json"), state).save(state)
        notice = cleanup_stale(runtime)
        assert notice is not None and f"P (pid {sleeper.pid})" in notice
        assert sleeper.wait(5) == -signal.SIGKILL
        assert cleanup_stale(runtime) is None  # said once
    finally:
        if sleeper.poll() is None:
            sleeper.kill()
        sleeper.wait()


def test_stale_cleanup_ignores_live_owners_and_other_namespaces(runtime: str) -> None:
    mine = SessionState(lab="deadlock", owner_pid=os.getpid(), owner_start_time=process_start_time(os.getpid()),
                        ipc_namespace="", log_dir="", started_at=0)
    other = SessionState(lab="deadlock", owner_pid=_dead_pid(), owner_start_time=1,
                         ipc_namespace="ipc:[1]", log_dir="", started_at=0,
                         objects=(ObjectRecord("locks", "sem", key=0x1A000001, ident=0),))
    for state in (mine, other):
        StateFile(os.path.join(runtime, f"lab-{state.owner_pid}.json"), state).save(state)
    assert cleanup_stale(runtime) is None
    assert len(os.listdir(runtime)) == 2


def _dead_pid() -> int:
    child = subprocess.Popen(["true"])
    child.wait()
    return child.pid


def _wait_for_state(runtime: str, owner: int, ready, timeout: float = 15.0) -> dict:
    path = os.path.join(runtime, f"lab-{owner}.json")
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            with open(path) as handle:
                state = json.load(handle)
            if ready(state):
                return state
        except (OSError, ValueError):
            pass
        time.sleep(0.02)
    raise AssertionError(f"the lab never reached the expected state ({path})")


# --------------------------------------------------------------------------- the CLI


def run_cli(*args: str, runtime: str | None = None, timeout: float = 60) -> subprocess.CompletedProcess:
    env = dict(os.environ)
    if runtime:
        env["IPCSCOPE_RUNTIME_DIR"] = runtime
    return subprocess.run([sys.executable, "-m", "ipcscope", *args], cwd=ROOT, env=env,
                          capture_output=True, text=True, timeout=timeout)


@pytest.mark.parametrize("name", ["shm-server-client", "posix-mq"])
def test_cli_auto_run_passes_and_cleans_up(name: str, runtime: str) -> None:
    before_sysv, before_shm = lab_sysv_objects(), dev_shm_names()
    proc = run_cli("lab", "run", name, "--auto", runtime=runtime)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert f"Lab {name} passed" in proc.stdout
    assert proc.stdout.count("[ok]") == len(get_lab(name).steps)
    # Other xdist workers run SysV labs meanwhile: an object of theirs goes away when their lab
    # ends, one this run leaked stays. Keep only the new objects that stay for a few seconds.
    leaked = lab_sysv_objects() - before_sysv
    deadline = time.monotonic() + 15
    while leaked and time.monotonic() < deadline:
        time.sleep(0.1)
        leaked &= lab_sysv_objects()
    assert leaked == set()
    assert {n for n in dev_shm_names() - before_shm if "ipcscope-lab" in n} == set()
    names = set(re.findall(r"/ipcscope-lab-[\w-]+", proc.stdout))
    assert not names & {"/" + n for n in (mqueue_names() or set())}
    for pid in {int(p) for p in re.findall(r"\[(\d+)\]", proc.stdout)}:
        assert not os.path.exists(f"/proc/{pid}") or _is_other_process(pid), f"worker {pid} still running"
    assert not os.listdir(runtime)


def _is_other_process(pid: int) -> bool:
    try:
        return b"ipcscope.labs.workers" not in Path(f"/proc/{pid}/cmdline").read_bytes()
    except OSError:
        return True


def test_cli_list_show_and_errors() -> None:
    listing = run_cli("lab", "list")
    assert listing.returncode == 0
    assert all(name in listing.stdout for name in REQUIRED)
    show = run_cli("lab", "show", "deadlock")
    assert show.returncode == 0 and "semop(semid, &take1, 1);" in show.stdout
    unknown = run_cli("lab", "run", "no-such-lab")
    assert unknown.returncode == 2 and unknown.stderr.count("\n") == 1 and "semaphore-lock" in unknown.stderr
    read_only = run_cli("--read-only", "lab", "run", "deadlock", "--auto")
    assert read_only.returncode == 2 and "--read-only" in read_only.stderr


# --------------------------------------------------------------------------- the runtime directory


def test_runtime_dir_is_private_and_refuses_other_users_directories() -> None:
    parent = tempfile.mkdtemp()
    try:
        os.chmod(parent, 0o1777)
        path = os.path.join(parent, "nobody")
        made = run_as_user(lambda: runtime_dir(path))
        info = os.lstat(made)
        assert info.st_uid == 65534 and info.st_mode & 0o777 == 0o700
        from ipcscope.core.errors import ValidationError

        with pytest.raises(ValidationError):
            runtime_dir(path)  # root must not use nobody's directory
        os.symlink(parent, os.path.join(parent, "link"))
        with pytest.raises(ValidationError):
            runtime_dir(os.path.join(parent, "link"))
        assert run_as_user(lambda: cleanup_stale(path)) is None
    finally:
        subprocess.run(["rm", "-rf", parent], check=True)


def test_labs_and_workers_do_not_import_textual() -> None:
    code = ("import sys, ipcscope.labs.session, ipcscope.labs.catalog, ipcscope.labs.auto, "
            "ipcscope.labs.workers, ipcscope.cli.lab_cmd\n"
            "sys.exit(1 if any(m == 'textual' or m.startswith('textual.') for m in sys.modules) else 0)")
    assert subprocess.run([sys.executable, "-c", code], cwd=ROOT).returncode == 0
