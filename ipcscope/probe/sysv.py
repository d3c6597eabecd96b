"""Parse /proc/sysvipc/{shm,msg,sem} into model objects.

The kernel's format (ipc/shm.c, msg.c, sem.c) has traps that `lsipc` and `ipcs` handle and a naive
parser does not (see reference/kernel.md §1):
- the key is printed signed (`%10d`): 0xdeadbeef is `-559038737`, and a key below -999999999 takes
  11 characters and pushes the columns right, so lines are split on whitespace, never by position;
- `perms` is octal text (`%4o`) whose upper bits are SHM_DEST (01000) and SHM_LOCKED (02000);
- a time of 0 means "never" (None here);
- older kernels have no `rss`/`swap` columns, so columns are found by their header names.
Lines that do not fit are skipped and reported in one warning per file, never raised.

The parse functions take text and do no I/O except name lookups, so tests feed them samples.
"""

from __future__ import annotations

import os

from ipcscope.model import MsgQueue, SemSet, ShmSegment
from ipcscope.probe._fast import build
from ipcscope.probe.names import NameCache

KEY_MASK = 0xFFFFFFFF

#: Columns each file must have (by header name); `rss` and `swap` are optional (kernel >= 4.6).
SHM_COLUMNS = ("key", "shmid", "perms", "size", "cpid", "lpid", "nattch", "uid", "gid", "cuid",
               "cgid", "atime", "dtime", "ctime")
SHM_OPTIONAL = ("rss", "swap")
MSG_COLUMNS = ("key", "msqid", "perms", "cbytes", "qnum", "lspid", "lrpid", "uid", "gid", "cuid",
               "cgid", "stime", "rtime", "ctime")
SEM_COLUMNS = ("key", "semid", "perms", "nsems", "uid", "gid", "cuid", "cgid", "otime", "ctime")

TITLES = {"shm": "shared memory segments", "msg": "message queues", "sem": "semaphore sets"}


def read_sysv(proc_root: str, kind: str) -> str | None:
    """The text of <proc_root>/sysvipc/<kind>, or None when it does not exist."""
    try:
        with open(os.path.join(proc_root, "sysvipc", kind), encoding="ascii", errors="replace") as f:
            return f.read()
    except FileNotFoundError:
        return None


class _Table:
    """The header of one /proc/sysvipc file: column name -> position, and the rows below it."""

    def __init__(self, kind: str, text: str, required: tuple[str, ...]) -> None:
        self.kind = kind
        lines = text.splitlines()
        header = lines[0].split() if lines else []
        self.columns = {name: index for index, name in enumerate(header)}
        self.width = len(header)
        self.missing = [name for name in required if name not in self.columns]
        self.rows = lines[1:]
        self.skipped: list[str] = []
        self.warnings: list[str] = []
        if self.missing:
            self.warnings.append(
                f"/proc/sysvipc/{kind}: unrecognised header (no column {', '.join(self.missing)}); "
                f"{TITLES[kind]} are not listed"
            )

    def index(self, name: str) -> int | None:
        return self.columns.get(name)

    def skip(self, line: str) -> None:
        self.skipped.append(line)

    def finish(self) -> list[str]:
        if self.skipped:
            count = len(self.skipped)
            first = self.skipped[0].strip()[:80]
            self.warnings.append(
                f"/proc/sysvipc/{self.kind}: skipped {count} unrecognised line"
                f"{'s' if count != 1 else ''} (first: {first!r})"
            )
        return self.warnings


def _owners(names: NameCache, cache: dict, uid: int, gid: int, cuid: int, cgid: int) -> tuple:
    """(owner, group, cowner, cgroup), memoised per id quadruple: objects share few owners."""
    ids = (uid, gid, cuid, cgid)
    found = cache.get(ids)
    if found is None:
        found = cache[ids] = (names.user(uid), names.group(gid), names.user(cuid), names.group(cgid))
    return found


def parse_shm(text: str, names: NameCache | None = None) -> tuple[tuple[ShmSegment, ...], list[str]]:
    """Segments and warnings from the text of /proc/sysvipc/shm."""
    table = _Table("shm", text, SHM_COLUMNS)
    if table.missing:
        return (), table.finish()
    names = names or NameCache()
    owners: dict = {}
    c = table.columns
    key, ident, perms, size = c["key"], c["shmid"], c["perms"], c["size"]
    cpid, lpid, nattch = c["cpid"], c["lpid"], c["nattch"]
    uid, gid, cuid, cgid = c["uid"], c["gid"], c["cuid"], c["cgid"]
    atime, dtime, ctime = c["atime"], c["dtime"], c["ctime"]
    rss, swap = c.get("rss"), c.get("swap")
    width = table.width
    segments = []
    for line in table.rows:
        f = line.split()
        if len(f) != width:
            if f:
                table.skip(line)
            continue
        try:
            u, g, cu, cg = int(f[uid]), int(f[gid]), int(f[cuid]), int(f[cgid])
            owner, group, cowner, cgroup = _owners(names, owners, u, g, cu, cg)
            segments.append(build(
                ShmSegment,
                key=int(f[key]) & KEY_MASK, id=int(f[ident]), mode=int(f[perms], 8),
                uid=u, gid=g, cuid=cu, cgid=cg,
                owner=owner, group=group, cowner=cowner, cgroup=cgroup,
                ctime=int(f[ctime]) or None,
                size=int(f[size]), cpid=int(f[cpid]), lpid=int(f[lpid]), nattch=int(f[nattch]),
                atime=int(f[atime]) or None, dtime=int(f[dtime]) or None,
                rss=None if rss is None else int(f[rss]),
                swap=None if swap is None else int(f[swap]),
            ))
        except ValueError:
            table.skip(line)
    return tuple(segments), table.finish()


def parse_msg(text: str, names: NameCache | None = None) -> tuple[tuple[MsgQueue, ...], list[str]]:
    """Queues (qbytes None: it is not in /proc) and warnings from /proc/sysvipc/msg."""
    table = _Table("msg", text, MSG_COLUMNS)
    if table.missing:
        return (), table.finish()
    names = names or NameCache()
    owners: dict = {}
    c = table.columns
    key, ident, perms, cbytes, qnum = c["key"], c["msqid"], c["perms"], c["cbytes"], c["qnum"]
    lspid, lrpid = c["lspid"], c["lrpid"]
    uid, gid, cuid, cgid = c["uid"], c["gid"], c["cuid"], c["cgid"]
    stime, rtime, ctime = c["stime"], c["rtime"], c["ctime"]
    width = table.width
    queues = []
    for line in table.rows:
        f = line.split()
        if len(f) != width:
            if f:
                table.skip(line)
            continue
        try:
            u, g, cu, cg = int(f[uid]), int(f[gid]), int(f[cuid]), int(f[cgid])
            owner, group, cowner, cgroup = _owners(names, owners, u, g, cu, cg)
            queues.append(build(
                MsgQueue,
                key=int(f[key]) & KEY_MASK, id=int(f[ident]), mode=int(f[perms], 8),
                uid=u, gid=g, cuid=cu, cgid=cg,
                owner=owner, group=group, cowner=cowner, cgroup=cgroup,
                ctime=int(f[ctime]) or None,
                cbytes=int(f[cbytes]), qnum=int(f[qnum]), lspid=int(f[lspid]), lrpid=int(f[lrpid]),
                stime=int(f[stime]) or None, rtime=int(f[rtime]) or None,
            ))
        except ValueError:
            table.skip(line)
    return tuple(queues), table.finish()


def parse_sem(text: str, names: NameCache | None = None) -> tuple[tuple[SemSet, ...], list[str]]:
    """Sets (semaphores None: values need semctl) and warnings from /proc/sysvipc/sem."""
    table = _Table("sem", text, SEM_COLUMNS)
    if table.missing:
        return (), table.finish()
    names = names or NameCache()
    owners: dict = {}
    c = table.columns
    key, ident, perms, nsems = c["key"], c["semid"], c["perms"], c["nsems"]
    uid, gid, cuid, cgid = c["uid"], c["gid"], c["cuid"], c["cgid"]
    otime, ctime = c["otime"], c["ctime"]
    width = table.width
    sets = []
    for line in table.rows:
        f = line.split()
        if len(f) != width:
            if f:
                table.skip(line)
            continue
        try:
            u, g, cu, cg = int(f[uid]), int(f[gid]), int(f[cuid]), int(f[cgid])
            owner, group, cowner, cgroup = _owners(names, owners, u, g, cu, cg)
            sets.append(build(
                SemSet,
                key=int(f[key]) & KEY_MASK, id=int(f[ident]), mode=int(f[perms], 8),
                uid=u, gid=g, cuid=cu, cgid=cg,
                owner=owner, group=group, cowner=cowner, cgroup=cgroup,
                ctime=int(f[ctime]) or None,
                nsems=int(f[nsems]), otime=int(f[otime]) or None,
            ))
        except ValueError:
            table.skip(line)
    return tuple(sets), table.finish()


PARSERS = {"shm": parse_shm, "msg": parse_msg, "sem": parse_sem}


def read_objects(proc_root: str, kind: str, names: NameCache | None = None) -> tuple[tuple, list[str]]:
    """Parse <proc_root>/sysvipc/<kind>; a missing file is a warning (kernel without SysV IPC)."""
    text = read_sysv(proc_root, kind)
    if text is None:
        return (), [f"{os.path.join(proc_root, 'sysvipc', kind)} does not exist: "
                    f"this kernel has no System V IPC (CONFIG_SYSVIPC), no {TITLES[kind]} listed"]
    return PARSERS[kind](text, names)
