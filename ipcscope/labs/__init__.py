"""Teaching labs: the classic IPC exercises as real processes you can watch in ipcscope.

    from ipcscope.labs import LABS, LabSession, cleanup_stale

A `Lab` is a sequence of `Step`s (text, C code, an action, an expected kernel state). A
`LabSession` runs one, records everything it creates in a state file so nothing survives a crash,
and cleans up on `stop()`. `run_auto` runs a lab without a terminal and prints a transcript.
No Textual here: the Labs screen builds on this package.
"""

from ipcscope.labs.catalog import LABS, get_lab, lab_names
from ipcscope.labs.context import LabContext, LabError
from ipcscope.labs.lab import Check, Lab, Step
from ipcscope.labs.observe import Observation, Observer
from ipcscope.labs.processes import LabProcess
from ipcscope.labs.session import LabSession, StopReport, cleanup_stale

__all__ = [
    "LABS", "get_lab", "lab_names", "Lab", "Step", "Check", "LabContext", "LabError",
    "LabSession", "StopReport", "cleanup_stale", "LabProcess", "Observation", "Observer",
]
