import errno
import os
import time

import pytest

from ipcscope.core import posix_sem
from ipcscope.core.errors import IpcError, ValidationError
from ipcscope.core.posix_sem import NamedSemaphore
from tests.core.conftest import reap
from tests.helpers import run_as_user, unique_name


def errno_of(call, *args, **kwargs) -> int:
    with pytest.raises(IpcError) as caught:
        call(*args, **kwargs)
    return caught.value.errno


@pytest.fixture
def semaphore(cleanup):
    name = unique_name()
    handle = NamedSemaphore.open(name, create=True, exclusive=True, value=2)
    cleanup(lambda: posix_sem.unlink(name))
    cleanup(handle.close)
    return handle


def test_post_wait_trywait(semaphore):
    assert semaphore.value == 2 and os.path.exists(f"/dev/shm/sem.{semaphore.name[1:]}")
    semaphore.wait()
    semaphore.trywait()
    assert semaphore.value == 0
    error = pytest.raises(IpcError, semaphore.trywait).value
    assert error.errno == errno.EAGAIN and error.call == f"sem_trywait(sem /* {semaphore.name} */)"
    started = time.monotonic()
    assert errno_of(semaphore.wait, timeout=0.1) == errno.ETIMEDOUT
    assert 0.09 < time.monotonic() - started < 1
    semaphore.post()
    assert posix_sem.getvalue(semaphore.name) == 1
    semaphore.wait(timeout=1)


def test_post_wakes_a_waiter_in_a_child(semaphore):
    semaphore.wait()
    semaphore.wait()
    pid = os.fork()
    if pid == 0:
        code = 1
        try:
            with NamedSemaphore.open(semaphore.name) as other:
                other.wait(timeout=5)
                code = 0
        finally:
            os._exit(code)
    try:
        time.sleep(0.02)
        semaphore.post()
    finally:
        status = reap(pid)
    assert os.waitstatus_to_exitcode(status) == 0 and semaphore.value == 0


def test_open_failures_and_close(semaphore):
    assert errno_of(NamedSemaphore.open, semaphore.name, create=True, exclusive=True) == errno.EEXIST
    assert errno_of(NamedSemaphore.open, unique_name()) == errno.ENOENT
    assert errno_of(posix_sem.unlink, unique_name()) == errno.ENOENT
    with pytest.raises(ValidationError):
        NamedSemaphore.open(unique_name(), create=True, value=-1)
    with pytest.raises(ValidationError):
        NamedSemaphore.open(unique_name(), exclusive=True)
    with NamedSemaphore.open(semaphore.name) as second:
        assert second.value == 2
    assert second.closed
    second.close()  # again: harmless
    with pytest.raises(ValidationError):
        second.post()


def test_nobody_refused_on_0600(semaphore):
    assert run_as_user(lambda: errno_of(NamedSemaphore.open, semaphore.name)) == errno.EACCES
