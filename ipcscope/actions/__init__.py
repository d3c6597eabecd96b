"""Every action, validated once, shared by the CLI and the UI.

Each action is a frozen request dataclass:

    request = SemOp.parse({"id": "32769", "ops": "0:-1:undo 2:+1"}, target=sem_set)
    request.c_call()   # 'semop(32769, {{0, -1, SEM_UNDO}, {2, +1, 0}}, 2)'
    request.may_block  # True: run it in a helper process (ipcscope.actions.runner)
    request.run()      # one core call -> an ActionResult (IpcError on failure)

`parse` raises ValidationError(message, field) for bad input, before any kernel call.
`preview(action, fields)` never raises: the C call so far and each field's problem, for a live form.
No Textual here; the UI builds its forms from each class's `form` (FieldSpec tuple).
"""

from __future__ import annotations

from ipcscope.actions.admin import Remove, SetPerms
from ipcscope.actions.base import (
    ACTIONS,
    FieldSpec,
    Preview,
    Request,
    actions_for,
    preview,
    request_from_json,
)
from ipcscope.actions.fields import format_semop, parse_semop
from ipcscope.actions.fifo import FifoRead, FifoRemove, FifoWrite, MakeFifo
from ipcscope.actions.limits import ActionLimits, read_limits
from ipcscope.actions.posix import (
    CreatePosixQueue,
    CreatePosixSem,
    CreatePosixShm,
    PosixMqReceive,
    PosixMqSend,
    PosixSemPost,
    PosixSemTryWait,
    PosixSemWait,
    PosixShmRead,
    PosixShmWrite,
)
from ipcscope.actions.results import (
    ActionResult,
    Created,
    DataRead,
    Done,
    FifoData,
    FifoWritten,
    Peeked,
    PeekedMessage,
    Received,
    SemValue,
    Written,
    result_from_json,
)
from ipcscope.actions.sysv_msg import CreateMsg, MsgPeek, MsgReceive, MsgSend, SetQbytes
from ipcscope.actions.sysv_sem import CreateSem, SemOp, SetAll, SetVal
from ipcscope.actions.sysv_shm import CreateShm, ShmLock, ShmRead, ShmUnlock, ShmWrite
from ipcscope.core.constants import IPC_NOWAIT, SEM_UNDO

__all__ = [
    "ACTIONS", "ActionLimits", "ActionResult", "Created", "CreateMsg", "CreatePosixQueue",
    "CreatePosixSem", "CreatePosixShm", "CreateSem", "CreateShm", "DataRead", "Done", "FieldSpec",
    "FifoData", "FifoRead", "FifoRemove", "FifoWrite", "FifoWritten", "MakeFifo",
    "IPC_NOWAIT", "MsgPeek", "MsgReceive", "MsgSend", "Peeked", "PeekedMessage", "PosixMqReceive",
    "PosixMqSend", "PosixSemPost", "PosixSemTryWait", "PosixSemWait", "PosixShmRead",
    "PosixShmWrite", "Preview", "Received", "Remove", "Request", "SEM_UNDO", "SemOp", "SemValue",
    "SetAll", "SetPerms", "SetQbytes", "SetVal", "ShmLock", "ShmRead", "ShmUnlock", "ShmWrite",
    "Written", "actions_for", "format_semop", "parse_semop", "preview", "read_limits", "request_from_json",
    "result_from_json",
]
