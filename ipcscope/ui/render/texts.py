"""What the app says when it cannot show something: empty views, hidden objects, missing mounts.

Plain functions of a Snapshot (no Textual), so the wording is tested without running the app.
Being honest about limits is part of the job: an empty table must say whether nothing exists or
nothing is visible, and how to change that.
"""

from __future__ import annotations

from ipcscope.model import Kind, Snapshot

#: Per kind: what would appear in the view, and a command that creates one.
EMPTY: dict[Kind, tuple[str, str]] = {
    "shm": ("No System V shared memory segments (shmget).",
            "ipcscope create shm --key 0x1234 --size 4096"),
    "msg": ("No System V message queues (msgget).",
            "ipcscope create msg --key 0x1234"),
    "sem": ("No System V semaphore sets (semget).",
            "ipcscope create sem --key 0x1234 --nsems 1"),
    "pmq": ("No POSIX message queues (mq_open).",
            "ipcscope create pmq /demo"),
    "pshm": ("No POSIX shared memory objects (shm_open; files in /dev/shm).",
             "ipcscope create pshm /demo --size 4096"),
    "psem": ("No POSIX named semaphores (sem_open; sem.* files in /dev/shm).",
             "ipcscope create psem /demo --value 1"),
}

MOUNT_MQUEUE = "sudo mkdir -p /dev/mqueue && sudo mount -t mqueue none /dev/mqueue"


def empty_text(kind: Kind) -> str:
    what, command = EMPTY[kind]
    return f"{what}\nCreate one: {command}"


def no_match_text(filter_text: str, hidden: int) -> str:
    noun = "object" if hidden == 1 else "objects"
    return f"Nothing matches “{filter_text}” ({hidden} {noun} hidden by the filter). Esc clears it."


def mqueue_visible(snapshot: Snapshot) -> bool:
    """Whether every POSIX queue can be listed (a mounted or detached mqueue filesystem)."""
    return snapshot.mqueue_source.startswith("mount:") or snapshot.mqueue_source == "detached"


def mqueue_notice(snapshot: Snapshot) -> str | None:
    """For the POSIX queue view: why some or all queues may be missing, and the fix."""
    if mqueue_visible(snapshot):
        return None
    if snapshot.mqueue_source == "fds":
        seen = "only queues that a process holds open are shown (found through /proc/*/fd)"
    else:
        seen = "POSIX queues cannot be listed"
    return f"No mqueue filesystem is mounted, so {seen}. To see them all: {MOUNT_MQUEUE}"


def _about_mqueue(warning: str) -> bool:
    return "mqueue" in warning or warning.startswith("POSIX queues")


def global_notice(snapshot: Snapshot) -> str | None:
    """The notice under the header: what is hidden from this user and why, plus probe warnings.

    Warnings about the mqueue mount are left to the POSIX queue view, which says how to fix it.
    """
    parts: list[str] = []
    environment = snapshot.environment
    if not environment.is_root:
        who = environment.user or f"uid {environment.uid}"
        parts.append(f"Not root ({who}): other users' processes and objects you may not read are "
                     "hidden or incomplete. Run as root to see everything.")
    if snapshot.processes is not None:
        parts.extend(snapshot.processes.notes)
    parts.extend(w for w in snapshot.warnings if not (_about_mqueue(w) and not mqueue_visible(snapshot)))
    return "\n".join(parts) if parts else None
