"""Without root (as uid 65534): the user's own rootless container is read and acted in through a
helper that joins its user namespace first; a namespace this user may see but not enter is
listed as out of reach with the reason; other users' namespaces are counted, not dropped.

This machine allows unprivileged user namespaces (there is no kernel.unprivileged_userns_clone
knob, user.max_user_namespaces is far from 0); where it does not, these tests skip. The
interpreter running the tests may sit where uid 65534 cannot execute it (/root): the helpers then
run the system's python3 of the same version, on this tree's code.
"""

from __future__ import annotations

import os
import shutil
import sys
import time

import pytest

# Imported now: after dropping to uid 65534 the child may not read this interpreter's library.
import ipcscope.actions
import ipcscope.actions.in_namespace
import ipcscope.actions.runner
import ipcscope.core.mount
import ipcscope.core.namespaces
import ipcscope.probe.ns_snapshot
import ipcscope.probe.processes
from tests.helpers import NOBODY, run_as_user, unique_key
from tests.namespaces.conftest import _need_root
from tests.namespaces.members import CLONE_NEWIPC, CLONE_NEWNS, CLONE_NEWUSER, start_member, wait_blocked


def _python() -> str:
    """An interpreter uid 65534 may run for helpers and members (checked in the child)."""
    if os.access(sys.executable, os.X_OK) and os.access(os.path.dirname(os.__file__), os.R_OK):
        return sys.executable
    system = shutil.which("python3")
    if system is None:
        pytest.skip("no python3 that uid 65534 may run")
    return system


def _rootless_allowed() -> None:
    _need_root()

    def probe() -> bool:
        from tests.namespaces.members import can_unshare

        return can_unshare(CLONE_NEWUSER | CLONE_NEWIPC | CLONE_NEWNS)

    if not run_as_user(probe):
        pytest.skip("unprivileged user namespaces are not allowed here")

    def checkout_readable() -> bool:
        from tests.namespaces.members import MEMBER_SCRIPT

        return os.access(MEMBER_SCRIPT, os.R_OK) and os.access(os.path.dirname(ipcscope.__file__), os.R_OK)

    if not run_as_user(checkout_readable):
        # The member and ipcscope's own helpers run from this checkout as uid 65534.
        pytest.skip("this checkout is not readable by uid 65534 (a clone in a private directory)")


def test_own_rootless_container_is_read_and_acted_in() -> None:
    _rootless_allowed()

    def as_nobody() -> dict:
        from ipcscope.actions import SemOp
        from ipcscope.actions.in_namespace import run_in
        from ipcscope.actions.runner import OperationRunner
        from ipcscope.probe.ns_snapshot import NamespaceProbe
        from ipcscope.probe.processes import scan_processes

        python = _python()
        member = start_member(unique_key(), user=True, waiter=True, python=python)
        try:
            probe = NamespaceProbe(python=python)
            try:
                snapshot = scan_processes(probe.snapshot(None))
            finally:
                probe.close()
            where = next(ns for ns in snapshot.namespaces if ns.inode == member.inode)
            objects = sorted((o.kind, o.uid) for o in snapshot.all_objects() if o.ns == member.inode)
            waiters = [w.pid for w in snapshot.processes.waiters_of(f"sem:{member.ids['sem']}@{member.inode}")]
            blocked = wait_blocked(member.waiter)
            result = run_in(SemOp.parse({"id": str(member.ids["sem"]), "ops": "0:+1"}), where,
                            OperationRunner(python=python))
            time.sleep(0.2)
            return {"where": where, "objects": objects, "waiters": waiters, "waiter": member.waiter,
                    "blocked": blocked, "call": result.call, "released": not wait_blocked(member.waiter, 0.3),
                    "warnings": snapshot.warnings, "inode": member.inode}
        finally:
            member.end()

    seen = run_as_user(as_nobody)
    assert seen["where"].unreachable == "" and seen["where"].uid == NOBODY
    # created by the container's root, which is uid 65534 outside: shown as this system sees it
    assert seen["objects"] == sorted((kind, NOBODY) for kind in ("shm", "msg", "sem", "pmq", "pshm", "psem"))
    assert seen["waiters"] == [seen["waiter"]] and seen["blocked"]
    assert seen["call"].startswith(f"in ipc:[{seen['inode']}]") and seen["released"]
    assert any("processes of other users could not be inspected" in w for w in seen["warnings"])


def test_a_namespace_seen_but_not_enterable_is_listed_with_the_reason() -> None:
    _need_root()
    # made by root, so owned by the initial user namespace; its process then runs as 65534
    member = start_member(unique_key(), become=NOBODY)
    try:
        def as_nobody() -> tuple:
            from ipcscope.probe.ns_snapshot import NamespaceProbe

            probe = NamespaceProbe(python=_python())
            try:
                snapshot = probe.snapshot(None)
            finally:
                probe.close()
            found = next(ns for ns in snapshot.namespaces if ns.inode == member.inode)
            return found, [o for o in snapshot.all_objects() if o.ns == member.inode], snapshot.warnings

        found, objects, warnings = run_as_user(as_nobody)
    finally:
        member.end()
    assert "joining it needs root" in found.unreachable and objects == []
    assert any(w.startswith(f"ipc:[{member.inode}]") and "out of reach" in w for w in warnings)
