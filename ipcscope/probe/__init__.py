"""Read-only discovery: /proc/sysvipc, /dev/shm, mqueue, limits -> one frozen model.Snapshot.

Never imports Textual and never changes an IPC object. Entry point: `take_snapshot()`.
"""

from ipcscope.probe.snapshot import take_snapshot

__all__ = ["ProcessScanner", "scan_processes", "take_snapshot"]


def __getattr__(name: str):
    """ProcessScanner and scan_processes, imported on first use: their module takes longer to
    import than `ipcscope list --no-processes` and `ipcscope limits` need for the whole run."""
    if name in ("ProcessScanner", "scan_processes"):
        from ipcscope.probe import processes

        return getattr(processes, name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
