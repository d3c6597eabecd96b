"""The removal confirmation on real objects: focus on Cancel, escape removes nothing, confirming
removes the object shown, and an id reused between selection and removal removes nothing."""

from __future__ import annotations

from textual.widgets import Button

from ipcscope.actions.lookup import find_object
from ipcscope.actions.removal import plan_removal
from ipcscope.core import msg, shm
from ipcscope.demo import demo_snapshot
from ipcscope.model import ObjectRef, Snapshot
from ipcscope.ui.panels.confirm_remove import ConfirmRemove
from tests.actions.support import proc_sysvipc
from tests.helpers import unique_key
from tests.ui.panels.harness import DialogApp, text_of

SIZE = (100, 30)


def set_next_id(kind: str, ident: int) -> None:
    with open(f"/proc/sys/kernel/{kind}_next_id", "w") as handle:
        handle.write(str(ident))


def shown(ref: ObjectRef) -> Snapshot:
    """A snapshot holding just the object as the kernel shows it now (no process scan)."""
    obj = find_object(ref)
    assert obj is not None
    return Snapshot(taken_at=0, **{ref.kind: (obj,)})


async def test_focus_is_on_cancel_and_escape_removes_nothing() -> None:
    msqid = msg.create(unique_key())
    try:
        plan = plan_removal(shown(ObjectRef("msg", msqid)), ObjectRef("msg", msqid))
        app = DialogApp(lambda: ConfirmRemove(plan))
        async with app.run_test(size=SIZE) as pilot:
            dialog = app.screen
            assert app.focused is dialog.query_one("#cancel", Button)
            assert text_of(dialog.query_one("#remove-title")).startswith(f"Remove message queue {msqid} (key ")
            assert "The queue is empty: no message is lost." in text_of(dialog.query_one("#remove-consequences"))
            assert text_of(dialog.query_one("#remove-call")) == f"C msgctl({msqid}, IPC_RMID, NULL)"
            await pilot.press("enter")  # enter on the focused button: Cancel
            await pilot.pause()
            assert app.results == [False]
        assert proc_sysvipc("msg", msqid) is not None
        app = DialogApp(lambda: ConfirmRemove(plan))
        async with app.run_test(size=SIZE) as pilot:
            await pilot.press("escape")
            await pilot.pause()
            assert app.results == [False] and app.done == []
        assert proc_sysvipc("msg", msqid) is not None
    finally:
        msg.remove(msqid)


async def test_confirming_removes_the_object_shown() -> None:
    key = unique_key()
    shmid = shm.create(key, 4096)
    try:
        plan = plan_removal(shown(ObjectRef("shm", shmid)), ObjectRef("shm", shmid))
        app = DialogApp(lambda: ConfirmRemove(plan))
        async with app.run_test(size=SIZE) as pilot:
            await pilot.press("right", "enter")
            await pilot.pause()
            assert app.results == [True]
            assert len(app.done) == 1 and app.done[0].result is not None
            assert app.done[0].result.describe().startswith(f"removed shm {shmid} (key 0x{key:08x}")
        assert proc_sysvipc("shm", shmid) is None
    finally:
        if proc_sysvipc("shm", shmid) is not None:
            shm.remove(shmid)


async def test_an_id_reused_between_selection_and_removal_removes_nothing() -> None:
    first_key, second_key = unique_key(), unique_key()
    shmid = shm.create(first_key, 4096)
    snapshot = shown(ObjectRef("shm", shmid))  # what the user selected
    shm.remove(shmid)                            # someone removes it...
    set_next_id("shm", shmid)
    replacement = shm.create(second_key, 8192)   # ...and someone else gets the same id
    try:
        assert replacement == shmid
        plan = plan_removal(snapshot, ObjectRef("shm", shmid))
        app = DialogApp(lambda: ConfirmRemove(plan))
        async with app.run_test(size=SIZE) as pilot:
            dialog = app.screen
            await pilot.click("#remove")
            await pilot.pause()
            said = text_of(dialog.query_one("#remove-outcome"))
            assert said.startswith(f"Nothing was removed: shm {shmid} changed since it was shown "
                                   f"(key 0x{first_key:08x} -> 0x{second_key:08x}")
            assert dialog.query_one("#remove", Button).disabled
            assert str(dialog.query_one("#cancel", Button).label) == "Close"
            assert app.focused is dialog.query_one("#cancel", Button)
            assert app.screen is dialog and app.results == []
            await pilot.press("enter")
            await pilot.pause()
            assert app.results == [False]
        row = proc_sysvipc("shm", shmid)
        assert row is not None and row["key"] == second_key
    finally:
        shm.remove(replacement)


async def test_a_segment_with_attachments_is_only_marked_dest() -> None:
    shmid = shm.create(unique_key(), 4096)
    attachment = shm.attach(shmid)
    try:
        plan = plan_removal(shown(ObjectRef("shm", shmid)), ObjectRef("shm", shmid))
        app = DialogApp(lambda: ConfirmRemove(plan))
        async with app.run_test(size=SIZE) as pilot:
            text = text_of(app.screen.query_one("#remove-consequences"))
            assert "only marked for destruction (dest)" in text
            await pilot.click("#remove")
            await pilot.pause()
            assert app.results == [True]
        row = proc_sysvipc("shm", shmid)
        assert row is not None and row["perms"] & 0o1000  # still there, marked dest
    finally:
        attachment.detach()
    assert proc_sysvipc("shm", shmid) is None  # freed at the last detach


async def test_a_dest_segment_names_its_holders() -> None:
    snapshot = demo_snapshot()
    dest = next(s for s in snapshot.shm if s.dest and s.nattch)
    app = DialogApp(lambda: ConfirmRemove(plan_removal(snapshot, dest.ref)))
    async with app.run_test(size=SIZE):
        text = text_of(app.screen.query_one("#remove-consequences"))
        holder = snapshot.processes.holders_of(dest.ref)[0]
        assert "already marked for destruction" in text and f"pid {holder.pid}" in text


async def test_an_object_gone_from_the_view_cannot_be_removed() -> None:
    plan = plan_removal(Snapshot(taken_at=0), ObjectRef("msg", 12345))
    app = DialogApp(lambda: ConfirmRemove(plan))
    async with app.run_test(size=SIZE) as pilot:
        dialog = app.screen
        assert dialog.query_one("#remove", Button).disabled
        assert str(dialog.query_one("#cancel", Button).label) == "Close"
        await pilot.press("escape")
        assert app.results == [False]
