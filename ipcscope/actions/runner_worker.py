"""The helper process that performs one possibly-blocking action: `python -m ipcscope.actions.runner_worker`.

It exists so that a semop, msgrcv, mq_receive or sem_wait blocks in a real, separate process: the
kernel lists it as a waiter (ipcscope then shows it like any other), and the app stays free to
answer keys and to cancel it.

Protocol (see ipcscope.actions.runner): the request arrives as JSON in the file descriptor given by
`--request-fd`; the outcome leaves as one JSON line on stdout:
    {"ok": true, "result": {...}, "holding": false}
    {"ok": false, "error": {"type": "IpcError", "errno": 11, "call": "...", "explanation": "...", ...}}
stdin is a lifeline: when it reaches EOF the parent is gone and the helper exits at once.
After a successful semop with SEM_UNDO the helper stays alive ("holding") until it is cancelled:
its exit is what makes the kernel apply the SEM_UNDO adjustments.
"""

from __future__ import annotations

import argparse
import json
import os
import signal
import sys
import threading
from typing import Any

from ipcscope.core.errors import IpcError, ValidationError


def _watch_lifeline() -> None:
    """Exit as soon as the parent's end of stdin closes (the parent exited or was killed)."""
    try:
        while os.read(0, 4096):
            pass
    except OSError:
        pass
    os._exit(0)


def error_json(error: BaseException) -> dict[str, Any]:
    if isinstance(error, IpcError):
        return {"type": "IpcError", "errno": error.errno, "errno_name": error.errno_name,
                "call": error.call, "explanation": error.explanation, "message": str(error)}
    if isinstance(error, ValidationError):
        return {"type": "ValidationError", "field": error.field, "message": str(error)}
    return {"type": type(error).__name__, "message": f"{type(error).__name__}: {error}"}


def _emit(payload: dict[str, Any]) -> None:
    sys.stdout.write(json.dumps(payload) + "\n")
    sys.stdout.flush()


def main(argv: list[str] | None = None) -> int:
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # the parent cancels us; a terminal's ^C must not
    parser = argparse.ArgumentParser(prog="ipcscope.actions.runner_worker")
    parser.add_argument("--request-fd", type=int, required=True)
    parser.add_argument("--join-pid", type=int, help="act in this process's IPC namespace")
    parser.add_argument("--join-inode", type=int, help="which must be this one")
    args = parser.parse_args(argv)
    if args.join_pid is not None:  # while single-threaded: user and mount namespaces need it
        from ipcscope.actions.in_namespace import join_for_action

        try:
            join_for_action(args.join_pid, args.join_inode)
        except Exception as error:  # noqa: BLE001 - reported like any failure
            _emit({"ok": False, "error": error_json(error)})
            return 1
    threading.Thread(target=_watch_lifeline, daemon=True, name="lifeline").start()

    from ipcscope.actions import request_from_json

    try:
        with os.fdopen(args.request_fd, "rb") as handle:
            request = request_from_json(json.loads(handle.read()))
        result = request.run()
    except Exception as error:  # noqa: BLE001 - every failure goes back to the parent as JSON
        _emit({"ok": False, "error": error_json(error)})
        return 1
    holding = bool(getattr(request, "uses_undo", False))
    _emit({"ok": True, "result": result.to_json(), "holding": holding})
    if holding:
        threading.Event().wait()  # until cancelled (SIGTERM) or the lifeline closes
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
