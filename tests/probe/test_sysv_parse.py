"""The /proc/sysvipc parsers on kernel samples: signed keys, octal perms, headers, bad lines."""

from __future__ import annotations

from pathlib import Path

from ipcscope.model import SHM_DEST, SHM_LOCKED
from ipcscope.probe.sysv import parse_msg, parse_sem, parse_shm

PROC = Path(__file__).parent.parent / "fixtures" / "proc"
SHM_TEXT = (PROC / "sysvipc" / "shm").read_text()
MSG_TEXT = (PROC / "sysvipc" / "msg").read_text()
SEM_TEXT = (PROC / "sysvipc" / "sem").read_text()


def test_shm_keys_are_unsigned_and_perms_octal() -> None:
    segments, warnings = parse_shm(SHM_TEXT)
    assert warnings == []
    by_id = {seg.id: seg for seg in segments}
    assert [seg.id for seg in segments] == [1, 2, 3, 4, 5]  # kernel order kept
    assert by_id[3].key_text == "0x12345678"
    assert by_id[4].key == 0xDEADBEEF and by_id[4].key_text == "0xdeadbeef"
    assert by_id[2].mode == 0o644 and by_id[2].perms == 0o644


def test_shm_dest_and_locked_bits_stay_in_mode() -> None:
    by_id = {seg.id: seg for seg in parse_shm(SHM_TEXT)[0]}
    dest, locked, private = by_id[1], by_id[4], by_id[5]
    assert dest.mode == 0o1600 and dest.mode & SHM_DEST and dest.perms == 0o600
    assert dest.status == ("dest",) and dest.key == 0
    assert locked.mode == 0o2600 and locked.mode & SHM_LOCKED and locked.status == ("locked",)
    assert private.key == 0 and private.status == ()


def test_shm_all_columns() -> None:
    seg = {s.id: s for s in parse_shm(SHM_TEXT)[0]}[3]
    assert (seg.size, seg.cpid, seg.lpid, seg.nattch) == (1048576, 5958, 5964, 2)
    assert (seg.uid, seg.gid, seg.cuid, seg.cgid) == (0, 0, 0, 0)
    assert seg.owner == "root" and seg.group == "root" and seg.cowner == "root"
    assert (seg.atime, seg.dtime, seg.ctime) == (1795315626, None, 1795315626)  # 0 -> None
    assert (seg.rss, seg.swap) == (524288, 0)


def test_shm_header_without_rss_and_swap_is_accepted() -> None:
    """Kernels before 4.6 print 14 columns."""
    text = (
        "       key      shmid perms       size  cpid  lpid nattch   uid   gid  cuid  cgid      atime      dtime      ctime\n"  # noqa: E501 - verbatim
        " 305419896          3   666    1048576  5958  5964      2     0     0     0     0 1795315626          0 1795315626\n"  # noqa: E501
    )
    segments, warnings = parse_shm(text)
    assert warnings == []
    assert segments[0].key == 0x12345678 and segments[0].rss is None and segments[0].swap is None


def test_columns_are_found_by_name_not_position() -> None:
    text = (
        "shmid key perms size cpid lpid nattch uid gid cuid cgid atime dtime ctime rss swap\n"
        "7 -559038737 600 8192 1 2 0 0 0 0 0 0 0 5 0 0\n"
    )
    (seg,), warnings = parse_shm(text)
    assert (seg.id, seg.key, seg.ctime) == (7, 0xDEADBEEF, 5)


def test_msg() -> None:
    (queue,), warnings = parse_msg(MSG_TEXT)
    assert warnings == []
    assert queue.key_text == "0x4a2d3d53" and queue.id == 2 and queue.mode == 0o640
    assert (queue.cbytes, queue.qnum, queue.lspid, queue.lrpid) == (41, 2, 5414, 0)
    assert (queue.stime, queue.rtime, queue.ctime) == (1795315599, None, 1795315595)
    assert queue.qbytes is None  # not in /proc: needs msgctl(IPC_STAT)


def test_sem_with_an_eleven_character_key() -> None:
    sets, warnings = parse_sem(SEM_TEXT)
    assert warnings == []
    by_id = {s.id: s for s in sets}
    wide = by_id[49]
    assert wide.key == (-1663030705) & 0xFFFFFFFF and wide.key_text == "0x9ce02a4f"
    assert wide.mode == 0o600 and wide.nsems == 2 and wide.otime is None
    assert wide.ctime == 1795315856
    assert by_id[1].key_text == "0x05152e39" and by_id[1].nsems == 3
    assert by_id[2].uid == 1000 and by_id[2].otime == 1795315700
    assert all(s.semaphores is None for s in sets)  # values need semctl


def test_garbled_lines_are_skipped_with_one_warning() -> None:
    text = SEM_TEXT + "garbage\n  85274170  3  644\n 1 2 zz 1 0 0 0 0 0 0\n\n"
    sets, warnings = parse_sem(text)
    assert [s.id for s in sets] == [1, 49, 2]
    assert len(warnings) == 1
    assert "/proc/sysvipc/sem" in warnings[0] and "skipped 3 unrecognised lines" in warnings[0]
    assert "'garbage'" in warnings[0]


def test_non_octal_perms_is_a_bad_line_not_a_crash() -> None:
    text = MSG_TEXT.splitlines()[0] + "\n1 2 999 0 0 0 0 0 0 0 0 0 0 0\n"
    queues, warnings = parse_msg(text)
    assert queues == () and "skipped 1 unrecognised line " in warnings[0]


def test_unknown_header_lists_nothing_and_says_so() -> None:
    segments, warnings = parse_shm("something else entirely\n1 2 3\n")
    assert segments == ()
    assert "unrecognised header" in warnings[0] and "shared memory segments are not listed" in warnings[0]


def test_empty_file_is_a_warning() -> None:
    assert parse_msg("")[0] == ()
    assert parse_msg("")[1]


def test_header_only_is_an_empty_list() -> None:
    header = SEM_TEXT.splitlines()[0] + "\n"
    assert parse_sem(header) == ((), [])
