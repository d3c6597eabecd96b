"""Read-only discovery: /proc/sysvipc, /dev/shm, mqueue, limits -> one frozen model.Snapshot.

Never imports Textual and never changes an IPC object. Entry point: `take_snapshot()`.
"""

from typing import TYPE_CHECKING, Any

from ipcscope.probe.snapshot import take_snapshot

if TYPE_CHECKING:
    from ipcscope.probe.processes import ProcessScanner, scan_processes

__all__ = ["ProcessScanner", "scan_processes", "take_snapshot"]


def __getattr__(name: str) -> Any:
    """ProcessScanner and scan_processes, imported on first use: their module takes longer to
    import than `ipcscope list --no-processes` and `ipcscope limits` need for the whole run."""
    if name in ("ProcessScanner", "scan_processes"):
        from ipcscope.probe import processes

        return getattr(processes, name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
