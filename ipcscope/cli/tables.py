"""Plain-text tables for `ipcscope list` and `ipcscope limits`, in lsipc's style.

Column names are lsipc's (KEY ID PERMS OWNER SIZE NATTCH STATUS CTIME CPID LPID, USEDBYTES MSGS
LSPID LRPID, NSEMS OTIME, NAME ... SVAL); numbers are right-aligned, sizes human-readable unless
asked for bytes, times in lsipc's short form ("02:46" today, "Nov21" before), "-" for not set or
not readable.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from typing import Any

from ipcscope.format import human_size, mode_string, short_time
from ipcscope.model import KIND_TITLES, KINDS, Limits, Snapshot

#: (header, value of one object, right-aligned?)
Column = tuple[str, Callable[[Any], str], bool]


def _num(value: int | None) -> str:
    return "-" if value is None else str(value)


def object_columns(now: float, raw_bytes: bool) -> dict[str, list[Column]]:
    size = _num if raw_bytes else human_size
    when = (lambda epoch: short_time(epoch, now))  # noqa: E731 - a column getter
    return {
        "shm": [
            ("KEY", lambda o: o.key_text, False), ("ID", lambda o: str(o.id), True),
            ("PERMS", lambda o: mode_string(o.mode), False), ("OWNER", lambda o: o.owner, False),
            ("SIZE", lambda o: size(o.size), True), ("NATTCH", lambda o: str(o.nattch), True),
            ("STATUS", lambda o: ",".join(o.status) or "-", False),
            ("CTIME", lambda o: when(o.ctime), True),
            ("CPID", lambda o: str(o.cpid), True), ("LPID", lambda o: str(o.lpid), True),
        ],
        "msg": [
            ("KEY", lambda o: o.key_text, False), ("ID", lambda o: str(o.id), True),
            ("PERMS", lambda o: mode_string(o.mode), False), ("OWNER", lambda o: o.owner, False),
            ("USEDBYTES", lambda o: size(o.cbytes), True), ("MSGS", lambda o: str(o.qnum), True),
            ("LSPID", lambda o: str(o.lspid), True), ("LRPID", lambda o: str(o.lrpid), True),
        ],
        "sem": [
            ("KEY", lambda o: o.key_text, False), ("ID", lambda o: str(o.id), True),
            ("PERMS", lambda o: mode_string(o.mode), False), ("OWNER", lambda o: o.owner, False),
            ("NSEMS", lambda o: str(o.nsems), True),
            ("OTIME", lambda o: when(o.otime), True), ("CTIME", lambda o: when(o.ctime), True),
        ],
        "pmq": [
            ("NAME", lambda o: o.name, False),
            ("PERMS", lambda o: mode_string(o.mode), False), ("OWNER", lambda o: o.owner, False),
            ("MTIME", lambda o: when(o.mtime), True),
            ("USEDBYTES", lambda o: size(o.qsize), True), ("MSGS", lambda o: _num(o.curmsgs), True),
        ],
        "pshm": [
            ("NAME", lambda o: o.name, False),
            ("PERMS", lambda o: mode_string(o.mode), False), ("OWNER", lambda o: o.owner, False),
            ("SIZE", lambda o: size(o.size), True), ("MTIME", lambda o: when(o.mtime), True),
        ],
        "psem": [
            ("NAME", lambda o: o.name, False),
            ("PERMS", lambda o: mode_string(o.mode), False), ("OWNER", lambda o: o.owner, False),
            ("MTIME", lambda o: when(o.mtime), True), ("SVAL", lambda o: _num(o.value), True),
        ],
    }


def render(headers: Sequence[str], rows: Iterable[Sequence[str]], right: Sequence[bool]) -> str:
    """Columns separated by one space, padded to the widest cell; the last column unpadded
    when left-aligned, as util-linux does."""
    rows = list(rows)
    widths = [max([len(h)] + [len(r[i]) for r in rows]) for i, h in enumerate(headers)]
    last = len(headers) - 1
    lines = []
    for cells in [list(headers), *rows]:
        parts = []
        for i, cell in enumerate(cells):
            if right[i]:
                parts.append(cell.rjust(widths[i]))
            elif i == last:
                parts.append(cell)
            else:
                parts.append(cell.ljust(widths[i]))
        lines.append(" ".join(parts))
    return "\n".join(lines) + "\n"


def object_tables(snapshot: Snapshot, kinds: Sequence[str], raw_bytes: bool = False) -> str:
    """One table per kind; titled (and separated by a blank line) when there are several."""
    columns = object_columns(snapshot.taken_at, raw_bytes)
    blocks = []
    for kind in kinds:
        spec = columns[kind]
        if snapshot.namespaces:  # objects of other namespaces: ids repeat, NS says whose
            spec = [("NS", lambda o: str(o.ns), True), *spec]
        rows = ([get(obj) for _, get, _ in spec] for obj in snapshot.objects(kind))  # type: ignore[arg-type]
        table = render([c[0] for c in spec], rows, [c[2] for c in spec])
        blocks.append(f"{KIND_TITLES[kind]}:\n{table}" if len(kinds) > 1 else table)
    return "\n".join(blocks)


def namespace_limits_tables(snapshot: Snapshot, raw_bytes: bool = False) -> str:
    """One limits table per namespace (IPC limits are per namespace), titled with its name."""
    blocks = []
    for ns in snapshot.namespaces:
        if ns.unreachable:
            blocks.append(f"{ns.label}: out of reach: {ns.unreachable}\n")
        elif ns.limits is not None:
            blocks.append(f"{ns.label}:\n{limits_table(ns.limits, raw_bytes)}")
    return "\n".join(blocks)


def namespaces_table(snapshot: Snapshot) -> str:
    """`ipcscope ns`: like `lsns -t ipc` (NS NAME NPROCS PID USER COMMAND), plus the objects
    of each kind ("-" where the namespace could not be read)."""
    headers = ["NS", "NAME", "NPROCS", "PID", "USER", *(k.upper() for k in KINDS), "COMMAND"]
    counts: dict[int | None, dict[str, int]] = {}
    for obj in snapshot.all_objects():
        per = counts.setdefault(obj.ns, {})
        per[obj.kind] = per.get(obj.kind, 0) + 1  # type: ignore[union-attr]
    rows = []
    for ns in snapshot.namespaces:
        mine = counts.get(ns.inode, {})
        cells = ["-" if ns.unreachable else str(mine.get(kind, 0)) for kind in KINDS]
        name = ns.name + (" (ipcscope)" if ns.own and not ns.host else "")
        rows.append([str(ns.inode), name, str(ns.nprocs), _num(ns.pid), ns.user or "-",
                     *cells, ns.command or "-"])
    right = [True, False, True, True, False, *([True] * len(KINDS)), False]
    return render(headers, rows, right)


def limits_table(limits: Limits, raw_bytes: bool = False) -> str:
    """RESOURCE DESCRIPTION LIMIT USED USE%, like `lsipc -g`."""
    rows = []
    for row in limits.rows:
        if row.limit is None:
            limit = "-"
        elif row.unit == "bytes" and not raw_bytes:
            limit = human_size(row.limit)
        else:
            limit = str(row.limit)
        fraction = row.use_fraction
        rows.append([
            row.resource, row.description, limit, _num(row.used),
            "-" if fraction is None else f"{fraction * 100:.2f}%",
        ])
    return render(["RESOURCE", "DESCRIPTION", "LIMIT", "USED", "USE%"], rows,
                  [False, False, True, True, True])
