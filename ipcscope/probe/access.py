"""Why the process scan was refused, and what would lift it, told apart by mechanism.

The kernel refuses /proc/PID files for several reasons, and root lifts only some of them:
- another user's process: maps and fd need PTRACE_MODE_READ, syscall and mem PTRACE_MODE_ATTACH,
  which a different uid fails; root passes;
- a non-dumpable process (setuid programs, prctl(PR_SET_DUMPABLE, 0)): its /proc files belong to
  root, so its own user is refused too; root passes;
- /proc mounted with hidepid= (its mount options, in /proc/self/mountinfo): other users' processes
  are unreadable or unlisted; root passes, and so do members of the gid= group;
- Yama's ptrace_scope (/proc/sys/kernel/yama/ptrace_scope, ATTACH checks only, so only syscall and
  mem): 1 allows only a process's ancestors, 2 only CAP_SYS_PTRACE, 3 nobody, root included, until
  a reboot;
- a root without CAP_SYS_PTRACE (a container) may not read processes that hold capabilities it
  lacks; a root of a user namespace (/proc/self/uid_map) may not read processes outside it;
- a security module (SELinux, AppArmor, Landlock...; the active ones in /sys/kernel/security/lsm,
  when securityfs is mounted): its policy decides, for root too.
Facts are read once per scanner, only when something was refused; no Textual, no ctypes.
"""

from __future__ import annotations

import os
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Literal

from ipcscope.model import BlindCause, BlindSpot

CAP_SYS_PTRACE = 19
SUDO = "sudo ipcscope"
_LSM_FILE = "/sys/kernel/security/lsm"
_YAMA_FILE = "/proc/sys/kernel/yama/ptrace_scope"

#: what was refused of a process: its very listing or status (hidepid), its maps or descriptors
#: (PTRACE_MODE_READ), or only its tasks' syscall files (PTRACE_MODE_ATTACH)
Refused = Literal["listing", "status", "read", "waits"]


@dataclass(frozen=True)
class AccessFacts:
    """What decides access here; None where it could not be read."""

    euid: int
    cap_sys_ptrace: bool | None = None
    initial_user_ns: bool | None = None
    #: Yama's ptrace_scope; None when Yama is not built in (or not readable)
    yama_scope: int | None = None
    #: the active security modules in order; None when /sys/kernel/security/lsm is not readable
    lsms: tuple[str, ...] | None = None
    #: /proc's hidepid= ("" when off) and gid= (None when not set)
    hidepid: str = ""
    proc_gid: int | None = None


@dataclass(frozen=True)
class Refusal:
    """One process the scan could not (fully) inspect: its uid from status (None if unknown), the
    owner of its /proc files (root's when it is non-dumpable; the directory keeps the process's
    uid), and what was refused."""

    pid: int
    uid: int | None
    owner: int | None
    refused: Refused


def _read(path: str) -> str | None:
    try:
        with open(path) as handle:
            return handle.read()
    except OSError:
        return None


def proc_gid(mountinfo: str, mount_point: str) -> int | None:
    """The gid= option of the proc mount at `mount_point` (the last one mounted there)."""
    found: int | None = None
    for line in mountinfo.splitlines():
        left, sep, right = line.partition(" - ")
        fields, fs = left.split(), right.split()
        if not sep or len(fields) < 5 or len(fs) < 3 or fs[0] != "proc" or fields[4] != mount_point:
            continue
        found = None
        for option in fs[2].split(","):
            if option.startswith("gid="):
                try:
                    found = int(option[4:])
                except ValueError:
                    found = None
    return found


def parse_cap_eff(status: str) -> int | None:
    for line in status.splitlines():
        if line.startswith("CapEff:"):
            try:
                return int(line.split()[1], 16)
            except (IndexError, ValueError):
                return None
    return None


def read_access_facts(proc_root: str = "/proc", *, hidepid: str = "",
                      lsm_file: str = _LSM_FILE, yama_file: str | None = None) -> AccessFacts:
    """The facts for this process, reading /proc/self, Yama's sysctl and the LSM list."""
    status = _read(f"{proc_root}/self/status") or ""
    caps = parse_cap_eff(status)
    uid_map = _read(f"{proc_root}/self/uid_map")
    initial = None if uid_map is None else uid_map.split() == ["0", "0", "4294967295"]
    yama_text = _read(yama_file or f"{proc_root}/sys/kernel/yama/ptrace_scope")
    try:
        yama = None if yama_text is None else int(yama_text.strip())
    except ValueError:
        yama = None
    lsm_text = _read(lsm_file)
    lsms = None if lsm_text is None else tuple(m for m in lsm_text.strip().split(",") if m)
    mountinfo = _read(f"{proc_root}/self/mountinfo") or ""
    return AccessFacts(
        euid=os.geteuid(),
        cap_sys_ptrace=None if caps is None else bool(caps >> CAP_SYS_PTRACE & 1),
        initial_user_ns=initial,
        yama_scope=yama,
        lsms=lsms,
        hidepid=hidepid,
        proc_gid=proc_gid(mountinfo, os.path.realpath(proc_root)),
    )


def cause_of(refusal: Refusal, facts: AccessFacts) -> BlindCause:
    """Which mechanism most likely refused `refusal`, from what can be told here."""
    if facts.euid == 0:
        if facts.cap_sys_ptrace is False:
            return "capability"
        if facts.initial_user_ns is False:
            return "user-namespace"
        if refusal.refused == "waits" and facts.yama_scope == 3:
            return "ptrace-scope"
        return "security-module"
    if refusal.refused in ("listing", "status"):
        return "hidepid"
    if refusal.uid is not None and refusal.uid != facts.euid:
        return "other-users"
    if refusal.owner is not None and refusal.owner != facts.euid:
        return "non-dumpable"  # its /proc files became root's
    if refusal.refused == "waits" and facts.yama_scope:
        return "ptrace-scope"
    return "security-module"


def blind_spots(refusals: Iterable[Refusal], facts: AccessFacts, *,
                listing_incomplete: bool = False) -> tuple[BlindSpot, ...]:
    """One BlindSpot per mechanism, largest first; hidepid=invisible is one even when none of the
    pids the objects name was found hidden (other users' processes are simply not listed)."""
    groups: dict[BlindCause, list[Refusal]] = {}
    for refusal in refusals:
        groups.setdefault(cause_of(refusal, facts), []).append(refusal)
    if listing_incomplete:
        groups.setdefault("hidepid", [])
    spots = [_spot(cause, found, facts) for cause, found in groups.items()]
    return tuple(sorted(spots, key=lambda s: -s.processes))


# --------------------------------------------------------------------------- words


def _n(count: int) -> str:
    return f"{count} process" if count == 1 else f"{count} processes"


def _lsm_where(facts: AccessFacts) -> str:
    if facts.lsms:
        return f"active modules: {', '.join(facts.lsms)}, from {_LSM_FILE}"
    return f"active modules unknown: {_LSM_FILE} is not readable, securityfs is not mounted"


def _spot(cause: BlindCause, found: list[Refusal], facts: AccessFacts) -> BlindSpot:
    count = len(found)
    only_waits = bool(found) and all(r.refused == "waits" for r in found)
    was = "was" if count == 1 else "were"
    their = "its" if count == 1 else "their"
    if cause == "other-users":
        return BlindSpot(cause, count, "a process of another user", "processes of other users",
                         "run `sudo ipcscope` to name {them}", SUDO,
                         f"{_n(count)} of other users {was} not inspected: run as root "
                         f"(`{SUDO}`) to see their attachments and waits.")
    if cause == "hidepid":
        mode = facts.hidepid or "noaccess"
        group = (f", or as a member of group {facts.proc_gid} (/proc's gid= option)"
                 if facts.proc_gid is not None else "")
        lift = (f"root sees them, and so does group {facts.proc_gid} (the mount's gid= option)"
                if facts.proc_gid is not None else
                "root sees them; remounting /proc with gid=GROUP would let that group see them too")
        if mode == "invisible":
            unlisted = sum(1 for r in found if r.refused == "listing")
            alive = (f" ({unlisted} pid{'' if unlisted == 1 else 's'} the objects name {was} found alive "
                     "with kill(pid, 0))") if unlisted else ""
            note = (f"/proc is mounted with hidepid=invisible (its options are in /proc/self/mountinfo): "
                    f"other users' processes are not listed at all, so their attachments and waits are "
                    f"not shown{alive}; {lift}.")
        else:
            note = (f"{_n(count)} {was} hidden by /proc's hidepid={mode} mount option (see "
                    f"/proc/self/mountinfo): {their} commands, attachments and waits are not shown; {lift}.")
        return BlindSpot(cause, count, f"a process /proc hides (hidepid={mode})",
                         f"processes /proc hides (hidepid={mode})",
                         f"run `sudo ipcscope`{group} to name {{them}}", SUDO, note)
    if cause == "non-dumpable":
        return BlindSpot(cause, count, "a non-dumpable process of yours", "non-dumpable processes of yours",
                         "run `sudo ipcscope` to name {them}", SUDO,
                         f"{_n(count)} of yours could not be inspected: non-dumpable (setuid programs, "
                         f"prctl(PR_SET_DUMPABLE, 0)), so {their} /proc files belong to root. Run as root "
                         f"(`{SUDO}`) to see {their} attachments and waits.")
    if cause == "ptrace-scope":
        scope = facts.yama_scope
        where = f"Yama's ptrace_scope is {scope} ({_YAMA_FILE})"
        if scope == 3:
            remedy = "nothing can name {them} until a reboot: ptrace_scope 3 refuses root too"
            command = None
            lift = "it refuses root too, and cannot be lowered until a reboot"
        else:
            remedy = "run `sudo ipcscope` to name {them}"
            command = SUDO
            lift = f"run as root (`{SUDO}`), or lower it with `sudo sysctl kernel.yama.ptrace_scope=0`"
        return BlindSpot(cause, count, f"a process Yama's ptrace_scope={scope} hides",
                         f"processes Yama's ptrace_scope={scope} hides", remedy, command,
                         f"The waits of {_n(count)} could not be read: {where}; {lift}. Only {their} "
                         "attachments are shown.")
    if cause == "capability":
        return BlindSpot(cause, count, "a process this root may not read without CAP_SYS_PTRACE",
                         "processes this root may not read without CAP_SYS_PTRACE",
                         "run ipcscope with CAP_SYS_PTRACE (a container: --cap-add SYS_PTRACE) to name {them}",
                         None,
                         f"{_n(count)} could not be inspected: this root lacks CAP_SYS_PTRACE (CapEff in "
                         "/proc/self/status; a container?), needed to read processes holding capabilities "
                         "it lacks. Running ipcscope with it (e.g. --cap-add SYS_PTRACE) would show them.")
    if cause == "user-namespace":
        return BlindSpot(cause, count, "a process outside this user namespace",
                         "processes outside this user namespace",
                         "run ipcscope in the initial user namespace to name {them}", None,
                         f"{_n(count)} could not be inspected: ipcscope runs as root of a user namespace "
                         "(see /proc/self/uid_map), which may not read processes outside it. Running it in "
                         "the initial user namespace would show them.")
    # a security module
    what = f"The waits of {_n(count)} could not be read" if only_waits else f"{_n(count)} could not be inspected"
    if facts.euid == 0:
        return BlindSpot(cause, count, "a process a security module hides from root",
                         "processes a security module hides from root",
                         "only that module's policy, or running ipcscope outside its confinement "
                         "(a sandbox, a container), would name {them}", None,
                         f"{what}, even as root: refused by a security module ({_lsm_where(facts)}). "
                         "Only its policy, or running ipcscope outside that confinement, would lift it; "
                         "the kernel log may name the module.")
    return BlindSpot(cause, count, "a process of yours a security module hides",
                     "processes of yours a security module hides",
                     "run `sudo ipcscope` to try to name {them} (the module may refuse root too)", SUDO,
                     f"{what}: refused by a security module ({_lsm_where(facts)}). Root may see "
                     f"{'it' if count == 1 else 'them'} (`{SUDO}`) unless the module refuses root too.")
