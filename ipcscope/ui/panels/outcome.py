"""What happens when a dialog runs an action, shared by every dialog.

`run_request` is the one place that decides *where* a validated request runs: a call that may
sleep in the kernel (`request.may_block`) goes to the OperationRunner's helper process, anything
else runs here and now (it cannot block: the request was validated and uses IPC_NOWAIT-like
semantics). Kernel errors come back as text with the errno name and its plain explanation.

The messages go to the app (not to the dialog, which may be closing): ActionDone asks for a
refresh so the table shows the change; OperationChanged tells about a helper process.
"""

from __future__ import annotations

from dataclasses import dataclass

from textual.message import Message

from ipcscope.actions import ActionResult, Request
from ipcscope.actions.runner import InNamespace, OperationError, Runner, RunningOperation
from ipcscope.core.errors import IpcError, ValidationError
from ipcscope.model import Fifo, IpcObject, SysvObject, format_key


class ActionDone(Message):
    """An action ran (successfully or not) and may have changed objects: refresh the view."""

    def __init__(self, request: Request, result: ActionResult | None) -> None:
        super().__init__()
        self.request = request
        self.result = result


class OperationChanged(Message):
    """A helper process started, finished, failed or was cancelled."""

    def __init__(self, operation: RunningOperation) -> None:
        super().__init__()
        self.operation = operation


@dataclass(frozen=True)
class Outcome:
    """One run: a result, an operation handed to the runner, or an error (as text)."""

    result: ActionResult | None = None
    operation: RunningOperation | None = None
    error: str = ""

    @property
    def ok(self) -> bool:
        return not self.error


def describe_error(error: BaseException) -> str:
    """`EEXIST: a shared memory segment with this key already exists ...` plus the call."""
    if isinstance(error, IpcError):
        return f"{error.errno_name}: {error.explanation}\n{error.call} failed"
    if isinstance(error, ValidationError):
        return str(error)
    return f"{type(error).__name__}: {error}"


def describe_operation_error(error: OperationError | None) -> str:
    """The same wording for an error reported by a helper process."""
    if error is None:
        return "failed"
    if error.errno_name and error.explanation:
        return f"{error.errno_name}: {error.explanation}"
    return error.message


def run_request(request: Request, runner: Runner | None) -> Outcome:
    """Run `request` where it belongs; never raises for what the kernel or the input says. A
    runner for another IPC namespace (InNamespace) takes every request: ids name objects of the
    namespace a call is made in."""
    if request.may_block or isinstance(runner, InNamespace):
        if runner is None:
            return Outcome(error="this call can block, and no helper process runner is available")
        try:
            return Outcome(operation=runner.start(request))
        except OSError as error:  # fork/exec failed: the system is out of something
            return Outcome(error=f"could not start a helper process: {error}")
    try:
        return Outcome(result=request.run())
    except (IpcError, ValidationError) as error:
        return Outcome(error=describe_error(error))
    except OSError as error:  # an os-level call outside core (fstat, chmod) the action missed
        return Outcome(error=describe_error(IpcError(error.errno or 5, request.c_call())))


def object_label(obj: IpcObject | Fifo | None) -> str:
    """ "msg 3 (key 0x0000abcd, owner alice)", "pmq /jobs (owner root)" or "fifo /tmp/f (inode 12)";
    "" for none."""
    if obj is None:
        return ""
    if isinstance(obj, Fifo):
        return f"fifo {obj.path} (inode {obj.inode})"
    owner = obj.owner or str(obj.uid)
    if isinstance(obj, SysvObject):
        return f"{obj.kind} {obj.id} (key {format_key(obj.key)}, owner {owner})"
    return f"{obj.kind} {obj.name} (owner {owner})"
