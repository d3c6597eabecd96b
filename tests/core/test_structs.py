"""Layouts checked against what gcc reports for glibc 2.36's <sys/*.h> on each architecture."""

import ctypes

import pytest

from ipcscope.core import _arch, _structs

# sizeof on x86_64 and aarch64; only semid_ds differs (x86_64 pads each time field).
SIZES = {
    "IpcPerm": 48, "ShmidDs": 112, "MsqidDs": 120, "ShmInfo": 48, "ShmInfo64": 72, "MsgInfo": 32,
    "SemInfo": 40, "Sembuf": 6, "Timespec": 16, "MqAttr": 64,
}
OFFSETS = [
    ("IpcPerm", "mode", 20), ("IpcPerm", "seq", 24), ("ShmidDs", "shm_segsz", 48),
    ("ShmidDs", "shm_atime", 56), ("ShmidDs", "shm_cpid", 80), ("ShmidDs", "shm_nattch", 88),
    ("MsqidDs", "msg_stime", 48), ("MsqidDs", "msg_cbytes", 72), ("MsqidDs", "msg_qbytes", 88),
    ("MsqidDs", "msg_lspid", 96), ("SemidDs", "sem_otime", 48),
]


@pytest.mark.parametrize(("name", "size"), SIZES.items())
def test_sizes(name, size):
    assert ctypes.sizeof(getattr(_structs, name)) == size


@pytest.mark.parametrize(("struct", "field", "offset"), OFFSETS)
def test_offsets(struct, field, offset):
    assert getattr(getattr(_structs, struct), field).offset == offset


def test_semid_ds_per_arch():
    layout = _structs.SemidDs
    if _arch.SEMID_DS_HAS_TIME_PADDING:
        assert (ctypes.sizeof(layout), layout.sem_ctime.offset, layout.sem_nsems.offset) == (104, 64, 80)
    else:
        assert (ctypes.sizeof(layout), layout.sem_ctime.offset, layout.sem_nsems.offset) == (88, 56, 64)
