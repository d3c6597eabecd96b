"""The action panels on the command line: create, send, recv, peek, semop, setval, read, write, chmod, rm...
(`read fifo`, `write fifo` and `rm fifo` are handed to ipcscope.cli.fifo_cmd.)

Every subcommand turns its arguments into the same request the UI builds (ipcscope.actions), so
validation, the C call and the errors are identical. Bad input: one line on stderr, exit 2.
Kernel errors: one line with errno and explanation, exit 1. `--json` prints a result object
(or an error object) on stdout as well. Calls that may block do so here, in this process
(^C exits 130); `--timeout` bounds them. Cheap to import: ipcscope.actions loads in the handlers.
"""

from __future__ import annotations

import argparse
import errno
import json
import sys
import time
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from ipcscope.model import IpcObject, Kind

SYSV_KINDS = ("shm", "msg", "sem")
POSIX_KINDS = ("pmq", "pshm", "psem")
ALL_KINDS = SYSV_KINDS + POSIX_KINDS

#: CLI spelling of form fields, for error messages ("--size" rather than "size")
OPTION_NAMES = {"key": "--key", "size": "--size", "mode": "--mode", "nsems": "--nsems",
                "values": "--values", "maxmsg": "--maxmsg", "msgsize": "--msgsize",
                "type": "--type", "priority": "--priority", "timeout": "--timeout",
                "offset": "--offset", "length": "--length", "maxsize": "--maxsize",
                "index": "--index", "value": "--value", "bytes": "--bytes"}


class Refused(Exception):
    """The command will not run (read-only mode, no confirmation): one line, exit 1."""


# --------------------------------------------------------------------------- parsers


def register(subparsers: Any) -> None:
    _register_create(subparsers)

    send = _leaf(subparsers, "send", "send a message: ID (System V queue) or /NAME (POSIX queue)",
                 _handle_send)
    send.add_argument("target", metavar="ID|/NAME")
    send.add_argument("text", metavar="TEXT", help='message text, or "hex:00ff..." (or --hex)')
    send.add_argument("--type", help="System V message type (1 or more)")
    send.add_argument("--priority", help="POSIX message priority (default 0)")
    send.add_argument("--hex", action="store_true", help="TEXT is hex digits")
    _wait_options(send, "block while the queue is full (default: fail with EAGAIN)")

    recv = _leaf(subparsers, "recv", "receive (consume) a message from ID or /NAME", _handle_recv)
    recv.add_argument("target", metavar="ID|/NAME")
    recv.add_argument("--type", help="0: first message (default); T>0: first of type T; "
                                     "T<0: lowest type <= |T|")
    recv.add_argument("--except", dest="except_type", action="store_true",
                      help="MSG_EXCEPT: first message NOT of --type T")
    recv.add_argument("--noerror", action="store_true", help="MSG_NOERROR: truncate long messages")
    recv.add_argument("--maxsize", help="largest message accepted (default MSGMAX)")
    recv.add_argument("--raw", action="store_true", help="write only the message bytes to stdout")
    _wait_options(recv, "block until a message arrives (default: fail at once if none)")

    peek = _leaf(subparsers, "peek", "show a System V queue's messages without consuming them",
                 _handle_peek)
    peek.add_argument("target", metavar="ID")
    peek.add_argument("--index", help="only the message at this position (from 0)")

    semop = _leaf(subparsers, "semop", "apply semaphore operations atomically", _handle_semop)
    semop.add_argument("target", metavar="ID")
    semop.add_argument("ops", nargs="+", metavar="NUM:DELTA[:undo][:nowait]",
                       help="e.g. 0:-1 (wait and take), 2:+1 (give), 1:0 (wait for zero)")
    semop.add_argument("--timeout", metavar="SECONDS", help="give up after this long (semtimedop)")

    setval = _leaf(subparsers, "setval", "set one semaphore (NUM VALUE) or all (--all V1,V2,...)",
                   _handle_setval)
    setval.add_argument("target", metavar="ID")
    setval.add_argument("num", nargs="?", metavar="NUM")
    setval.add_argument("value", nargs="?", metavar="VALUE")
    setval.add_argument("--all", metavar="V1,V2,...", help="SETALL: one value per semaphore")

    read = _leaf(subparsers, "read", "read shared memory: ID (System V) or /NAME (POSIX); "
                 "or a FIFO: read fifo PATH", _handle_read)
    read.add_argument("target", metavar="ID|/NAME|fifo")
    read.add_argument("path", nargs="?", metavar="PATH", help="the FIFO's path (after 'fifo')")
    read.add_argument("--offset", help="start here (bytes, default 0)")
    read.add_argument("--length", help="bytes to read (default: to the end)")
    read.add_argument("--bytes", help="FIFO: at most this many bytes, in one read() (default 64K)")
    read.add_argument("--raw", action="store_true", help="write the bytes to stdout, no hex dump")
    _wait_options(read, "FIFO: wait for a writer and for data (default: O_NONBLOCK, never waits)")

    write = _leaf(subparsers, "write", "write to shared memory: ID (System V) or /NAME (POSIX); "
                  "or to a FIFO: write fifo PATH DATA", _handle_write)
    write.add_argument("target", metavar="ID|/NAME|fifo")
    write.add_argument("text", metavar="TEXT|PATH", help='text, or "hex:00ff..." (or --hex); after '
                       "'fifo': the FIFO's path")
    write.add_argument("data", nargs="?", metavar="DATA", help="after 'fifo PATH': what to write")
    write.add_argument("--offset", help="bytes from the start (default 0)")
    write.add_argument("--hex", action="store_true", help="TEXT (or DATA) is hex digits")
    _wait_options(write, "FIFO: wait for a reader and for room (default: O_NONBLOCK: ENXIO without a reader)")

    chmod = _leaf(subparsers, "chmod", "change an object's permission bits", _handle_chmod)
    chmod.add_argument("kind", choices=ALL_KINDS, metavar="KIND")
    chmod.add_argument("target", metavar="ID|/NAME")
    chmod.add_argument("mode", metavar="MODE", help="octal, e.g. 0640")

    chown = _leaf(subparsers, "chown", "change an object's owner and/or group", _handle_chown)
    chown.add_argument("kind", choices=ALL_KINDS, metavar="KIND")
    chown.add_argument("target", metavar="ID|/NAME")
    chown.add_argument("owner", metavar="USER[:GROUP]")

    remove = _leaf(subparsers, "rm", "remove one object (asks first; --yes to skip the question)",
                   _handle_rm)
    remove.add_argument("kind", choices=(*ALL_KINDS, "fifo"), metavar="KIND")
    remove.add_argument("target", metavar="ID|/NAME|PATH")
    remove.add_argument("--yes", action="store_true", help="do not ask (needed without a terminal)")

    shm = subparsers.add_parser("shm", help="SHM_LOCK / SHM_UNLOCK a System V segment")
    _group_ns_option(shm)
    shm_commands = shm.add_subparsers(dest="shm_command", metavar="lock|unlock", required=True,
                                      parser_class=type(shm))
    for name in ("lock", "unlock"):
        leaf = _leaf(shm_commands, name, f"SHM_{name.upper()} a segment", _handle_shm_lock)
        leaf.add_argument("target", metavar="ID")

    qbytes = _leaf(subparsers, "setqbytes", "set a System V queue's byte limit (msg_qbytes)",
                   _handle_setqbytes)
    qbytes.add_argument("target", metavar="ID")
    qbytes.add_argument("qbytes", metavar="N")

    post = _leaf(subparsers, "post", "sem_post a POSIX named semaphore", _handle_post)
    post.add_argument("target", metavar="/NAME")
    wait = _leaf(subparsers, "wait", "sem_wait on a POSIX named semaphore (blocks)", _handle_wait)
    wait.add_argument("target", metavar="/NAME")
    wait.add_argument("--timeout", metavar="SECONDS", help="give up after this long (sem_timedwait)")
    trywait = _leaf(subparsers, "trywait", "sem_trywait a POSIX named semaphore (never blocks)",
                    _handle_trywait)
    trywait.add_argument("target", metavar="/NAME")


def _register_create(subparsers: Any) -> None:
    create = subparsers.add_parser("create", help="create an IPC object (mode 0600 unless --mode)")
    _group_ns_option(create)
    kinds = create.add_subparsers(dest="create_kind", metavar="KIND", required=True,
                                  parser_class=type(create))
    shm = _leaf(kinds, "shm", "System V shared memory segment", _handle_create)
    shm.add_argument("--key", required=True, help="0x1234, 4660, private or ftok:PATH:ID")
    shm.add_argument("--size", required=True, help="bytes; K, M, G suffixes")
    msg = _leaf(kinds, "msg", "System V message queue", _handle_create)
    msg.add_argument("--key", required=True, help="0x1234, 4660, private or ftok:PATH:ID")
    sem = _leaf(kinds, "sem", "System V semaphore set", _handle_create)
    sem.add_argument("--key", required=True, help="0x1234, 4660, private or ftok:PATH:ID")
    sem.add_argument("--nsems", required=True, help="number of semaphores")
    sem.add_argument("--values", help="initial values, one per semaphore: 1,0,0")
    pmq = _leaf(kinds, "pmq", "POSIX message queue", _handle_create)
    pmq.add_argument("name", metavar="/NAME")
    pmq.add_argument("--maxmsg", help="queue capacity in messages")
    pmq.add_argument("--msgsize", help="largest message in bytes")
    pshm = _leaf(kinds, "pshm", "POSIX shared memory object (fails if it exists)", _handle_create)
    pshm.add_argument("name", metavar="/NAME")
    pshm.add_argument("--size", required=True, help="bytes; K, M, G suffixes")
    psem = _leaf(kinds, "psem", "POSIX named semaphore", _handle_create)
    psem.add_argument("name", metavar="/NAME")
    psem.add_argument("--value", help="initial value (default 0)")
    for leaf in (shm, msg, sem, pmq, pshm, psem):
        leaf.add_argument("--mode", default="0600", help="octal permission bits (default 0600)")
        if leaf is not pshm:
            leaf.add_argument("--exclusive", action="store_true", help="fail if it already exists")


def _group_ns_option(parser: argparse.ArgumentParser) -> None:
    """`create --ns X shm ...` as well as `create shm --ns X ...`: stored where the global option
    goes (main() hands it on), and only when given, so it never hides the global one."""
    parser.add_argument("--ns", dest="start_ns", metavar="NS", default=argparse.SUPPRESS,
                        help="act in this IPC namespace (see `ipcscope ns`)")


def _leaf(subparsers: Any, name: str, help_text: str, handler: Callable[[argparse.Namespace], int]):
    parser = subparsers.add_parser(name, help=help_text, description=help_text[:1].upper() + help_text[1:] + ".")
    parser.add_argument("--json", action="store_true", help="print the result as JSON")
    parser.add_argument("--ns", metavar="NS", help="act in this IPC namespace (a container): a pid, an inode "
                                                   "or a name, see `ipcscope ns`")
    parser.set_defaults(handler=_guarded(handler))
    return parser


def _guarded(handler: Callable[[argparse.Namespace], int]) -> Callable[[argparse.Namespace], int]:
    """Errors as one line (and as a JSON object with --json), never a traceback.

    ValidationError (exit 2) and IpcError (exit 1) are printed by the dispatcher; refusals and
    anything unexpected are printed here.
    """
    from functools import wraps

    def run(args: argparse.Namespace) -> int:
        try:
            return handler(args)
        finally:  # the readers of --ns hold their namespace: end them with the command
            if getattr(args, "ns", None) is not None:
                from ipcscope.cli.ns_actions import close

                close(args)

    @wraps(handler)
    def guarded(args: argparse.Namespace) -> int:
        from ipcscope.core.errors import IpcError, ValidationError

        try:
            return run(args)
        except (ValidationError, IpcError) as error:
            _json_error(args, error)
            raise
        except Refused as error:
            _json_error(args, error)
            print(f"ipcscope: {error}", file=sys.stderr)
            return 1
        except KeyboardInterrupt:
            raise
        except OSError as error:
            _json_error(args, error)
            print(f"ipcscope: {error}", file=sys.stderr)
            return 1
        except Exception as error:  # noqa: BLE001 - a bug must still not print a traceback
            _json_error(args, error)
            print(f"ipcscope: internal error: {type(error).__name__}: {error}", file=sys.stderr)
            return 70

    return guarded


def _wait_options(parser: argparse.ArgumentParser, help_text: str) -> None:
    parser.add_argument("--wait", action="store_true", help=help_text)
    parser.add_argument("--timeout", metavar="SECONDS", help="wait at most this long (implies --wait)")


# --------------------------------------------------------------------------- running


def _execute(args: argparse.Namespace, cls: Any, fields: dict[str, Any], *,
             target: Any = None, output: Callable[[Any], None] | None = None) -> int:
    """Check read-only mode, parse, run once, print; errors go to stderr via the dispatcher."""
    from ipcscope.core.errors import ValidationError

    if cls.changes and getattr(args, "read_only", False):
        raise Refused(f"read-only mode: {args.command} would change IPC objects")
    from ipcscope.cli.ns_actions import action_namespace

    inside = action_namespace(args)
    try:
        request = cls.parse(fields, target=target, limits=inside.limits() if inside else None)
    except ValidationError as error:
        option = OPTION_NAMES.get(error.field or "")
        text = str(error)
        if option and not text.startswith(option):
            field = error.field or ""
            text = option + text[len(field):] if text.startswith(field + " ") else f"{option}: {text}"
            raise ValidationError(text, error.field) from None
        raise
    if inside is None:
        result = request.run()
    else:  # in a helper that joined the namespace; its C call says where
        from ipcscope.actions.in_namespace import run_in, where_text

        result = run_in(request, inside.namespace)
    if getattr(args, "json", False):
        print(json.dumps({"ok": True, "command": args.command, "action": cls.action,
                          **result.to_json()}, indent=2))
    elif output is not None:
        output(result)
    else:
        print((where_text(inside.namespace) if inside else "") + result.describe())
    return 0


def _json_error(args: argparse.Namespace, error: BaseException) -> None:
    """With --json, failures are a JSON object on stdout too (the one line still goes to stderr)."""
    if not getattr(args, "json", False):
        return
    from ipcscope.actions.runner_worker import error_json
    from ipcscope.core.errors import IpcError

    payload = error_json(error)
    if isinstance(error, Refused):
        payload = {"type": "Refused", "message": str(error)}
    elif isinstance(error, OSError) and not isinstance(error, IpcError):
        payload = {"type": "OSError", "errno": error.errno, "message": str(error)}
    print(json.dumps({"ok": False, "command": args.command, "error": payload}, indent=2))


def _sysv_target(kind: Kind, text: str, args: argparse.Namespace) -> IpcObject | None:
    """The object the id names, for checks such as semaphore numbers (None if unknown); in the
    namespace of --ns when given."""
    from ipcscope.actions.lookup import sysv_object
    from ipcscope.cli.ns_actions import action_namespace
    from ipcscope.model import ObjectRef

    try:
        ident = int(text.strip(), 0)
        inside = action_namespace(args)
        if inside is not None:
            return inside.find(ObjectRef(kind, ident))
        return sysv_object(kind, ident)
    except (ValueError, OSError):
        return None


def _is_posix(target: str) -> bool:
    return target.startswith("/")


def _timeout_fields(args: argparse.Namespace) -> tuple[bool, str | None]:
    """(wait, timeout text): --timeout implies --wait."""
    timeout = getattr(args, "timeout", None)
    return bool(getattr(args, "wait", False) or timeout is not None), timeout


def _reject(option: str, why: str) -> None:
    from ipcscope.core.errors import ValidationError

    raise ValidationError(f"{option} {why}", option)


# --------------------------------------------------------------------------- handlers


def _handle_create(args: argparse.Namespace) -> int:
    from ipcscope import actions

    kind = args.create_kind
    fields: dict[str, Any] = {"mode": args.mode, "exclusive": getattr(args, "exclusive", False)}
    if kind in SYSV_KINDS:
        fields["key"] = args.key
    else:
        fields["name"] = args.name
    if kind in ("shm", "pshm"):
        fields["size"] = args.size
    if kind == "sem":
        fields.update(nsems=args.nsems, values=args.values)
    if kind == "pmq":
        fields.update(maxmsg=args.maxmsg, msgsize=args.msgsize)
    if kind == "psem":
        fields["value"] = args.value
    if kind == "pshm":
        fields["exclusive"] = True
    cls = {"shm": actions.CreateShm, "msg": actions.CreateMsg, "sem": actions.CreateSem,
           "pmq": actions.CreatePosixQueue, "pshm": actions.CreatePosixShm,
           "psem": actions.CreatePosixSem}[kind]
    return _execute(args, cls, fields)


def _handle_send(args: argparse.Namespace) -> int:
    from ipcscope import actions

    wait, timeout = _timeout_fields(args)
    fields = {"data": args.text, "hex": args.hex}
    if _is_posix(args.target):
        if args.type is not None:
            _reject("--type", "applies to System V queues (POSIX messages have --priority)")
        fields.update(name=args.target, priority=args.priority,
                      timeout=timeout if timeout is not None else (None if wait else "0"))
        return _execute(args, actions.PosixMqSend, fields)
    if args.priority is not None:
        _reject("--priority", "applies to POSIX queues (System V messages have --type)")
    if args.type is None:
        _reject("--type", "is required for a System V queue (1 or more)")
    fields.update(id=args.target, type=args.type, nowait=not wait, timeout=timeout)
    return _execute(args, actions.MsgSend, fields)


def _handle_recv(args: argparse.Namespace) -> int:
    from ipcscope import actions

    wait, timeout = _timeout_fields(args)
    output = _raw_output if args.raw else None
    if _is_posix(args.target):
        for option, given in (("--type", args.type is not None), ("--except", args.except_type),
                              ("--noerror", args.noerror), ("--maxsize", args.maxsize is not None)):
            if given:
                _reject(option, "applies to System V queues only")
        fields = {"name": args.target, "timeout": timeout if timeout is not None else (None if wait else "0")}
        return _execute(args, actions.PosixMqReceive, fields, output=output)
    fields = {"id": args.target, "type": args.type, "except": args.except_type,
              "noerror": args.noerror, "nowait": not wait, "maxsize": args.maxsize, "timeout": timeout}
    return _execute(args, actions.MsgReceive, fields, output=output)


def _raw_output(result: Any) -> None:
    sys.stdout.buffer.write(result.data)
    sys.stdout.buffer.flush()


def _handle_peek(args: argparse.Namespace) -> int:
    from ipcscope import actions

    return _execute(args, actions.MsgPeek, {"id": args.target, "index": args.index},
                    target=_sysv_target("msg", args.target, args))


def _handle_semop(args: argparse.Namespace) -> int:
    from ipcscope import actions

    fields = {"id": args.target, "ops": " ".join(args.ops), "timeout": args.timeout}
    return _execute(args, actions.SemOp, fields, target=_sysv_target("sem", args.target, args))


def _handle_setval(args: argparse.Namespace) -> int:
    from ipcscope import actions

    target = _sysv_target("sem", args.target, args)
    if args.all is not None:
        if args.num is not None:
            _reject("--all", "replaces NUM VALUE: give one or the other")
        return _execute(args, actions.SetAll, {"id": args.target, "values": args.all}, target=target)
    if args.num is None or args.value is None:
        _reject("setval", "needs NUM VALUE, or --all V1,V2,...")
    return _execute(args, actions.SetVal, {"id": args.target, "num": args.num, "value": args.value},
                    target=target)


def _handle_read(args: argparse.Namespace) -> int:
    from ipcscope import actions

    if args.target == "fifo":
        from ipcscope.cli.fifo_cmd import handle_read

        return handle_read(args)
    _shm_only(args, ("PATH", args.path is not None), ("--bytes", args.bytes is not None))
    fields = {"offset": args.offset, "length": args.length}
    output = _raw_output if args.raw else _hexdump_output
    if _is_posix(args.target):
        return _execute(args, actions.PosixShmRead, {**fields, "name": args.target}, output=output)
    return _execute(args, actions.ShmRead, {**fields, "id": args.target},
                    target=_sysv_target("shm", args.target, args), output=output)


def _hexdump_output(result: Any) -> None:
    print(result.describe().split(":", 1)[0] + ":")
    for line in hexdump(result.data, result.offset):
        print(line)


def hexdump(data: bytes, offset: int = 0, width: int = 16) -> list[str]:
    """`xxd`-like lines: offset, hex bytes, printable ASCII."""
    lines = []
    for start in range(0, len(data), width):
        chunk = data[start:start + width]
        hexed = " ".join(f"{byte:02x}" for byte in chunk)
        text = "".join(chr(byte) if 32 <= byte < 127 else "." for byte in chunk)
        lines.append(f"{offset + start:08x}  {hexed:<{width * 3 - 1}}  |{text}|")
    return lines


def _handle_write(args: argparse.Namespace) -> int:
    from ipcscope import actions

    if args.target == "fifo":
        from ipcscope.cli.fifo_cmd import handle_write

        return handle_write(args)
    _shm_only(args, ("DATA", args.data is not None))
    fields = {"offset": args.offset, "data": args.text, "hex": args.hex}
    if _is_posix(args.target):
        return _execute(args, actions.PosixShmWrite, {**fields, "name": args.target})
    return _execute(args, actions.ShmWrite, {**fields, "id": args.target},
                    target=_sysv_target("shm", args.target, args))


def _shm_only(args: argparse.Namespace, *given: tuple[str, bool]) -> None:
    """Arguments of the FIFO forms are refused for shared memory, not silently ignored."""
    for name, present in (*given, ("--wait", bool(args.wait)), ("--timeout", args.timeout is not None)):
        if present:
            _reject(name, f"applies to FIFOs only ({args.command} fifo PATH ...)")


def _ident_field(kind: str, target: str) -> dict[str, str]:
    return {"kind": kind, ("id" if kind in SYSV_KINDS else "name"): target}


def _handle_chmod(args: argparse.Namespace) -> int:
    from ipcscope import actions

    return _execute(args, actions.SetPerms, {**_ident_field(args.kind, args.target), "mode": args.mode})


def _handle_chown(args: argparse.Namespace) -> int:
    from ipcscope import actions

    owner, _, group = args.owner.partition(":")
    fields = {**_ident_field(args.kind, args.target), "owner": owner or None, "group": group or None}
    return _execute(args, actions.SetPerms, fields)


def _handle_shm_lock(args: argparse.Namespace) -> int:
    from ipcscope import actions

    cls = actions.ShmLock if args.shm_command == "lock" else actions.ShmUnlock
    return _execute(args, cls, {"id": args.target})


def _handle_setqbytes(args: argparse.Namespace) -> int:
    from ipcscope import actions

    return _execute(args, actions.SetQbytes, {"id": args.target, "qbytes": args.qbytes})


def _handle_post(args: argparse.Namespace) -> int:
    from ipcscope import actions

    return _execute(args, actions.PosixSemPost, {"name": args.target})


def _handle_wait(args: argparse.Namespace) -> int:
    from ipcscope import actions

    return _execute(args, actions.PosixSemWait, {"name": args.target, "timeout": args.timeout})


def _handle_trywait(args: argparse.Namespace) -> int:
    from ipcscope import actions

    return _execute(args, actions.PosixSemTryWait, {"name": args.target})


def _handle_rm(args: argparse.Namespace) -> int:
    """Show what removal does, ask (on a terminal), then remove only if it is still the same object."""
    from ipcscope import actions
    from ipcscope.actions.admin import parse_ref
    from ipcscope.actions.lookup import find_object
    from ipcscope.actions.removal import plan_removal, removal_call
    from ipcscope.core.errors import IpcError
    from ipcscope.model import KINDS, Snapshot

    if args.kind == "fifo":
        from ipcscope.cli.fifo_cmd import handle_rm

        return handle_rm(args)
    if getattr(args, "read_only", False):
        raise Refused("read-only mode: rm would change IPC objects")
    from ipcscope.actions.in_namespace import where_text
    from ipcscope.cli.ns_actions import action_namespace

    ref = parse_ref(args.kind, args.target)
    inside = action_namespace(args)
    expected = find_object(ref) if inside is None else inside.find(ref)
    where = where_text(inside.namespace) if inside else ""
    if expected is None:
        raise IpcError(errno.ENOENT if args.kind in POSIX_KINDS else errno.EINVAL, where + removal_call(ref),
                       f"there is no {args.kind} {ref.ident}: nothing removed")
    # what the plan describes: this one object, in its namespace's snapshot when it is another's
    base = Snapshot(taken_at=time.time()) if inside is None else inside.snapshot
    shown = base.with_objects({kind: (expected,) if kind == expected.kind else () for kind in KINDS})
    plan = plan_removal(_with_processes(shown), expected.ref)
    if not args.yes:
        if not sys.stdin.isatty():
            raise Refused(f"not removing {ref.kind} {ref.ident} without confirmation: no terminal to ask on "
                          "(pass --yes)")
        print(plan.text, file=sys.stderr)
        print(f"Equivalent C: {where}{plan.call}", file=sys.stderr)
        sys.stderr.write("Remove it? [y/N] ")
        sys.stderr.flush()
        answer = sys.stdin.readline().strip().lower()
        if answer not in ("y", "yes"):
            raise Refused("nothing removed")
    return _execute(args, actions.Remove, _ident_field(args.kind, args.target), target=expected)


def _with_processes(snapshot: Any) -> Any:
    """The snapshot with who holds and waits on its objects, when the process scan can tell
    (without it, the plan says that this is unknown)."""
    try:
        from ipcscope.probe.processes import scan_processes

        return scan_processes(snapshot)
    except Exception:  # noqa: BLE001 - the question can be asked without it
        return snapshot
