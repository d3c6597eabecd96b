"""The removal panel on a container's object: the removal runs in a helper inside its namespace
and its outcome comes back to the panel as a message (real namespaces, root only)."""

from __future__ import annotations

from dataclasses import replace

from ipcscope.actions.removal import plan_removal
from ipcscope.model import Snapshot
from ipcscope.ui.panels.confirm_remove import ConfirmRemove
from tests.namespaces.members import Member
from tests.ui.panels.harness import DialogApp, text_of

SIZE = (100, 30)


def namespace_snapshot(member: Member) -> Snapshot:
    from ipcscope.probe.ns_snapshot import NamespaceProbe

    probe = NamespaceProbe()
    try:
        return probe.snapshot([member.inode], kinds=["msg"])
    finally:
        probe.close()


async def wait_for(pilot, condition) -> None:
    for _ in range(250):  # the helper is a process start away
        await pilot.pause(0.02)
        if condition():
            return
    raise AssertionError("the removal did not report back")


async def test_removing_a_containers_queue_removes_it_there_only(two_namespaces) -> None:
    first, second = two_namespaces
    msqid = second.ids["msg"]
    assert first.ids["msg"] == msqid  # the same id in both namespaces
    snapshot = namespace_snapshot(second)
    queue = next(q for q in snapshot.msg if q.id == msqid)

    # shown with another key than it has: the helper's re-check refuses, nothing is removed
    stale = snapshot.with_objects({"msg": (replace(queue, key=queue.key ^ 1),)})
    app = DialogApp(lambda: ConfirmRemove(plan_removal(stale, queue.ref), where=snapshot.namespaces[0]))
    async with app.run_test(size=SIZE) as pilot:
        dialog = app.screen
        await pilot.click("#remove")
        await wait_for(pilot, lambda: dialog.query_one("#remove-outcome").display)
        assert text_of(dialog.query_one("#remove-outcome")).startswith(
            f"Nothing was removed: msg {msqid} changed since it was shown")
        assert app.results == []
    assert any(q.id == msqid for q in namespace_snapshot(second).msg)

    app = DialogApp(lambda: ConfirmRemove(plan_removal(snapshot, queue.ref), where=snapshot.namespaces[0]))
    async with app.run_test(size=SIZE) as pilot:
        await pilot.click("#remove")
        await wait_for(pilot, lambda: app.results == [True])
        assert len(app.done) == 1 and app.done[0].result is not None
    assert not any(q.id == msqid for q in namespace_snapshot(second).msg)
    assert any(q.id == msqid for q in namespace_snapshot(first).msg)  # the same id there is untouched
