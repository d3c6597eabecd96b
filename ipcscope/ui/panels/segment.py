"""The bytes a segment viewer shows, from a System V attachment or a POSIX shm object.

`SysvSegment` keeps one shmat() mapping for as long as the viewer is open (so the kernel counts
the viewer in nattch, as it would any attached process) and detaches on `close()`. It attaches
read-only unless write mode is asked for. `PosixSegment` has nothing to keep: every read and
write goes through the PosixShmRead/PosixShmWrite actions (open, map, copy, close).
Reads take only the window on screen, so a 1 GiB segment costs what 1 KiB does.
"""

from __future__ import annotations

from typing import Protocol

from ipcscope.actions import PosixShmRead, PosixShmWrite, ShmWrite
from ipcscope.actions.lookup import posix_file_object
from ipcscope.core import c_calls
from ipcscope.model import PosixShm, ShmSegment


class Segment(Protocol):
    """What the viewer needs: a size, a window of bytes, and writing when writable."""

    writable: bool

    @property
    def size(self) -> int: ...

    @property
    def opened_with(self) -> str:
        """The C call that gave access, for the title (`shmat(3, NULL, SHM_RDONLY)`)."""
        ...

    def read(self, offset: int, length: int) -> bytes: ...

    def write(self, request: ShmWrite | PosixShmWrite) -> str:
        """Write what a validated request says; return the C call that did it."""
        ...

    def write_call(self, c_call: str) -> str:
        """The part of the action's C call this access performs (the preview line)."""
        ...

    def close(self) -> None: ...


class SysvSegment:
    """One shmat() mapping of a System V segment (core.shm.Attachment)."""

    def __init__(self, segment: ShmSegment, *, writable: bool = False) -> None:
        from ipcscope.core import shm
        from ipcscope.core.constants import SHM_RDONLY

        self.shmid = segment.id
        self.writable = writable
        self._attachment = shm.attach(segment.id, readonly=not writable)
        flags = 0 if writable else SHM_RDONLY
        self._opened_with = c_calls.shmat_call(segment.id, None, flags)

    @property
    def size(self) -> int:
        return self._attachment.size

    @property
    def opened_with(self) -> str:
        return self._opened_with

    @property
    def address(self) -> int:
        return self._attachment.address

    def read(self, offset: int, length: int) -> bytes:
        return self._attachment.read(offset, min(length, max(self.size - offset, 0)))

    def write(self, request: ShmWrite | PosixShmWrite) -> str:
        self._attachment.write(request.offset, request.data)
        return self.write_call(request.c_call())

    def write_call(self, c_call: str) -> str:
        """Only the memcpy: ShmWrite attaches and detaches around it, the viewer is attached."""
        return next((part for part in c_call.split("; ") if part.startswith("memcpy(")), c_call)

    def close(self) -> None:
        self._attachment.detach()


class PosixSegment:
    """A POSIX shm object, read and written through the actions (no mapping kept open)."""

    def __init__(self, obj: PosixShm, *, writable: bool = False) -> None:
        self.name = obj.name
        self.writable = writable
        self._size = obj.size
        self.refresh_size()

    def refresh_size(self) -> None:
        """The size may change (ftruncate by its owner): stat the object again."""
        current = posix_file_object("pshm", self.name)
        if isinstance(current, PosixShm):
            self._size = current.size

    @property
    def size(self) -> int:
        return self._size

    @property
    def opened_with(self) -> str:
        access = "O_RDWR" if self.writable else "O_RDONLY"
        return f"shm_open({c_calls.string(self.name, 300)}, {access}, 0)"

    def read(self, offset: int, length: int) -> bytes:
        self.refresh_size()
        length = min(length, max(self._size - offset, 0))
        if length <= 0:
            return b""
        return PosixShmRead(name=self.name, offset=offset, length=length).run().data

    def write(self, request: ShmWrite | PosixShmWrite) -> str:
        assert isinstance(request, PosixShmWrite)
        return request.run().call

    def write_call(self, c_call: str) -> str:
        return c_call

    def close(self) -> None:
        pass


def open_segment(obj: ShmSegment | PosixShm, *, writable: bool = False) -> Segment:
    """Access to `obj` (IpcError when the kernel refuses: EACCES, EINVAL if it is gone)."""
    if isinstance(obj, ShmSegment):
        return SysvSegment(obj, writable=writable)
    return PosixSegment(obj, writable=writable)
