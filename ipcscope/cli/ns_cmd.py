"""`ipcscope ns [--json]`: every IPC namespace, like `lsns -t ipc`, with its objects per kind.

NS NAME NPROCS PID USER, then the number of objects of each kind, then COMMAND. Namespaces this
user cannot enter are listed too, with "-" counts and the reason on stderr (or in the JSON).
"""

from __future__ import annotations

import argparse
import sys
from typing import Any

from ipcscope.model import KINDS


def register(subparsers: Any) -> None:
    parser = subparsers.add_parser(
        "ns", help="list IPC namespaces (containers) with their objects, like lsns -t ipc",
        description="List every IPC namespace: its inode, name (container or command), process "
                    "count, first pid, owner, and how many objects of each kind it holds.")
    parser.add_argument("--json", action="store_true", help="print the JSON document (docs/json.md)")
    parser.set_defaults(handler=run)


def run(args: argparse.Namespace) -> int:
    from ipcscope.probe.ns_snapshot import NamespaceProbe

    probe = NamespaceProbe()
    try:
        snapshot = probe.snapshot(None, details=False)
    finally:
        probe.close()
    if args.json:
        from ipcscope.cli.json_output import VERSION, dumps, namespace_json

        counts: dict[int | None, dict[str, int]] = {}
        for obj in snapshot.all_objects():
            per = counts.setdefault(obj.ns, dict.fromkeys(KINDS, 0))
            per[obj.kind] += 1
        document = {
            "version": VERSION,
            "namespaces": [{**namespace_json(ns), "objects": None if ns.unreachable else
                            counts.get(ns.inode, dict.fromkeys(KINDS, 0))} for ns in snapshot.namespaces],
            "warnings": list(snapshot.warnings),
        }
        sys.stdout.write(dumps(document, pretty=sys.stdout.isatty()) + "\n")
    else:
        from ipcscope.cli.tables import namespaces_table

        sys.stdout.write(namespaces_table(snapshot))
    sys.stdout.flush()
    from ipcscope.cli.list_cmd import print_warnings

    print_warnings(snapshot.warnings)
    return 0
