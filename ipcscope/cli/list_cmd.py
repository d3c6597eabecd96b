"""`ipcscope list` and `ipcscope limits`: lsipc-style tables, or JSON for scripts.

Kept cheap to start: the probe, the serialiser and the formatters are imported only when a
handler runs, and nothing here imports Textual (tests/test_import_hygiene.py).
"""

from __future__ import annotations

import argparse
import gc
import sys
from collections.abc import Iterator
from contextlib import contextmanager

from ipcscope.cli.ns_option import add_ns_option

TYPE_CHOICES = ("shm", "msg", "sem", "pmq", "pshm", "psem")


def register(subparsers) -> None:
    listing = subparsers.add_parser(
        "list", help="list IPC objects (lsipc-style tables, or --json)",
        description="List System V and POSIX IPC objects. Warnings (what this user cannot see) "
                    "go to stderr.",
    )
    listing.add_argument("--json", action="store_true", help="print the JSON document (see README)")
    listing.add_argument(
        "-t", "--type", dest="types", action="append", type=parse_types, metavar="KIND",
        help=f"only these kinds ({', '.join(TYPE_CHOICES)}); repeat or use a comma list",
    )
    listing.add_argument("-b", "--bytes", action="store_true", help="print sizes in bytes")
    listing.add_argument(
        "--no-processes", action="store_true",
        help="skip the /proc scan for attached and waiting processes (their fields become null)",
    )
    add_ns_option(listing)
    listing.set_defaults(handler=run_list)

    limits = subparsers.add_parser(
        "limits", help="system-wide IPC limits and usage (like lsipc -g / ipcs -l -u)",
        description="System-wide IPC limits and how much of each is in use.",
    )
    limits.add_argument("--json", action="store_true", help="print the JSON document (see README)")
    limits.add_argument("-b", "--bytes", action="store_true", help="print sizes in bytes")
    add_ns_option(limits)
    limits.set_defaults(handler=run_limits)


def parse_types(text: str) -> list[str]:
    """ "shm,msg" -> ["shm", "msg"]; an unknown kind is an argparse error (one line, exit 2)."""
    kinds = [word.strip() for word in text.split(",") if word.strip()]
    bad = [kind for kind in kinds if kind not in TYPE_CHOICES]
    if bad or not kinds:
        raise argparse.ArgumentTypeError(
            f"invalid kind {', '.join(map(repr, bad)) or repr(text)} "
            f"(choose from {', '.join(TYPE_CHOICES)})"
        )
    return kinds


def selected_kinds(args: argparse.Namespace) -> tuple[str, ...]:
    """The kinds asked for, in the canonical order, without duplicates (all when none given)."""
    if not args.types:
        return TYPE_CHOICES
    asked = {kind for group in args.types for kind in group}
    return tuple(kind for kind in TYPE_CHOICES if kind in asked)


def print_warnings(warnings) -> None:
    for warning in warnings:
        print(f"ipcscope: warning: {warning}", file=sys.stderr)


# --------------------------------------------------------------------------- handlers


@contextmanager
def cycle_collection_paused() -> Iterator[None]:
    """Python's cycle collector off for the duration (restored after, as main() may run in-process).

    A listing builds some 20 Python objects per IPC object, none of them in a reference cycle,
    and the collector walks every live one again at each full pass: 25 ms of 220 at 10,000
    objects, for nothing. Reference counting still frees everything as usual.
    """
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()


def run_list(args: argparse.Namespace) -> int:
    with cycle_collection_paused():
        return _list(args)


def _list(args: argparse.Namespace) -> int:
    kinds = selected_kinds(args)
    picked = _chosen(args)
    if picked is None:
        from ipcscope.probe import take_snapshot

        snapshot = take_snapshot(kinds=kinds)
    else:
        with picked:
            snapshot = picked.probe.snapshot(picked.inodes, kinds=kinds)  # type: ignore[arg-type]
    if not args.no_processes:
        from ipcscope.probe.processes import scan_processes

        snapshot = scan_processes(snapshot, kinds=kinds)
    if args.json:
        from ipcscope.cli.json_output import dumps, list_document

        sys.stdout.write(dumps(list_document(snapshot, kinds), pretty=sys.stdout.isatty()))
        sys.stdout.write("\n")
    else:
        from ipcscope.cli.tables import object_tables

        sys.stdout.write(object_tables(snapshot, kinds, raw_bytes=args.bytes))
    sys.stdout.flush()
    print_warnings(snapshot.warnings)
    return 0


def run_limits(args: argparse.Namespace) -> int:
    # Usage needs every kind that has a limit, but no per-object values.
    kinds = ("shm", "msg", "sem", "pmq")
    picked = _chosen(args)
    if picked is not None:
        with picked:
            return _namespace_limits(args, picked.probe.snapshot(picked.inodes, kinds=kinds, details=False))
    from ipcscope.probe import take_snapshot

    snapshot = take_snapshot(kinds=kinds, details=False)
    if args.json:
        from ipcscope.cli.json_output import dumps, limits_document

        document = limits_document(snapshot.limits, snapshot.warnings)
        sys.stdout.write(dumps(document, pretty=sys.stdout.isatty()) + "\n")
    else:
        from ipcscope.cli.tables import limits_table

        sys.stdout.write(limits_table(snapshot.limits, raw_bytes=args.bytes))
    sys.stdout.flush()
    print_warnings(snapshot.warnings)
    return 0


def _chosen(args: argparse.Namespace):  # type: ignore[no-untyped-def]
    """The namespaces of --ns, or None for ipcscope's own (the usual path, nothing imported)."""
    if getattr(args, "ns", None) is None:
        return None
    from ipcscope.cli.ns_option import chosen

    return chosen(args)


def _namespace_limits(args: argparse.Namespace, snapshot) -> int:  # type: ignore[no-untyped-def]
    """Limits are per namespace: one table (or JSON object) for each."""
    if args.json:
        from ipcscope.cli.json_output import dumps, limits_document, limits_json, namespace_json

        document = limits_document(snapshot.limits, snapshot.warnings)
        document["namespaces"] = [
            {**namespace_json(ns), "limits": limits_json(ns.limits) if ns.limits else None}
            for ns in snapshot.namespaces]
        sys.stdout.write(dumps(document, pretty=sys.stdout.isatty()) + "\n")
    else:
        from ipcscope.cli.tables import namespace_limits_tables

        sys.stdout.write(namespace_limits_tables(snapshot, raw_bytes=args.bytes))
    sys.stdout.flush()
    print_warnings(snapshot.warnings)
    return 0
