"""The segment viewer on real segments: attached read-only while open (the kernel counts it),
changes highlighted, writing only in write mode, detached on close; POSIX shm too."""

from __future__ import annotations

import os

import pytest
from rich.text import Text

from ipcscope.actions.lookup import find_object
from ipcscope.core import posix_shm, shm
from ipcscope.model import ObjectRef
from ipcscope.ui.panels.shm_viewer import ShmViewer
from ipcscope.ui.render.hexdump import CHANGED_STYLE, changed_offsets, hexdump
from tests.actions.support import proc_sysvipc
from tests.helpers import unique_key, unique_name
from tests.ui.panels.harness import LIMITS, DialogApp, text_of

SIZE = (100, 30)


@pytest.fixture
def segment():
    shmid = shm.create(unique_key(), 1000)
    try:
        yield find_object(ObjectRef("shm", shmid))
    finally:
        shm.remove(shmid)


def maps_entry(shmid: int) -> str | None:
    """This process's mapping of the segment, from /proc/self/maps (perms column first)."""
    with open("/proc/self/maps") as handle:
        for line in handle:
            fields = line.split()
            if "SYSV" in line and int(fields[4]) == shmid:
                return fields[1]
    return None


def highlighted(view: Text) -> str:
    """The characters of the dump drawn as changed."""
    return "".join(view.plain[span.start:span.end] for span in view.spans if span.style == CHANGED_STYLE)


async def test_attached_read_only_while_open_and_detached_on_close(segment) -> None:
    app = DialogApp(lambda: ShmViewer(segment, interval=0, limits=LIMITS))
    async with app.run_test(size=SIZE) as pilot:
        viewer = app.screen
        assert proc_sysvipc("shm", segment.id)["nattch"] == 1
        assert maps_entry(segment.id) == "r--s"  # SHM_RDONLY
        assert text_of(viewer.query_one("#viewer-state")).startswith(
            f"shmat({segment.id}, NULL, SHM_RDONLY) · 1000 bytes · showing 0x0..")
        assert not viewer.query_one("#write-row").display
        await pilot.press("escape")
        await pilot.pause()
        assert app.results == [None]
    assert proc_sysvipc("shm", segment.id)["nattch"] == 0 and maps_entry(segment.id) is None


async def test_bytes_changed_by_someone_else_are_highlighted(segment) -> None:
    app = DialogApp(lambda: ShmViewer(segment, interval=0, limits=LIMITS))
    async with app.run_test(size=SIZE) as pilot:
        viewer = app.screen
        await pilot.pause()  # the first layout re-reads once: compare with what is on screen after
        with shm.attach(segment.id, readonly=False) as other:
            other.write(20, b"hello world")
        viewer.refresh_view()
        await pilot.pause()
        dump = text_of(viewer.query_one("#hex"))
        assert "00000010  00 00 00 00 68 65 6c 6c  6f 20 77 6f 72 6c 64 00  |....hello world.|" in dump
        assert "11 bytes changed" in text_of(viewer.query_one("#viewer-state"))
        assert highlighted(viewer.last_dump) == "68656c6c6f20776f726c64" + "hello world"
        viewer.refresh_view()  # nothing changed since: nothing lit
        assert highlighted(viewer.last_dump) == ""


async def test_write_mode_writes_and_only_when_allowed(segment) -> None:
    app = DialogApp(lambda: ShmViewer(segment, interval=0, limits=LIMITS))
    async with app.run_test(size=SIZE) as pilot:
        viewer = app.screen
        await pilot.press("w")
        await pilot.pause()
        assert viewer.query_one("#write-row").display and maps_entry(segment.id) == "rw-s"
        assert proc_sysvipc("shm", segment.id)["nattch"] == 1  # re-attached, not attached twice
        await pilot.press(*"ab")
        await pilot.pause()
        assert text_of(viewer.query_one("#write-call")).startswith('C memcpy(addr + 0, "ab", 2)')
        viewer.query_one("#write-offset").value = "998"
        viewer.query_one("#write-data").value = "xyz"
        await pilot.pause()
        assert "data is 3 bytes; only 2 fit" in text_of(viewer.query_one("#write-note"))
        viewer.query_one("#write-data").value = "de ad"
        viewer.query_one("#write-hex").value = True
        await pilot.pause()
        await pilot.click("#write")
        await pilot.pause()
        with shm.attach(segment.id) as check:
            assert check.read(998, 2) == b"\xde\xad"
        assert (text_of(viewer.query_one("#write-note"))
                == r'memcpy(addr + 998, "\336\255", 2): wrote 2 bytes at offset 998')
        assert len(app.done) == 1

    app = DialogApp(lambda: ShmViewer(segment, interval=0, limits=LIMITS, allow_write=False))
    async with app.run_test(size=SIZE) as pilot:
        viewer = app.screen
        await pilot.press("w")
        await pilot.pause()
        assert not viewer.query_one("#write-row").display and maps_entry(segment.id) == "r--s"
        assert viewer.check_action("write_mode", ()) is False


async def test_scrolling_reads_only_the_window(segment) -> None:
    with shm.attach(segment.id, readonly=False) as other:
        other.write(992, b"THE END!")
    app = DialogApp(lambda: ShmViewer(segment, interval=0, limits=LIMITS))
    async with app.run_test(size=SIZE) as pilot:
        viewer = app.screen
        await pilot.press("ctrl+end")
        await pilot.pause()
        dump = text_of(viewer.query_one("#hex"))
        assert dump.splitlines()[-1].startswith("000003e0  54 48 45 20 45 4e 44 21")
        assert dump.splitlines()[-1].endswith("|THE END!|")
        await pilot.press("ctrl+home")
        assert text_of(viewer.query_one("#hex")).startswith("00000000  ")
        await pilot.press("down")
        assert text_of(viewer.query_one("#hex")).startswith("00000010  ")


async def test_a_segment_that_is_gone_says_so() -> None:
    shmid = shm.create(unique_key(), 64)
    gone = find_object(ObjectRef("shm", shmid))
    shm.remove(shmid)
    app = DialogApp(lambda: ShmViewer(gone, interval=0, limits=LIMITS))
    async with app.run_test(size=SIZE) as pilot:
        viewer = app.screen
        assert text_of(viewer.query_one("#viewer-error")).startswith("EINVAL: ")
        await pilot.press("escape")


async def test_posix_shm_view_and_write() -> None:
    name = unique_name()
    posix_shm.create(name, 64)
    try:
        posix_shm.write(name, 0, b"posix!")
        obj = find_object(ObjectRef("pshm", name))
        app = DialogApp(lambda: ShmViewer(obj, interval=0, limits=LIMITS))
        async with app.run_test(size=SIZE) as pilot:
            viewer = app.screen
            assert "|posix!" in text_of(viewer.query_one("#hex"))
            assert text_of(viewer.query_one("#viewer-state")).startswith(f'shm_open("{name}", O_RDONLY, 0) · 64 bytes')
            await pilot.press("w")
            await pilot.pause()
            viewer.query_one("#write-offset").value = "8"
            await pilot.press(*"hi")
            await pilot.pause()
            assert (text_of(viewer.query_one("#write-call"))
                    == f'C fd = shm_open("{name}", O_RDWR, 0); pwrite(fd, "hi", 2, 8)')
            await pilot.press("enter")
            await pilot.pause()
            assert posix_shm.read(name, 8, 2) == b"hi"
            assert "2 bytes changed" in text_of(viewer.query_one("#viewer-state"))
    finally:
        os.unlink(f"/dev/shm/{name.lstrip('/')}")


# --------------------------------------------------------------------------- the dump itself


def test_changed_offsets_compare_only_what_both_windows_show() -> None:
    assert changed_offsets(b"abcd", 0, b"abXd", 0) == {2}
    assert changed_offsets(b"abcd", 0, b"cZ", 2) == {3}
    assert changed_offsets(b"abcd", 0, b"zz", 10) == frozenset()


def test_hexdump_lines_and_highlight() -> None:
    text = hexdump(b"hi\x00\xff" + bytes(14), 0x20, changed=frozenset({0x21}))
    lines = text.plain.splitlines()
    assert lines[0] == "00000020  68 69 00 ff 00 00 00 00  00 00 00 00 00 00 00 00  |hi..............|"
    assert lines[1].startswith("00000030  00 00 ") and lines[1].endswith("|..|")
    assert highlighted(text) == "69i"
    assert hexdump(b"abc", 0, row=8).plain == "00000000  61 62 63                  |abc|"
