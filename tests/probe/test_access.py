"""Telling the mechanism that refused the scan apart, and saying what lifts it (fixture files)."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from ipcscope.probe.access import (
    AccessFacts,
    Refusal,
    blind_spots,
    cause_of,
    proc_gid,
    read_access_facts,
)

ROOT_OK = dict(euid=0, cap_sys_ptrace=True, initial_user_ns=True)


def fake_proc(tmp_path: Path, *, cap_eff: str = "000001ffffffffff", uid_map: str = "0 0 4294967295",
              yama: str | None = None, proc_options: str = "rw,hidepid=invisible,gid=27") -> Path:
    proc = tmp_path / "proc"
    (proc / "self").mkdir(parents=True)
    (proc / "self" / "status").write_text(f"Name:\tx\nCapEff:\t{cap_eff}\n")
    (proc / "self" / "uid_map").write_text(f"         {uid_map}\n")
    (proc / "self" / "mountinfo").write_text(
        f"22 27 0:21 / {os.path.realpath(proc)} rw,relatime - proc proc {proc_options}\n")
    if yama is not None:
        (proc / "sys" / "kernel" / "yama").mkdir(parents=True)
        (proc / "sys" / "kernel" / "yama" / "ptrace_scope").write_text(f"{yama}\n")
    return proc


def test_facts_are_read_where_the_kernel_tells_them(tmp_path: Path) -> None:
    lsm = tmp_path / "lsm"
    lsm.write_text("lockdown,capability,landlock,yama,selinux")
    proc = fake_proc(tmp_path, cap_eff="000001fffff7ffff", uid_map="0 100000 65536", yama="1")
    facts = read_access_facts(str(proc), hidepid="invisible", lsm_file=str(lsm))
    assert facts.cap_sys_ptrace is False  # bit 19 cleared
    assert facts.initial_user_ns is False
    assert facts.yama_scope == 1
    assert facts.lsms == ("lockdown", "capability", "landlock", "yama", "selinux")
    assert (facts.hidepid, facts.proc_gid) == ("invisible", 27)
    bare = read_access_facts(str(fake_proc(tmp_path / "2")), lsm_file=str(tmp_path / "absent"))
    assert (bare.cap_sys_ptrace, bare.initial_user_ns, bare.yama_scope, bare.lsms) == (True, True, None, None)


def test_proc_gid_takes_the_last_mount_on_the_point() -> None:
    mountinfo = ("22 27 0:21 / /proc rw - proc proc rw,gid=27\n"
                 "90 22 0:55 / /proc rw - proc proc rw,hidepid=2\n")
    assert proc_gid(mountinfo, "/proc") is None
    assert proc_gid(mountinfo.splitlines()[0], "/proc") == 27


@pytest.mark.parametrize(("refusal", "facts", "cause"), [
    (Refusal(1, 0, 0, "read"), AccessFacts(euid=1000), "other-users"),
    (Refusal(1, None, None, "listing"), AccessFacts(euid=1000), "hidepid"),
    (Refusal(1, 0, 0, "status"), AccessFacts(euid=1000), "hidepid"),
    (Refusal(1, 1000, 0, "read"), AccessFacts(euid=1000), "non-dumpable"),  # its files became root's
    (Refusal(1, 1000, 1000, "waits"), AccessFacts(euid=1000, yama_scope=1), "ptrace-scope"),
    (Refusal(1, 1000, 1000, "read"), AccessFacts(euid=1000, yama_scope=1), "security-module"),  # READ: not Yama
    (Refusal(1, 0, 0, "read"), AccessFacts(**ROOT_OK), "security-module"),
    (Refusal(1, 0, 0, "waits"), AccessFacts(**ROOT_OK, yama_scope=3), "ptrace-scope"),
    (Refusal(1, 0, 0, "waits"), AccessFacts(**ROOT_OK, yama_scope=1), "security-module"),  # root passes 1
    (Refusal(1, 0, 0, "read"), AccessFacts(euid=0, cap_sys_ptrace=False), "capability"),
    (Refusal(1, 0, 0, "read"), AccessFacts(euid=0, cap_sys_ptrace=True, initial_user_ns=False), "user-namespace"),
])
def test_the_mechanism_is_told_apart(refusal: Refusal, facts: AccessFacts, cause: str) -> None:
    assert cause_of(refusal, facts) == cause


def test_non_root_is_told_to_use_sudo_and_where_the_mechanism_shows() -> None:
    facts = AccessFacts(euid=1000, yama_scope=1, hidepid="invisible", proc_gid=27)
    spots = {s.cause: s for s in blind_spots([Refusal(1, 0, 0, "read"), Refusal(2, 0, 0, "read"),
                                              Refusal(3, 1000, 1000, "waits")], facts,
                                             listing_incomplete=True)}
    assert list(spots) == ["other-users", "ptrace-scope", "hidepid"]  # largest first
    assert spots["other-users"].note.startswith("2 processes of other users were not inspected")
    assert spots["other-users"].remedy.format(them="it") == "run `sudo ipcscope` to name it"
    assert "/proc/sys/kernel/yama/ptrace_scope" in spots["ptrace-scope"].note
    assert "sudo sysctl kernel.yama.ptrace_scope=0" in spots["ptrace-scope"].note
    assert "/proc/self/mountinfo" in spots["hidepid"].note and "group 27" in spots["hidepid"].note
    assert all(s.command == "sudo ipcscope" for s in spots.values())


@pytest.mark.parametrize(("facts", "told"), [
    (AccessFacts(**ROOT_OK, lsms=("landlock", "selinux")),
     "active modules: landlock, selinux, from /sys/kernel/security/lsm"),
    (AccessFacts(**ROOT_OK), "/sys/kernel/security/lsm is not readable"),
    (AccessFacts(euid=0, cap_sys_ptrace=False), "lacks CAP_SYS_PTRACE"),
    (AccessFacts(euid=0, cap_sys_ptrace=True, initial_user_ns=False), "/proc/self/uid_map"),
])
def test_root_is_told_what_refused_it_and_never_to_run_as_root(facts: AccessFacts, told: str) -> None:
    [spot] = blind_spots([Refusal(1, 0, 0, "read")], facts)
    assert told in spot.note
    for text in (spot.note, spot.remedy, spot.why_one, spot.why_many):
        assert "sudo" not in text and "run as root" not in text.lower()
    assert spot.command is None


def test_yama_3_refuses_root_too() -> None:
    [spot] = blind_spots([Refusal(1, 0, 0, "waits")], AccessFacts(**ROOT_OK, yama_scope=3))
    assert spot.cause == "ptrace-scope" and "until a reboot" in spot.note and spot.command is None
