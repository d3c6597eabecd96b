"""Honest when it cannot see: a root process blocked in semop on a 0666 set, looked at by uid 65534.

The kernel tells nobody that someone waits (semctl GETNCNT needs only read permission), while the
process scan cannot name the root waiter. Every output must say so: the WAITERS column, the JSON's
`waiters_hidden`, the doctor's finding and its exit status; and as root, none may advise running
as root.
"""

from __future__ import annotations

import contextlib
import io
import json
import time

import pytest

# Everything the unprivileged child runs is imported here, before run_as_user drops to uid 65534:
# from a checkout in a directory only root can read, nothing could be imported after the drop.
import ipcscope.cli
import ipcscope.cli.doctor_cmd
import ipcscope.cli.json_output
import ipcscope.cli.list_cmd
import ipcscope.cli.tables
import ipcscope.core.bulk
import ipcscope.core.mount
import ipcscope.core.msg
import ipcscope.core.posix_mq
import ipcscope.core.posix_sem
import ipcscope.core.sem
import ipcscope.probe
import ipcscope.probe.access
import ipcscope.probe.details
import ipcscope.probe.processes
import ipcscope.probe.queued
from ipcscope import visibility
from ipcscope.cli.doctor_cmd import take_real_snapshot
from ipcscope.cli.json_output import list_document
from ipcscope.doctor import STUCK_SEMAPHORE, Finding, coverage_notes, diagnose
from ipcscope.model import SemSet, Snapshot
from ipcscope.probe.procinfo import FixedProcessInfo
from ipcscope.ui.render import texts
from ipcscope.ui.render.columns import COLUMNS, RowContext, scan_counts
from tests.helpers import NOBODY, run_as_user, unique_key
from tests.probe import ipc_calls as ipc
from tests.probe.scan_helpers import children

pytestmark = pytest.mark.usefixtures("root_only")  # root sets the scene, then drops to nobody

#: the doctor's threshold in these tests (`--stuck-after 1`)
STUCK_AFTER = 1.0


@pytest.fixture
def root_waiter():
    """A 0666 set of 2 semaphores (values 0) and a root child blocked in semop {1, -1}; yields the
    semid once the kernel counts the waiter and the set is older than the threshold."""
    semid = ipc.sem_create(unique_key(), (0, 0), mode=0o666)
    try:
        with children() as kids:
            kids.spawn(lambda: ipc.semop(semid, [(1, -1, 0)]))
            deadline = time.monotonic() + 10
            while ipcscope.core.sem.getncnt(semid, 1) != 1:
                assert time.monotonic() < deadline, "the child never blocked"
                time.sleep(0.01)
            # /proc times are whole seconds: the doctor does not count the last one
            ctime = _sem_ctime(semid)
            while time.time() < ctime + STUCK_AFTER + 1.05:
                time.sleep(0.05)
            yield semid
    finally:
        ipc.sem_remove(semid)


def _sem_ctime(semid: int) -> int:
    with open("/proc/sysvipc/sem") as table:
        next(table)
        for line in table:
            fields = line.split()
            if int(fields[1]) == semid:
                return int(fields[-1])
    raise LookupError(semid)


def _run_cli(*argv: str) -> tuple[int, str, str]:
    """`ipcscope ARGV` in this process: (exit status, stdout, stderr)."""
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        status = ipcscope.cli.main(list(argv))
    return status, out.getvalue(), err.getvalue()


def _waiters_cell(snapshot: Snapshot, semid: int) -> str:
    key = f"sem:{semid}"
    semset = snapshot.find(key)
    assert isinstance(semset, SemSet)
    counts = scan_counts("sem", key, semset, snapshot.processes)
    ctx = RowContext(counts[0], counts[1], snapshot.taken_at, counts[2], counts[3])
    [column] = [c for c in COLUMNS["sem"] if c.key == "waiters"]
    return column.cell(semset, ctx).text


def _looked_at_as_nobody(semid: int) -> dict:
    def look() -> dict:
        snapshot = take_real_snapshot()
        findings = diagnose(snapshot, now=snapshot.taken_at, stuck_after=STUCK_AFTER)
        [entry] = [s for s in list_document(snapshot)["sysv"]["sem"] if s["id"] == semid]
        return {
            "snapshot": snapshot,
            "cell": _waiters_cell(snapshot, semid),
            "json": entry,
            "findings": [f for f in findings if f.object.row_key == f"sem:{semid}"],
            "notes": coverage_notes(snapshot),
            "doctor": _run_cli("doctor", "--stuck-after", str(STUCK_AFTER)),
            "doctor_json": _run_cli("doctor", "--json", "--stuck-after", str(STUCK_AFTER)),
        }

    return run_as_user(look, NOBODY)


def test_nobody_is_told_that_a_root_task_waits_and_that_the_set_is_stuck(root_waiter) -> None:
    semid = root_waiter
    seen = _looked_at_as_nobody(semid)
    snapshot: Snapshot = seen["snapshot"]
    assert snapshot.environment.uid == NOBODY
    # the kernel's count, next to the names the scan found (none)
    assert seen["json"]["waiters"] == [] and seen["json"]["waiters_hidden"] == 1
    assert [s["ncnt"] for s in seen["json"]["semaphores"]] == [0, 1]
    assert seen["cell"] == "1?"
    # (on a shared machine other causes may join: "... another user or a non-dumpable process ...")
    sentence = visibility.unseen_sentence(1, "task waits", "tasks wait", snapshot.processes, is_root=False)
    assert sentence.startswith("1 task waits that you cannot see (a process of another user")
    assert sentence.endswith("): run `sudo ipcscope` to name it")

    [finding] = seen["findings"]
    assert isinstance(finding, Finding)
    assert (finding.kind, finding.severity, finding.pids) == (STUCK_SEMAPHORE, "warning", ())
    assert finding.message.startswith("1 task waits on semaphore 1 (value 0) that you cannot see "
                                      "(a process of another user")
    assert "), and no semop has completed on it since it was created or last set" in finding.message
    assert finding.message.endswith("; run `sudo ipcscope` to name it.")
    assert finding.hint == "sudo ipcscope doctor"

    status, out, _ = seen["doctor"]
    assert status == 1, out
    assert f"warning stuck-semaphore sem {semid}: 1 task waits" in out
    assert "no problems found" not in out
    status, out, _ = seen["doctor_json"]
    assert status == 1
    [entry] = [f for f in json.loads(out)["findings"] if f["object"] == {"type": "sem", "id": semid}]
    assert entry["pids"] == [] and entry["hint"] == "sudo ipcscope doctor"


async def test_the_live_table_and_detail_pane_show_what_nobody_saw(root_waiter) -> None:
    """The app on the very snapshot the unprivileged child took (no polling, no live pid asked)."""
    from rich.console import Console
    from textual.widgets import Static

    from ipcscope.ui.app import IpcScopeApp
    from ipcscope.ui.data.sources import StaticSource
    from ipcscope.ui.widgets.detail import DetailPane
    from ipcscope.ui.widgets.object_table import ObjectTable

    semid = root_waiter
    snapshot: Snapshot = run_as_user(take_real_snapshot, NOBODY)
    app = IpcScopeApp(source=StaticSource(snapshot), clock=lambda: snapshot.taken_at, poll=False,
                      process_info=FixedProcessInfo(), peek=lambda msqid: [])
    async with app.run_test(size=(160, 50)) as pilot:
        await pilot.press("3")
        table = app.query_one("#table-sem", ObjectTable)
        assert str(table.get_cell(f"sem:{semid}", "waiters")) == "1?"
        app.jump_to(f"sem:{semid}")
        await pilot.pause()
        pane = app.query_one("#kind-sem").query_one(DetailPane)
        console = Console(width=300, record=True, file=io.StringIO())
        for static in pane.query(Static):
            if static.display:
                console.print(static.content)
        shown = console.export_text()
        assert "Waiters (1)" in shown
        assert "1 task waits that you cannot see (a process of another user" in shown
        assert "): run `sudo ipcscope` to name it" in shown
        notice = str(app.query_one("#notice", Static).content)
        assert notice.startswith("Not root (nobody): ") and "1 waiter" in notice and "\n" not in notice


def test_root_is_never_advised_to_run_as_root(root_waiter) -> None:
    """Root names the waiter; whatever root is refused (here a security module hides pid 1) is
    told with its mechanism, never with "run as root" or sudo."""
    semid = root_waiter
    snapshot = take_real_snapshot()
    scan = snapshot.processes
    assert scan is not None
    assert visibility.hidden_waiters(snapshot.find(f"sem:{semid}"), scan) == 0  # type: ignore[arg-type]
    assert _waiters_cell(snapshot, semid) == "1"
    outputs = [
        *(part for argv in (("list",), ("list", "--json"), ("doctor",), ("doctor", "--json"))
          for part in _run_cli(*argv)[1:]),
        *coverage_notes(snapshot),
        texts.global_notice(snapshot) or "",
        *texts.hidden_details(snapshot),
        *(f.message + " " + (f.hint or "") for f in diagnose(snapshot, now=snapshot.taken_at)),
    ]
    text = "\n".join(outputs)
    assert "run as root" not in text.lower() and "sudo" not in text, text
    for spot in scan.blind_spots:  # e.g. pid 1 behind a security module: the mechanism is named
        assert spot.command is None and "sudo" not in spot.remedy
        if spot.cause == "security-module":
            assert "/sys/kernel/security/lsm" in spot.note
