"""Diagnosis: what is stuck, leaked or deadlocked, computed from one Snapshot (no Textual, no I/O).

`diagnosis` holds the findings of System V and POSIX objects and the shared Finding shape;
`channels` those of pipes, FIFOs and sockets. Callers import from here.
"""

from ipcscope.doctor.diagnosis import (
    DEAD_HOLDER,
    DEADLOCK,
    FIFO_OPEN_WAIT,
    FINDING_KINDS,
    MAX_CYCLES,
    ORPHAN_POSIX,
    ORPHAN_SHM,
    PIPE_EOF_NEVER,
    PIPE_FULL,
    PIPE_NO_READER,
    QUEUE_FULL,
    REMOVED_ATTACHED,
    SEVERITIES,
    SOCKET_BACKLOG_FULL,
    STUCK_SEMAPHORE,
    UNMATCHED_RECEIVER,
    Finding,
    HiddenWaitState,
    Severity,
    coverage_notes,
    diagnose,
    doctor_to_json,
    hidden_wait_state,
    object_label,
    summary,
)

__all__ = [
    "DEADLOCK", "DEAD_HOLDER", "FIFO_OPEN_WAIT", "FINDING_KINDS", "MAX_CYCLES", "ORPHAN_POSIX",
    "ORPHAN_SHM", "PIPE_EOF_NEVER", "PIPE_FULL", "PIPE_NO_READER", "QUEUE_FULL", "REMOVED_ATTACHED",
    "SEVERITIES", "SOCKET_BACKLOG_FULL", "STUCK_SEMAPHORE", "UNMATCHED_RECEIVER", "Finding",
    "HiddenWaitState", "Severity", "coverage_notes", "diagnose", "doctor_to_json",
    "hidden_wait_state", "object_label", "summary",
]
