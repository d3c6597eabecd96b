import pytest

from ipcscope.core import posix_mq, posix_sem, posix_shm
from ipcscope.core.errors import ValidationError

VALIDATORS = [posix_mq.validate_name, posix_shm.validate_name, posix_sem.validate_name]


@pytest.mark.parametrize("validate", VALIDATORS)
@pytest.mark.parametrize("name", ["/a", "/jobs.q", "/" + "x" * 251, "/..x", "/é"])
def test_valid_names(validate, name):
    assert validate(name) == name


@pytest.mark.parametrize("validate", VALIDATORS)
@pytest.mark.parametrize(
    "name", ["", "/", "jobs", "//jobs", "/a/b", "/.", "/..", "/a\0b", "/" + "x" * 256, None, b"/x"])
def test_invalid_names(validate, name):
    with pytest.raises(ValidationError) as caught:
        validate(name)
    assert caught.value.field == "name"


def test_name_max_counts_bytes_and_semaphores_lose_four():
    assert posix_mq.validate_name("/" + "x" * 255)
    assert posix_shm.validate_name("/" + "x" * 255)
    with pytest.raises(ValidationError):
        posix_sem.validate_name("/" + "x" * 252)  # glibc adds "sem."
    with pytest.raises(ValidationError):
        posix_mq.validate_name("/" + "é" * 128)  # 256 bytes
