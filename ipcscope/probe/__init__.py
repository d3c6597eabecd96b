"""Read-only discovery: /proc/sysvipc, /dev/shm, mqueue, limits -> one frozen model.Snapshot.

Never imports Textual and never changes an IPC object. Entry point: `take_snapshot()`.
"""

from ipcscope.probe.snapshot import take_snapshot

__all__ = ["take_snapshot"]
