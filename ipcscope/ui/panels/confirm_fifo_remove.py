"""The confirmation before unlinking a FIFO: who has it open, who waits in open() on its path.

ConfirmRemove's dialog (focus on Cancel, the C call shown, "nothing removed" when the path was
replaced meanwhile) with `actions.fifo_removal`'s plan and the FifoRemove request.
"""

from __future__ import annotations

from ipcscope.actions import FifoRemove, Request
from ipcscope.actions.fifo_removal import FifoRemovalPlan
from ipcscope.ui.panels.confirm_remove import ConfirmRemove


class ConfirmFifoRemove(ConfirmRemove):
    """Asks before unlinking one FIFO; escape or Cancel removes nothing."""

    def __init__(self, plan: FifoRemovalPlan) -> None:
        super().__init__(plan)  # type: ignore[arg-type]  # the same fields as a RemovalPlan

    @property
    def verb(self) -> str:
        return "Unlink"

    def removal_request(self) -> Request:
        return FifoRemove.parse({}, target=self.plan.expected)
