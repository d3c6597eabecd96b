"""`ipcscope serve`: what it refuses and says, the websocket guard, and a served lab that runs its
own steps while the app stays read-only."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path

import pytest

from ipcscope.cli.serve_cmd import notice, refusal
from ipcscope.labs import LabSession
from ipcscope.labs.runtime import RUNTIME_ENV
from ipcscope.ui.web.server import is_loopback_name, session_command, websocket_refusal
from tests.ui.conftest import make_app

LAB = "shm-server-client"


def _serve(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "ipcscope", *args], capture_output=True, text=True,
                          timeout=30)


def test_actions_are_refused_as_root() -> None:
    assert "refusing --allow-actions as root" in (refusal(allow_actions=True, euid=0, global_read_only=False) or "")
    assert refusal(allow_actions=True, euid=1000, global_read_only=False) is None
    assert refusal(allow_actions=False, euid=0, global_read_only=False) is None
    assert refusal(allow_actions=True, euid=1000, global_read_only=True) is not None
    assert refusal(allow_actions=False, euid=1000, global_read_only=False, demo=True, lab=LAB) is not None


def test_the_command_refuses_before_listening(root_only: None) -> None:
    proc = _serve("serve", "--allow-actions")
    assert proc.returncode == 2 and "refusing --allow-actions as root" in proc.stderr
    proc = _serve("serve", "--lab", "no-such-lab")
    assert proc.returncode == 2 and "no lab named 'no-such-lab'" in proc.stderr and LAB in proc.stderr


def test_the_notice_says_who_can_connect() -> None:
    local = notice(host="127.0.0.1", port=8765, user="alice", uid=1000, read_only=True, lab=None)
    assert "read-only" in local[0] and any("every local user" in line for line in local)
    wide = notice(host="0.0.0.0", port=8765, user="alice", uid=1000, read_only=False, lab=LAB)
    assert any(line.startswith("WARNING") and "uses the app as alice" in line for line in wide)
    assert "ALLOWED" in wide[0] and any(LAB in line for line in wide)


def test_the_help_says_loopback_and_read_only() -> None:
    text = " ".join(_serve("serve", "--help").stdout.split())
    assert "default 127.0.0.1" in text and "Read-only unless --allow-actions" in text
    assert "no password" in text


@pytest.mark.parametrize("origin, host, loopback, refused", [
    ("http://127.0.0.1:8765", "127.0.0.1:8765", True, False),
    (None, "127.0.0.1:8765", True, False),  # not a browser: no page drives it
    ("http://evil.example", "127.0.0.1:8765", True, True),  # another site's page
    ("http://evil.example:8765", "evil.example:8765", True, True),  # DNS rebinding
    ("http://[::1]:8765", "[::1]:8765", True, False),
    ("http://lab.example:8765", "lab.example:8765", False, False),  # --host 0.0.0.0 by name
    ("http://evil.example", "lab.example:8765", False, True),
])
def test_the_websocket_guard(origin: str | None, host: str, loopback: bool, refused: bool) -> None:
    assert (websocket_refusal(origin, host, loopback=loopback) is not None) == refused


def test_loopback_names_need_no_lookup() -> None:
    assert is_loopback_name("localhost:8765") and is_loopback_name("127.1.2.3") and is_loopback_name("[::1]:80")
    assert not is_loopback_name("10.0.0.1:8765") and not is_loopback_name("evil.example")


def test_each_connection_runs_the_app_module_read_only() -> None:
    command = session_command(read_only=True, lab=LAB, interval=2.0)
    assert command.startswith("exec ") and "ipcscope.ui.web.session" in command
    assert "--read-only" in command and f"--lab {LAB}" in command and "--interval 2" in command
    assert "--read-only" not in session_command(read_only=False, lab=None, interval=1.0)


def _runtime(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> str:
    path = tmp_path / "runtime"
    path.mkdir(mode=0o700)
    monkeypatch.setenv(RUNTIME_ENV, str(path))
    return str(path)


async def test_a_served_lab_runs_its_steps_while_the_panels_stay_read_only(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    runtime = _runtime(tmp_path, monkeypatch)
    app = make_app(read_only=True, lab=LAB)
    app.served_lab = LAB
    sessions: list[LabSession] = []
    app.lab_session_factory = lambda name: sessions.append(LabSession(name, runtime=runtime)) or sessions[-1]
    try:
        async with app.run_test(size=(120, 40)) as pilot:
            deadline = time.monotonic() + 15
            while app.lab_session is None or app.lab_busy is not None:
                assert time.monotonic() < deadline, [n.message for n in app._notifications]
                await pilot.pause(0.05)
            assert sessions[0].lab.name == LAB
            assert app.check_action("remove", ()) is False and app.check_action("create", ()) is False
            assert app.check_action("lab_next", ()) is True
            app.start_lab("semaphore-lock")  # another lab: refused as under --read-only
            await pilot.pause()
            assert len(sessions) == 1
            assert any("read-only" in n.message for n in app._notifications)
            pids = [p.pid for p in sessions[0].processes()]
            await pilot.press("q")
        assert all(not os.path.exists(f"/proc/{pid}") for pid in pids)
    finally:
        for session in sessions:
            session.stop()


def test_without_the_web_extra_it_says_how_to_install(monkeypatch: pytest.MonkeyPatch,
                                                       capsys: pytest.CaptureFixture[str]) -> None:
    import importlib.util

    from ipcscope.cli import main

    real = importlib.util.find_spec
    monkeypatch.setattr(importlib.util, "find_spec",
                        lambda name, *a: None if name == "textual_serve" else real(name, *a))
    assert main(["serve"]) == 1
    assert "pip install 'ipcscope[web]'" in capsys.readouterr().err
