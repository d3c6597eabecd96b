import errno
import os

import pytest

from ipcscope.core import shm
from ipcscope.core.errors import IpcError, ValidationError
from tests.core.conftest import sysvipc_row
from tests.helpers import run_as_user, unique_key


def test_create_and_stat(new_shm):
    key, shmid = new_shm(size=27, mode=0o640)
    st = shm.stat(shmid)
    assert (st.id, st.key, st.size, st.perms, st.mode) == (shmid, key, 27, 0o640, 0o640)
    assert (st.uid, st.cuid, st.cpid, st.nattch) == (os.geteuid(), os.geteuid(), os.getpid(), 0)
    assert st.atime is None and st.dtime is None and st.ctime
    assert shm.open_existing(key) == shmid
    assert shm.create(key, 27) == shmid  # not exclusive: opens it


def test_create_failures(new_shm):
    key, _ = new_shm()
    with pytest.raises(IpcError) as caught:
        shm.create(key, 4096, exclusive=True)
    assert caught.value.errno == errno.EEXIST
    assert caught.value.call == f"shmget(0x{key:08x}, 4096, IPC_CREAT|IPC_EXCL|0600)"
    with pytest.raises(IpcError) as caught:
        shm.open_existing(unique_key())
    assert caught.value.errno == errno.ENOENT
    with pytest.raises(IpcError) as caught:
        shm.create(unique_key(), 0)
    assert caught.value.errno == errno.EINVAL and "SHMMIN" in caught.value.explanation
    with pytest.raises(ValidationError):
        shm.open_existing(0)
    with pytest.raises(ValidationError):
        shm.create(unique_key(), 10, mode=0o1777)


def test_attach_read_write(new_shm):
    _, shmid = new_shm(size=100)
    with shm.attach(shmid, readonly=False) as rw, shm.attach(shmid) as ro:
        rw.write(10, b"hello")
        assert ro.read(10, 5) == b"hello"
        assert len(ro.read()) == 100 and ro.read(95) == b"\0" * 5
        assert shm.stat(shmid).nattch == 2
        with pytest.raises(ValidationError):
            ro.write(0, b"x")
        with pytest.raises(ValidationError):
            rw.write(98, b"abc")
        with pytest.raises(ValidationError):
            rw.read(50, 51)
    assert not rw.attached
    rw.detach()  # again: harmless
    with pytest.raises(ValidationError):
        rw.read()
    st = shm.stat(shmid)
    assert st.nattch == 0 and st.atime and st.dtime and st.lpid == os.getpid()


def test_remove_while_attached_marks_dest(new_shm):
    _, shmid = new_shm()
    attachment = shm.attach(shmid)
    try:
        shm.remove(shmid)
        row = sysvipc_row("shm", shmid)
        assert row["key"] == "0" and int(row["perms"], 8) == 0o1600
        assert shm.stat(shmid).dest
    finally:
        attachment.detach()
    assert sysvipc_row("shm", shmid) is None
    for call in (shm.stat, shm.attach, shm.remove):
        with pytest.raises(IpcError) as caught:
            call(shmid)
        assert caught.value.errno == errno.EINVAL


def test_set_perms_and_lock_show_in_proc(new_shm):
    _, shmid = new_shm(mode=0o600)
    shm.set_perms(shmid, mode=0o644, gid=100)
    row = sysvipc_row("shm", shmid)
    assert (row["perms"], row["gid"]) == ("644", "100")
    shm.lock(shmid)
    assert sysvipc_row("shm", shmid)["perms"] == "2644"
    assert shm.stat(shmid).locked
    shm.unlock(shmid)
    assert sysvipc_row("shm", shmid)["perms"] == "644"


def test_info_and_limits(new_shm):
    _, shmid = new_shm(size=5000)
    usage = shm.info()
    assert usage.segments >= 1 and usage.pages >= 2 and usage.max_index >= shmid % 32768
    limits = shm.limits()
    assert limits.shmmin == 1
    assert limits.shmmni == int(open("/proc/sys/kernel/shmmni").read())
    assert limits.shmmax == int(open("/proc/sys/kernel/shmmax").read())
    assert shm.stat_any(shmid % 32768).id == shmid


def test_nobody_is_refused_on_0600(new_shm):
    key, shmid = new_shm(mode=0o600)

    def as_nobody():
        results = {"open": shm.open_existing(key)}  # shmget with no flags asks for no permission
        for name, call in [("attach", lambda: shm.attach(shmid)), ("stat", lambda: shm.stat(shmid)),
                           ("remove", lambda: shm.remove(shmid)), ("lock", lambda: shm.lock(shmid)),
                           ("create", lambda: shm.create(key, 10, mode=0o600))]:
            try:
                call()
            except IpcError as error:
                results[name] = error.errno
        return results

    assert run_as_user(as_nobody) == {
        "open": shmid, "attach": errno.EACCES, "stat": errno.EACCES, "remove": errno.EPERM,
        "lock": errno.EPERM, "create": errno.EACCES,
    }


def test_nobody_can_use_0666(new_shm):
    _, shmid = new_shm(size=16, mode=0o666)

    def as_nobody():
        with shm.attach(shmid, readonly=False) as attachment:
            attachment.write(0, b"from nobody")
        try:
            shm.remove(shmid)
        except IpcError as error:
            return shm.stat(shmid).size, error.errno

    assert run_as_user(as_nobody) == (16, errno.EPERM)
    with shm.attach(shmid) as attachment:
        assert attachment.read(0, 11) == b"from nobody"
