"""The facts that decide what the process scan may read here: this process's capabilities and
user namespace, Yama's ptrace_scope, the active security modules and /proc's mount options.

Read once per scanner, only when something was refused; ipcscope.blind_spots tells from them
which mechanism refused each process. No Textual, no ctypes.
"""

from __future__ import annotations

import os

from ipcscope.blind_spots import LSM_FILE, AccessFacts

CAP_SYS_PTRACE = 19


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
                      lsm_file: str = LSM_FILE, yama_file: str | None = None) -> AccessFacts:
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
