import errno
import os
import stat

import pytest

from ipcscope.core import posix_shm
from ipcscope.core.errors import IpcError, ValidationError
from tests.helpers import run_as_user, unique_name


def errno_of(call, *args, **kwargs) -> int:
    with pytest.raises(IpcError) as caught:
        call(*args, **kwargs)
    return caught.value.errno


@pytest.fixture
def new_pshm(cleanup):
    def make(size: int = 64, mode: int = 0o600) -> str:
        name = unique_name()
        posix_shm.create(name, size, mode)
        cleanup(lambda: posix_shm.unlink(name))
        return name

    return make


def test_create_read_write(new_pshm):
    name = new_pshm(size=64, mode=0o640)
    info = os.stat(f"/dev/shm{name}")
    assert (info.st_size, stat.S_IMODE(info.st_mode)) == (64, 0o640)
    posix_shm.write(name, 10, b"hello")
    assert posix_shm.read(name, 10, 5) == b"hello"
    assert posix_shm.read(name) == b"\0" * 10 + b"hello" + b"\0" * 49
    assert posix_shm.read(name, 64) == b""
    assert posix_shm.size(name) == 64
    with pytest.raises(ValidationError):
        posix_shm.write(name, 62, b"abc")
    with pytest.raises(ValidationError):
        posix_shm.read(name, 65)
    posix_shm.create(name, 128, exclusive=False)  # resize
    assert posix_shm.size(name) == 128 and posix_shm.read(name, 10, 5) == b"hello"


def test_empty_object(new_pshm):
    name = new_pshm(size=0)
    assert posix_shm.read(name) == b""
    posix_shm.write(name, 0, b"")
    with pytest.raises(ValidationError):
        posix_shm.write(name, 0, b"x")


def test_failures(new_pshm):
    name = new_pshm()
    error = pytest.raises(IpcError, posix_shm.create, name, 10).value
    assert error.errno == errno.EEXIST and error.call == f'shm_open("{name}", O_RDWR|O_CREAT|O_EXCL, 0600)'
    missing = unique_name()
    assert errno_of(posix_shm.read, missing) == errno.ENOENT
    assert errno_of(posix_shm.unlink, missing) == errno.ENOENT
    with pytest.raises(ValidationError):
        posix_shm.create("no-slash", 10)


def test_nobody(new_pshm):
    private = new_pshm(mode=0o600)
    old_umask = os.umask(0)
    try:
        shared = new_pshm(mode=0o666)
    finally:
        os.umask(old_umask)

    def as_nobody():
        posix_shm.write(shared, 0, b"nobody was here")
        return errno_of(posix_shm.read, private), errno_of(posix_shm.unlink, shared)

    # /dev/shm is sticky: unlink gives EPERM, which glibc reports as EACCES
    assert run_as_user(as_nobody) == (errno.EACCES, errno.EACCES)
    assert posix_shm.read(shared, 0, 15) == b"nobody was here"
