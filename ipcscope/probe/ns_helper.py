"""The helper process of `ns_readers.HelperReader`: `python -m ipcscope.probe.ns_helper PID INODE`.

It makes itself non-dumpable (a process that joined a container's user namespace could otherwise
be ptraced by the container's root, and it still holds the host's root directory), joins the user
namespace that owns PID's IPC namespace while it is single-threaded, gives itself a private mount
namespace (so it may make the detached mqueue mount that lists the queues), and joins the IPC
namespace. Then it answers one JSON request per line on stdin: {"op": "collect", "kinds",
"details"} or {"op": "peek", "ids"}; the first line it writes says whether joining worked. It
exits when stdin closes: its parent went away.
"""

from __future__ import annotations

import json
import os
import sys
from typing import Any


class _Numbers:
    """Owner names stay numbers here: the uids are the container's; the parent maps and names them."""

    def user(self, uid: int) -> str:
        return str(uid)

    def group(self, gid: int) -> str:
        return str(gid)


def _join(pid: int, inode: int) -> None:
    from ipcscope.core import namespaces as ns
    from ipcscope.probe.ns_readers import ReaderFailed

    ns.set_dumpable(False)
    ipc_fd = ns.open_namespace(pid, "ipc")
    try:
        if ns.namespace_inode(ipc_fd) != inode:
            raise ReaderFailed(f"pid {pid} is no longer in ipc:[{inode}]")
        user_fd = ns.owning_user_namespace(ipc_fd)
        try:
            if os.fstat(user_fd).st_ino != os.stat("/proc/self/ns/user").st_ino:
                ns.setns(user_fd, ns.CLONE_NEWUSER, f'ioctl(open("/proc/{pid}/ns/ipc"), NS_GET_USERNS)')
        finally:
            os.close(user_fd)
        try:
            ns.unshare(ns.CLONE_NEWNS)  # only for the private mqueue mount; listing works without
        except OSError:
            pass
        ns.setns(ipc_fd, ns.CLONE_NEWIPC, f'open("/proc/{pid}/ns/ipc")')
    finally:
        os.close(ipc_fd)


def _answer(payload: dict[str, Any]) -> None:
    sys.stdout.write(json.dumps(payload) + "\n")
    sys.stdout.flush()


def main(argv: list[str] | None = None) -> int:
    args = sys.argv[1:] if argv is None else argv
    pid, inode = int(args[0]), int(args[1])
    try:
        _join(pid, inode)
    except Exception as error:  # noqa: BLE001 - reported to the parent, which says why
        _answer({"ok": False, "error": str(error)})
        return 1
    from ipcscope.probe.ns_readers import MqueueAccess, collect_here, collected_to_json, peek_types_here

    names: Any = _Numbers()
    mq = MqueueAccess(pid)
    _answer({"ok": True})
    for line in sys.stdin:
        try:
            request = json.loads(line)
            if request.get("op") == "collect":
                found = collect_here(request["kinds"], bool(request["details"]), names, mq)
                _answer({"ok": True, "result": collected_to_json(found)})
            elif request.get("op") == "peek":
                types = peek_types_here(int(i) for i in request["ids"])
                _answer({"ok": True, "result": {str(k): list(v) for k, v in types.items()}})
            else:
                _answer({"ok": False, "error": f"unknown request {request.get('op')!r}"})
        except Exception as error:  # noqa: BLE001 - one bad request must not end the helper
            _answer({"ok": False, "error": f"{type(error).__name__}: {error}"})
    mq.close()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
