"""The app's live source over real namespaces: start with --ns, switch to all, scan, census."""

from __future__ import annotations

from ipcscope.ui.data.sources import LiveSource, with_scan


def test_live_source_starts_in_the_namespace_named_and_switches(two_namespaces) -> None:
    first, second = two_namespaces
    source = LiveSource(ns=str(first.pid))
    try:
        snapshot = source()
        assert [ns.inode for ns in snapshot.namespaces] == [first.inode]
        assert source.namespaces.selection == str(first.inode)
        scanned = with_scan(snapshot, source.scan_processes(snapshot))
        (sem,) = scanned.sem
        assert [w.pid for w in scanned.processes.waiters_of(sem.ref)] == [first.waiter]

        before = source.generation
        source.choose("all")
        assert source.generation == before + 1
        everything = source()
        inodes = {ns.inode for ns in everything.namespaces}
        assert {first.inode, second.inode} <= inodes and any(ns.own for ns in everything.namespaces)

        census = source.census()
        assert sum(1 for s in census.sem if s.ns in (first.inode, second.inode)) == 2
        assert all(s.semaphores is None for s in census.sem)  # no details for counting

        source.choose("own")
        assert source().namespaces == ()
    finally:
        source.namespaces.close()


def test_a_name_that_names_nothing_falls_back_to_own_and_says_so() -> None:
    source = LiveSource(ns="no-such-container")
    try:
        snapshot = source()
        assert snapshot.namespaces == ()
        assert snapshot.warnings[0].startswith("--ns no-such-container: no IPC namespace is named")
    finally:
        source.namespaces.close()
