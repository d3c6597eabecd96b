"""SVG snapshots of the action panels on fixed data: demo objects, fixed limits, no live pid."""

from __future__ import annotations

from ipcscope.actions import SEM_UNDO, CreateShm
from ipcscope.actions.removal import plan_removal
from ipcscope.demo import demo_snapshot
from ipcscope.model import SemOpSpec
from ipcscope.ui.panels.action_form import ActionForm
from ipcscope.ui.panels.confirm_remove import ConfirmRemove
from ipcscope.ui.panels.semop_builder import SemopBuilder
from tests.ui.panels.harness import LIMITS, DialogApp

SNAPSHOT = demo_snapshot()


def test_create_shm_form_with_a_validation_error(snap_compare) -> None:
    app = DialogApp(lambda: ActionForm(CreateShm, limits=LIMITS))
    keys = [*"0x1234", "tab", "ctrl+u", *"12Q"]
    assert snap_compare(app, press=keys, terminal_size=(80, 24))


def test_semop_builder_with_two_operations(snap_compare) -> None:
    semset = SNAPSHOT.find("sem:2")
    ops = (SemOpSpec(0, -1, SEM_UNDO), SemOpSpec(2, 1, 0))
    app = DialogApp(lambda: SemopBuilder(semset, limits=LIMITS, ops=ops))
    assert snap_compare(app, terminal_size=(80, 24))


def test_remove_confirmation_for_a_dest_segment_with_holders(snap_compare) -> None:
    dest = next(s for s in SNAPSHOT.shm if s.dest and SNAPSHOT.processes.holders_of(s.ref))
    app = DialogApp(lambda: ConfirmRemove(plan_removal(SNAPSHOT, dest.ref)))
    assert snap_compare(app, terminal_size=(80, 24))


def test_fifo_remove_confirmation_names_who_waits_in_open(snap_compare) -> None:
    from ipcscope.actions.fifo_removal import plan_fifo_removal
    from ipcscope.ui.panels.confirm_fifo_remove import ConfirmFifoRemove

    channels = SNAPSHOT.processes.channels
    waited = next(f for f in channels.fifos if f.blocked)
    app = DialogApp(lambda: ConfirmFifoRemove(plan_fifo_removal(waited.path, waited, channels)))
    assert snap_compare(app, terminal_size=(80, 24))


def test_fifo_write_form(snap_compare) -> None:
    from ipcscope.actions import FifoWrite

    target = SNAPSHOT.processes.channels.fifos[1]
    app = DialogApp(lambda: ActionForm(FifoWrite, target=target, limits=LIMITS))
    assert snap_compare(app, press=[*"Hello"], terminal_size=(80, 24))
