"""Parse /proc/sysvipc/{shm,msg,sem} into model objects.

The kernel's format (ipc/shm.c, msg.c, sem.c) has traps that `lsipc` and `ipcs` handle and a naive
parser does not:
- the key is printed signed (`%10d`): 0xdeadbeef is `-559038737`, and a key below -999999999 takes
  11 characters and pushes the columns right, so lines are split on whitespace, never by position;
- `perms` is octal text (`%4o`) whose upper bits are SHM_DEST (01000) and SHM_LOCKED (02000);
- a time of 0 means "never" (None here);
- older kernels have no `rss`/`swap` columns, so columns are found by their header names.
Lines that do not fit are skipped and reported in one warning per file, never raised.

Speed matters here (10,000 objects should list faster than lsipc does), so a file is converted
column by column (`map(int, column)` runs in C) rather than line by line, and objects are built
with probe._fast.build_many. The parse functions take the file's text and do no I/O except name
lookups, so tests feed them samples.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterable
from itertools import repeat
from typing import Any

from ipcscope.model import MsgQueue, SemSet, ShmSegment
from ipcscope.probe._fast import build_many
from ipcscope.probe.names import NameCache

KEY_MASK = 0xFFFFFFFF

#: model field -> one value per object (the values of a whole /proc column)
Columns = dict[str, list[Any]]
Column = Iterable[bytes]


def _int(column: Column) -> list[int]:
    return list(map(int, column))


def _octal(column: Column) -> list[int]:
    return list(map(int, column, repeat(8)))


def _key(column: Column) -> list[int]:
    """The kernel prints key_t signed; ipcs shows it unsigned."""
    return [value & KEY_MASK for value in map(int, column)]


def _time(column: Column) -> list[int | None]:
    """Seconds since the epoch; 0 means "never"."""
    return [value or None for value in map(int, column)]


#: model field -> (header column, conversion); a conversion of None marks a column older kernels
#: do not have (its field is None then). The owner fields are looked up from uid/gid after.
Fields = dict[str, tuple[str, Callable[[Column], list[Any]] | None]]

SHM_FIELDS: Fields = {
    "key": ("key", _key), "id": ("shmid", _int), "mode": ("perms", _octal),
    "uid": ("uid", _int), "gid": ("gid", _int), "cuid": ("cuid", _int), "cgid": ("cgid", _int),
    "ctime": ("ctime", _time), "size": ("size", _int), "cpid": ("cpid", _int),
    "lpid": ("lpid", _int), "nattch": ("nattch", _int), "atime": ("atime", _time),
    "dtime": ("dtime", _time),
    "rss": ("rss", None), "swap": ("swap", None),  # kernel >= 4.6
}
MSG_FIELDS: Fields = {
    "key": ("key", _key), "id": ("msqid", _int), "mode": ("perms", _octal),
    "uid": ("uid", _int), "gid": ("gid", _int), "cuid": ("cuid", _int), "cgid": ("cgid", _int),
    "ctime": ("ctime", _time), "cbytes": ("cbytes", _int), "qnum": ("qnum", _int),
    "lspid": ("lspid", _int), "lrpid": ("lrpid", _int), "stime": ("stime", _time),
    "rtime": ("rtime", _time),
}
SEM_FIELDS: Fields = {
    "key": ("key", _key), "id": ("semid", _int), "mode": ("perms", _octal),
    "uid": ("uid", _int), "gid": ("gid", _int), "cuid": ("cuid", _int), "cgid": ("cgid", _int),
    "ctime": ("ctime", _time), "nsems": ("nsems", _int), "otime": ("otime", _time),
}

TITLES = {"shm": "shared memory segments", "msg": "message queues", "sem": "semaphore sets"}
CLASSES: dict[str, type[ShmSegment | MsgQueue | SemSet]] = {"shm": ShmSegment, "msg": MsgQueue, "sem": SemSet}
FIELDS: dict[str, Fields] = {"shm": SHM_FIELDS, "msg": MSG_FIELDS, "sem": SEM_FIELDS}


def parse_shm(text: str | bytes, names: NameCache | None = None) -> tuple[tuple[ShmSegment, ...], list[str]]:
    """Segments and warnings from the text of /proc/sysvipc/shm."""
    return _parse_objects("shm", text, names)


def parse_msg(text: str | bytes, names: NameCache | None = None) -> tuple[tuple[MsgQueue, ...], list[str]]:
    """Queues (qbytes None: it is not in /proc) and warnings from /proc/sysvipc/msg."""
    return _parse_objects("msg", text, names)


def parse_sem(text: str | bytes, names: NameCache | None = None) -> tuple[tuple[SemSet, ...], list[str]]:
    """Sets (semaphores None: values need semctl) and warnings from /proc/sysvipc/sem."""
    return _parse_objects("sem", text, names)


def build(kind: str, columns: Columns) -> tuple[Any, ...]:
    """Objects of `kind` from parse_columns' result (plus any detail columns added to it)."""
    return tuple(build_many(CLASSES[kind], columns))


def _parse_objects(kind: str, text: str | bytes, names: NameCache | None) -> tuple[tuple[Any, ...], list[str]]:
    columns, warnings = parse_columns(kind, text, names)
    return build(kind, columns), warnings


def parse_columns(kind: str, text: str | bytes, names: NameCache | None = None) -> tuple[Columns, list[str]]:
    """model field -> one value per object, and warnings, from a /proc/sysvipc/<kind> text.

    Columns rather than objects so the snapshot can add detail columns (semaphores, qbytes)
    before the objects are built, once.
    """
    fields = FIELDS[kind]
    data = text.encode("ascii", "replace") if isinstance(text, str) else text
    lines = data.split(b"\n")
    header = [name.decode("ascii", "replace") for name in lines[0].split()]
    position = {name: index for index, name in enumerate(header)}
    missing = [column for column, convert in fields.values()
               if convert is not None and column not in position]
    if missing:
        return _empty(fields), [
            f"/proc/sysvipc/{kind}: unrecognised header (no column {', '.join(missing)}); "
            f"{TITLES[kind]} are not listed"]

    width = len(header)
    rows = [row for row in map(bytes.split, lines[1:]) if row]
    skipped = [row for row in rows if len(row) != width]
    if skipped:
        rows = [row for row in rows if len(row) == width]
    try:
        values = _convert(rows, width, fields, position)
    except ValueError:  # a line with non-numbers: find it, drop it, convert the rest
        convertible = [_convertible(row, fields, position) for row in rows]
        skipped += [row for row, ok in zip(rows, convertible) if not ok]
        rows = [row for row, ok in zip(rows, convertible) if ok]
        values = _convert(rows, width, fields, position)

    names = names or NameCache()
    users = {uid: names.user(uid) for uid in {*values["uid"], *values["cuid"]}}
    groups = {gid: names.group(gid) for gid in {*values["gid"], *values["cgid"]}}
    values["owner"] = list(map(users.__getitem__, values["uid"]))
    values["group"] = list(map(groups.__getitem__, values["gid"]))
    values["cowner"] = list(map(users.__getitem__, values["cuid"]))
    values["cgroup"] = list(map(groups.__getitem__, values["cgid"]))

    warnings = []
    if skipped:
        count = len(skipped)
        first = b" ".join(skipped[0]).decode("ascii", "replace")[:80]
        warnings.append(f"/proc/sysvipc/{kind}: skipped {count} unrecognised line"
                        f"{'s' if count != 1 else ''} (first: {first!r})")
    return values, warnings


def _empty(fields: Fields) -> Columns:
    return {field: [] for field in (*fields, "owner", "group", "cowner", "cgroup")}


def _convert(rows: list[list[bytes]], width: int, fields: Fields, position: dict[str, int]) -> Columns:
    """model field -> list of converted values, one per row (rows all have `width` fields)."""
    columns: list[tuple[bytes, ...]] = list(zip(*rows)) if rows else [()] * width
    values: Columns = {}
    for field, (column, convert) in fields.items():
        if convert is None:
            index = position.get(column)
            values[field] = _int(columns[index]) if index is not None else [None] * len(rows)
        else:
            values[field] = convert(columns[position[column]])
    return values


def _convertible(row: list[bytes], fields: Fields, position: dict[str, int]) -> bool:
    try:
        _convert([row], len(row), fields, position)
    except ValueError:
        return False
    return True


def read_sysv(proc_root: str, kind: str) -> bytes | None:
    """The bytes of <proc_root>/sysvipc/<kind>, or None when it does not exist."""
    try:
        with open(os.path.join(proc_root, "sysvipc", kind), "rb") as handle:
            return handle.read()
    except FileNotFoundError:
        return None


def read_columns(proc_root: str, kind: str, names: NameCache | None = None) -> tuple[Columns, list[str]]:
    """parse_columns of <proc_root>/sysvipc/<kind>; a missing file is a warning (no SysV IPC)."""
    data = read_sysv(proc_root, kind)
    if data is None:
        return _empty(FIELDS[kind]), [
            f"{os.path.join(proc_root, 'sysvipc', kind)} does not exist: "
            f"this kernel has no System V IPC (CONFIG_SYSVIPC), no {TITLES[kind]} listed"]
    return parse_columns(kind, data, names)
