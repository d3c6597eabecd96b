"""The one exception type for kernel errors: errno, the call as C writes it, and what it means.

`explain(errno, call_name)` gives the plain-language reason for that errno *for that call*
(EIDRM on semop means "the set was removed while waiting"), falling back to strerror.
"""

from __future__ import annotations

import errno as errno_module
import os

# (call name, errno) -> explanation. Call names are the C function names ("semop", "shmat", ...).
# A None call name is the fallback for every call.
_EXPLANATIONS: dict[tuple[str | None, int], str] = {}


def explanation(err: int, call_name: str) -> str:
    """Plain-language meaning of `err` for the C function `call_name`."""
    return (
        _EXPLANATIONS.get((call_name, err))
        or _EXPLANATIONS.get((None, err))
        or os.strerror(err)
    )


def register_explanations(table: dict[tuple[str | None, int], str]) -> None:
    """Add explanations; modules of core call this for the calls they wrap."""
    _EXPLANATIONS.update(table)


class IpcError(OSError):
    """A failed IPC call. `str()` is one line fit for a terminal or a notification."""

    def __init__(self, err: int, call: str, explanation_text: str | None = None) -> None:
        call_name = call.split("(", 1)[0].strip()
        text = explanation_text or explanation(err, call_name)
        super().__init__(err, text)
        self.call = call
        self.call_name = call_name
        self.explanation = text

    @property
    def errno_name(self) -> str:
        return errno_module.errorcode.get(self.errno, str(self.errno))

    def __str__(self) -> str:
        return f"{self.call} failed: {self.errno_name}: {self.explanation}"


class ValidationError(ValueError):
    """Input rejected before any kernel call; `field` names the form field or CLI argument."""

    def __init__(self, message: str, field: str | None = None) -> None:
        super().__init__(message)
        self.field = field
