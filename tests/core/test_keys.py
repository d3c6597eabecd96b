import os

import pytest

from ipcscope.core import keys
from ipcscope.core.errors import IpcError, ValidationError


@pytest.mark.parametrize(
    ("text", "key"),
    [
        ("0x1234", 0x1234),
        ("0X0000162E", 0x162E),
        ("4660", 4660),
        ("  4660 ", 4660),
        ("-559038737", 0xDEADBEEF),  # the signed form /proc/sysvipc prints
        ("0xffffffff", 0xFFFFFFFF),
        ("private", 0),
        ("IPC_PRIVATE", 0),
        ("0", 0),
    ],
)
def test_parse_key_forms(text, key):
    assert keys.parse_key(text) == key


@pytest.mark.parametrize(
    "text",
    ["", "0x", "0x100000000", "4294967296", "-2147483649", "12ab", "1_000", "0o17", "ftok:", "ftok:/tmp", "ftok::1"],
)
def test_parse_key_rejects(text):
    with pytest.raises(ValidationError) as caught:
        keys.parse_key(text)
    assert caught.value.field == "key"


def glibc_ftok(path: str, proj_id: int) -> int:
    st = os.stat(path)
    return ((st.st_ino & 0xFFFF) | ((st.st_dev & 0xFF) << 16) | ((proj_id & 0xFF) << 24)) & 0xFFFFFFFF


@pytest.mark.parametrize("path", ["/", "/etc/passwd", "/proc/self"])
@pytest.mark.parametrize("proj_id", [1, ord("A"), 255])
def test_ftok_matches_glibc_formula(path, proj_id):
    assert keys.ftok(path, proj_id) == glibc_ftok(path, proj_id)


def test_parse_ftok_forms():
    assert keys.parse_key("ftok:/etc/passwd:65") == glibc_ftok("/etc/passwd", 65)
    assert keys.parse_key("ftok:/etc/passwd:A") == glibc_ftok("/etc/passwd", 65)
    assert keys.parse_key("ftok:/etc/passwd:0x41") == glibc_ftok("/etc/passwd", 65)


def test_ftok_missing_file_is_ipc_error():
    with pytest.raises(IpcError) as caught:
        keys.ftok("/nonexistent/ipcscope", 1)
    assert caught.value.errno == 2
    assert str(caught.value) == (
        'ftok("/nonexistent/ipcscope", 1) failed: ENOENT: the path does not exist (ftok needs an existing file)'
    )


@pytest.mark.parametrize("proj_id", [0, 256, -1, True, "AB"])
def test_ftok_rejects_bad_id(proj_id):
    with pytest.raises(ValidationError):
        keys.ftok("/", proj_id)
