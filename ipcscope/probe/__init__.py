"""Read-only discovery: /proc/sysvipc, /dev/shm, mqueue, limits -> one frozen model.Snapshot.

Never imports Textual and never changes an IPC object. Entry point: `take_snapshot()`.
"""

from ipcscope.probe.processes import ProcessScanner, scan_processes
from ipcscope.probe.snapshot import take_snapshot

__all__ = ["ProcessScanner", "scan_processes", "take_snapshot"]
