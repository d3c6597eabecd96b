"""probe._fast.build must give exactly what the dataclass __init__ gives, for every model class."""

from __future__ import annotations

import dataclasses

import pytest

from ipcscope import model
from ipcscope.probe._fast import build, build_many

SAMPLES = {
    model.ShmSegment: dict(key=1, id=2, mode=0o1600, uid=3, gid=4, cuid=5, cgid=6, owner="a",
                           size=10, nattch=1, atime=None, rss=4096),
    model.MsgQueue: dict(key=1, id=2, mode=0o600, uid=0, gid=0, cuid=0, cgid=0, cbytes=3, qbytes=5),
    model.SemSet: dict(key=1, id=2, mode=0o600, uid=0, gid=0, cuid=0, cgid=0, nsems=1,
                       semaphores=(model.Semaphore(0, 1, 0, 0, 9),)),
    model.Semaphore: dict(num=0, value=1, ncnt=2, zcnt=3, pid=4),
    model.PosixQueue: dict(name="/q", mode=0o644, uid=0, gid=0, qsize=3, dev=1, inode=2),
    model.PosixShm: dict(name="/s", mode=0o600, uid=0, gid=0, size=7),
    model.PosixSemaphore: dict(name="/p", mode=0o600, uid=0, gid=0, value=None),
    # the channel classes the probe builds by the thousand
    model.ChannelEnd: dict(pid=1, comm="cat", fd=3, mode="r", uid=0),
    model.BlockedTask: dict(pid=1, tid=2, comm="cat", op="read", fd=3, since=5.0, uid=0, state="waiting",
                            mode=None),
    model.Pipe: dict(inode=7, dev=15, ends=(model.ChannelEnd(1, "cat", 3, "r"),), queued=0, capacity=65536),
    model.Fifo: dict(path="/tmp/f", inode=8, dev=30, ends=(), blocked=(), queued=None, capacity=None,
                     unlinked=True),
    model.UnixSocket: dict(inode=9, type="stream", state="listen", name="/run/s", peer=None, queued=None,
                           pending=1, backlog=5, pending_peers=(10,), uid=0, ends=(), blocked=()),
    model.InetSocket: dict(inode=11, proto="tcp", local="127.0.0.1:80", remote=None, state="listen",
                           peer=None, queued=None, pending=0, backlog=128, uid=0, ends=(), blocked=()),
}


@pytest.mark.parametrize("cls", list(SAMPLES), ids=lambda c: c.__name__)
def test_build_equals_init(cls) -> None:
    assert not hasattr(cls, "__post_init__") and not hasattr(cls, "__slots__")
    fast, slow = build(cls, **SAMPLES[cls]), cls(**SAMPLES[cls])
    assert fast == slow and hash(fast) == hash(slow) and repr(fast) == repr(slow)
    assert dataclasses.asdict(fast) == dataclasses.asdict(slow)
    with pytest.raises(dataclasses.FrozenInstanceError):
        fast.uid = 1  # type: ignore[misc]


def test_build_many_zips_columns() -> None:
    columns = {"name": ["/a", "/b"], "mode": [0o600, 0o644], "uid": [0, 1], "gid": [0, 1],
               "size": [1, 2]}
    objects = build_many(model.PosixShm, columns)
    assert objects == [model.PosixShm(name="/a", mode=0o600, uid=0, gid=0, size=1),
                       model.PosixShm(name="/b", mode=0o644, uid=1, gid=1, size=2)]
