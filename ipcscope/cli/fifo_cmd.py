"""FIFOs on the command line: `mkfifo PATH`, and the fifo forms of write, read and rm.

    ipcscope mkfifo /tmp/demo.fifo [--mode 0600]
    ipcscope write fifo /tmp/demo.fifo "Hello" [--wait | --timeout S]
    ipcscope read fifo /tmp/demo.fifo [--bytes N] [--wait | --timeout S] [--raw]
    ipcscope rm fifo /tmp/demo.fifo [--yes]

Reads and writes are O_NONBLOCK unless --wait or --timeout: a writer with no reader gets ENXIO at
once, an empty FIFO EAGAIN. Waiting calls block here, in this process (^C exits 130). `rm` says
who has the FIFO open (from the channel scan when there is one) and asks first; without a
terminal it needs --yes. The same requests as the app's panels (ipcscope.actions.fifo).
"""

from __future__ import annotations

import argparse
import errno
import sys
from typing import Any

from ipcscope.cli.actions_cmd import Refused, _execute, _leaf, _raw_output, _timeout_fields


def register(subparsers: Any) -> None:
    make = _leaf(subparsers, "mkfifo", "create a FIFO (named pipe) at PATH (mode 0600 unless --mode)",
                 _handle_mkfifo)
    make.add_argument("path", metavar="PATH")
    make.add_argument("--mode", default="0600", help="octal permission bits (default 0600; the umask applies)")


def _wait_field(args: argparse.Namespace) -> str:
    """The requests' timeout field: "0" O_NONBLOCK (default), "" wait for ever, or seconds."""
    wait, timeout = _timeout_fields(args)
    if timeout is not None:
        return str(timeout)
    return "" if wait else "0"


def _handle_mkfifo(args: argparse.Namespace) -> int:
    from ipcscope.actions import MakeFifo

    return _execute(args, MakeFifo, {"path": args.path, "mode": args.mode})


def handle_write(args: argparse.Namespace) -> int:
    """`write fifo PATH DATA`."""
    from ipcscope.actions import FifoWrite

    if args.data is None:
        _reject("write fifo", "needs PATH DATA, e.g. write fifo /tmp/demo.fifo Hello")
    if args.offset is not None:
        _reject("--offset", "applies to shared memory (a FIFO is written at its end)")
    fields = {"path": args.text, "data": args.data, "hex": args.hex, "timeout": _wait_field(args)}
    return _execute(args, FifoWrite, fields)


def handle_read(args: argparse.Namespace) -> int:
    """`read fifo PATH`."""
    from ipcscope.actions import FifoRead

    if args.path is None:
        _reject("read fifo", "needs PATH, e.g. read fifo /tmp/demo.fifo")
    for option, given in (("--offset", args.offset is not None), ("--length", args.length is not None)):
        if given:
            _reject(option, "applies to shared memory (use --bytes for a FIFO)")
    fields = {"path": args.path, "bytes": args.bytes, "timeout": _wait_field(args)}
    return _execute(args, FifoRead, fields, output=_raw_output if args.raw else None)


def handle_rm(args: argparse.Namespace) -> int:
    """`rm fifo PATH`: say who has it open, ask, then unlink only the FIFO that was shown."""
    from ipcscope.actions import FifoRemove
    from ipcscope.actions.fifo import parse_path
    from ipcscope.actions.fifo_removal import find_fifo, plan_fifo_removal, unlink_call
    from ipcscope.core.errors import IpcError

    if getattr(args, "read_only", False):
        raise Refused("read-only mode: rm would change IPC objects")
    path = parse_path(args.target)
    found = find_fifo(path)
    if found is None:
        raise IpcError(errno.ENOENT, unlink_call(path), f"there is no FIFO at {path}: nothing removed")
    channels, scanned = _channel_scan()
    plan = plan_fifo_removal(path, found, channels, scanned=scanned)
    if not args.yes:
        if not sys.stdin.isatty():
            raise Refused(f"not removing fifo {path} without confirmation: no terminal to ask on (pass --yes)")
        print(plan.text, file=sys.stderr)
        print(f"Equivalent C: {plan.call}", file=sys.stderr)
        sys.stderr.write("Remove it? [y/N] ")
        sys.stderr.flush()
        if sys.stdin.readline().strip().lower() not in ("y", "yes"):
            raise Refused("nothing removed")
    return _execute(args, FifoRemove, {"path": path}, target=plan.expected)


def _channel_scan() -> tuple[Any, bool]:
    """(the channel scan or None, whether one could be attempted): who has FIFOs open."""
    try:
        import time

        from ipcscope.model import Snapshot
        from ipcscope.probe.processes import scan_processes

        scan = scan_processes(Snapshot(taken_at=time.time())).processes
    except Exception:  # noqa: BLE001 - the question can be asked without it
        return None, False
    return (scan.channels if scan is not None else None), True


def _reject(option: str, why: str) -> None:
    from ipcscope.core.errors import ValidationError

    raise ValidationError(f"{option} {why}", option)

