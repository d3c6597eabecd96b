"""A lab step shown without running it: for the snapshot tests and the README screenshot.

`show_demo_step(app)` mounts the lab panel on a (demo) app with step 2 of shm-server-client, fixed
process rows and a passed check, so the picture never depends on live PIDs or timing.
"""

from __future__ import annotations

from textual.app import App

from ipcscope.labs.catalog import get_lab
from ipcscope.labs.lab import Check, Lab, Step
from ipcscope.labs.processes import LabProcess
from ipcscope.ui.widgets.lab_panel import LabPanel

DEMO_LAB = "shm-server-client"
DEMO_STEP = 1
DEMO_PROCESSES = (
    LabProcess("server", "shm-server", 4242, "python -m ipcscope.labs.workers shm-server", "exited 0", 0,
               "saw '*', detached, bye"),
    LabProcess("client", "shm-client", 4243, "python -m ipcscope.labs.workers shm-client", "exited 0", 0,
               "read: abcdefghijklmnopqrstuvwxyz"),
)
DEMO_CHECK = Check(True, "client exited 0; printed 'read: abcdefghijklmnopqrstuvwxyz'; server exited 0; "
                         "nattch 0; lpid = the server")


class ShownStep:
    """A lab at one step, with the read side of a LabSession the panel needs; nothing is started."""

    def __init__(self, lab: Lab, index: int) -> None:
        self.lab = lab
        self.index = index
        self.step: Step | None = lab.steps[index]
        self.step_count = len(lab.steps)
        self.has_next = index + 1 < self.step_count
        self.has_back = index > 0


async def show_demo_step(app: App) -> LabPanel:
    panel = LabPanel(id="lab-panel")
    await app.screen.mount(panel)
    panel.show_step(ShownStep(get_lab(DEMO_LAB), DEMO_STEP))
    panel.show_processes(DEMO_PROCESSES)
    panel.show_check(DEMO_CHECK)
    app.action_view("shm")  # type: ignore[attr-defined]
    return panel
