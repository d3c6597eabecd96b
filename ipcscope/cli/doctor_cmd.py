"""`ipcscope doctor [--json] [--stuck-after SECONDS]`: the diagnosis, like a linter for IPC.

Takes a real snapshot and a process scan, peeks the queues that have receivers waiting (so an
unmatched receiver can be told), runs `ipcscope.doctor.diagnose` and prints one block per finding.
Exit status: 0 when nothing is found, 1 when something is, 2 for bad arguments.
"""

from __future__ import annotations

import argparse
import json
import math
import os
import sys
from collections.abc import Callable
from dataclasses import replace
from typing import TextIO

from ipcscope.cli.ns_option import add_ns_option
from ipcscope.doctor import Finding, coverage_notes, diagnose, doctor_to_json, object_label, summary
from ipcscope.model import Snapshot


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser(
        "doctor",
        help="explain what is stuck, leaked or deadlocked",
        description=("Find dead lock holders, deadlocks, stuck semaphores, receivers waiting for a "
                     "type nobody sent, full queues, orphaned and removed-but-attached segments, and "
                     "unused POSIX objects. Exit status 0: nothing found, 1: findings, 2: bad arguments."),
    )
    parser.add_argument("--json", action="store_true", help='print {"findings": [...]} as JSON')
    parser.add_argument(
        "--stuck-after", type=_seconds, default=60.0, metavar="SECONDS",
        help="report semaphore waiters blocked at least this long (default 60)",
    )
    add_ns_option(parser)
    parser.set_defaults(handler=run)


def _seconds(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a number of seconds: {text!r}") from None
    if not math.isfinite(value) or value < 0:
        raise argparse.ArgumentTypeError(f"must be zero or more seconds: {text!r}")
    return value


# --------------------------------------------------------------------------- collection


def take_real_snapshot() -> Snapshot:
    """A snapshot of this machine with a process scan and the waited-on queues peeked."""
    from ipcscope.probe import take_snapshot
    from ipcscope.probe.processes import ProcessScanner
    from ipcscope.probe.queued import peek_waited_queues

    snapshot = take_snapshot()
    scan = ProcessScanner().scan(snapshot)
    return peek_waited_queues(replace(snapshot, processes=scan))


#: The seam tests replace: returns the Snapshot to diagnose.
collect_snapshot: Callable[[], Snapshot] = take_real_snapshot


def namespace_snapshot(args: argparse.Namespace) -> Snapshot | None:
    """The snapshot of the namespaces --ns names (None: ipcscope's own, collect_snapshot's), with
    a process scan and the waited-on queues peeked, each in its own namespace."""
    if getattr(args, "ns", None) is None:
        return None
    from ipcscope.cli.ns_option import chosen
    from ipcscope.probe.ns_snapshot import with_queued_types
    from ipcscope.probe.processes import ProcessScanner

    picked = chosen(args)
    if picked is None:
        return None
    with picked:
        snapshot = picked.probe.snapshot(picked.inodes)
        snapshot = replace(snapshot, processes=ProcessScanner().scan(snapshot))
        return with_queued_types(snapshot, picked.probe.waited_queue_types(snapshot))


# --------------------------------------------------------------------------- output


_COLOURS = {"error": "\x1b[1;31m", "warning": "\x1b[33m", "info": "\x1b[36m"}


def run(args: argparse.Namespace) -> int:
    snapshot = namespace_snapshot(args) or collect_snapshot()
    findings = diagnose(snapshot, now=snapshot.taken_at, stuck_after=args.stuck_after)
    notes = coverage_notes(snapshot)
    if args.json:
        json.dump(doctor_to_json(findings), sys.stdout, indent=2)
        sys.stdout.write("\n")
        for note in notes:
            print(f"ipcscope: note: {note}", file=sys.stderr)
    else:
        write_text(findings, notes, sys.stdout, colour=_use_colour(sys.stdout))
    return 1 if findings else 0


def write_text(findings: list[Finding], notes: list[str], out: TextIO, *, colour: bool = False) -> None:
    """One block per finding ("severity kind object: message" then "  hint: command"), a summary."""
    for finding in findings:
        severity = finding.severity
        if colour:
            severity = f"{_COLOURS[severity]}{severity}\x1b[0m"
        out.write(f"{severity} {finding.kind} {object_label(finding.object)}: {finding.message}\n")
        if finding.hint:
            out.write(f"  hint: {finding.hint}\n")
    if findings:
        out.write("\n")
    out.write(summary(findings) + "\n")
    for note in notes:
        out.write(f"note: {note}\n")


def _use_colour(stream: TextIO) -> bool:
    return stream.isatty() and "NO_COLOR" not in os.environ and os.environ.get("TERM") != "dumb"
