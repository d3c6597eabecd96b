"""What the app says when it cannot show something: empty views, hidden objects, missing mounts.

Plain functions of a Snapshot (no Textual), so the wording is tested without running the app.
Being honest about limits is part of the job: an empty table must say whether nothing exists or
nothing is visible, and how to change that.
"""

from __future__ import annotations

from ipcscope import visibility
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


#: what refused root, in two or three words for the one-line notice
_ROOT_CAUSES = {"security-module": "a security module", "capability": "no CAP_SYS_PTRACE",
                "user-namespace": "a user namespace", "ptrace-scope": "Yama's ptrace_scope"}


def _plural(count: int, one: str, many: str) -> str:
    return f"{count} {one if count == 1 else many}"


def global_notice(snapshot: Snapshot) -> str | None:
    """The one line under the header: what is hidden from this user, in numbers, and where the
    details are (the Overview, `0`, and the help screen, `?`): at 80 columns it must fit.

    Warnings about the mqueue mount are left to the POSIX queue view, which says how to fix it.
    """
    environment = snapshot.environment
    scan = snapshot.processes
    hidden = []
    if scan is not None and scan.denied:
        hidden.append(_plural(scan.denied, "process", "processes"))
    waiters = sum(visibility.hidden_waiters(s, scan) or 0 for s in snapshot.sem) if scan else 0
    if waiters:
        hidden.append(_plural(waiters, "waiter", "waiters"))
    facts = []
    if hidden:
        facts.append(" and ".join(hidden) + " hidden")
    elif scan is not None and scan.listing_incomplete:
        facts.append("other users' processes unlisted (hidepid)")
    if environment.is_root and facts and scan is not None and scan.blind_spots:
        facts[-1] += f" even from root ({_ROOT_CAUSES.get(scan.blind_spots[0].cause, 'refused')})"
    warnings = [w for w in snapshot.warnings if not (_about_mqueue(w) and not mqueue_visible(snapshot))]
    if warnings:
        facts.append(_plural(len(warnings), "warning", "warnings"))
    if not environment.is_root:
        who = environment.user or f"uid {environment.uid}"
        lead = f"Not root ({who})"
        text = f"{lead}: {', '.join(facts)}" if facts else f"{lead}: other users' processes may be hidden"
    elif facts:
        text = ", ".join(facts)
        text = text[0].upper() + text[1:]
    else:
        return None
    return f"{text} · details: 0, ?"


def hidden_details(snapshot: Snapshot) -> list[str]:
    """Everything the app cannot see, in full: for the Overview and the help screen."""
    lines: list[str] = []
    environment = snapshot.environment
    if not environment.is_root:
        who = environment.user or f"uid {environment.uid}"
        lines.append(f"Not root ({who}): other users' processes and the objects you may not read are "
                     "hidden or incomplete; `sudo ipcscope` shows everything.")
    lines.extend(snapshot.warnings)
    scan = snapshot.processes
    if scan is None:
        lines.append("Process scan not available yet: holders and waiters are not known.")
        return lines
    # The scanner's notes say why processes were not inspected (other users, a security
    # module, another namespace) and what would lift it; a reason of our own could be wrong.
    lines.extend(scan.notes)
    if scan.denied and not scan.notes:
        lines.append(f"{scan.denied} process(es) could not be inspected: holders and waiters may be missing.")
    for semset in snapshot.sem:
        hidden = visibility.hidden_waiters(semset, scan)
        if hidden:
            lines.append(f"sem {semset.id}: " + visibility.unseen_sentence(
                hidden, "task waits", "tasks wait", scan, is_root=environment.is_root) + ".")
    segments = [seg for seg in snapshot.shm if visibility.hidden_attachments(seg, scan)]
    if segments:
        ids = ", ".join(str(seg.id) for seg in segments[:8]) + (" …" if len(segments) > 8 else "")
        lines.append(f"{_plural(len(segments), 'segment has', 'segments have')} attachments (nattch) "
                     f"{visibility.unseen_to(scan, environment.is_root)}: shm {ids}.")
    return lines
