"""take_snapshot(): everything the probe can see, in one frozen model.Snapshot.

The roots are parameters so tests and screenshots run against fixture trees. Syscalls that ask the
live kernel for more than /proc says (semaphore values, msg_qbytes, mq_getattr, a detached mqueue
mount, sem_getvalue) are made only when the roots are the real ones: a fixture's ids mean nothing
to this kernel.
"""

from __future__ import annotations

import os
import time
from collections.abc import Iterable
from typing import TYPE_CHECKING, Any

from ipcscope.model import KINDS, Environment, Kind, Snapshot
from ipcscope.probe import limits as limits_module
from ipcscope.probe import mqueue, posix, sysv
from ipcscope.probe.names import NameCache

if TYPE_CHECKING:  # not imported by one-shot listings
    from ipcscope.probe.incremental import SysvCache


def take_snapshot(
    *,
    proc_root: str = "/proc",
    shm_dir: str = "/dev/shm",
    mqueue_dir: str | None = None,
    details: bool = True,
    kinds: Iterable[Kind] | None = None,
    names: NameCache | None = None,
    sysv_cache: SysvCache | None = None,
) -> Snapshot:
    """Read every IPC object (or only `kinds`), limits and warnings into a Snapshot.

    mqueue_dir None means: find an mqueue mount in <proc_root>/self/mountinfo, else (root, live
    system) use a private detached mount, else scan open descriptors. `details=False` skips the
    per-object syscalls (semaphore values, qbytes, mq_getattr, sem_getvalue: those fields stay
    None) for a cheaper listing. Pass a long-lived `names` cache when polling, and a long-lived
    `sysv_cache` (probe.incremental.SysvCache) to rebuild only the SysV objects that changed.
    """
    taken_at = time.time()
    wanted = set(kinds) if kinds is not None else set(KINDS)
    live = _is_real(proc_root, "/proc")
    names = names or NameCache()
    warnings: list[str] = []
    found: dict[str, tuple[Any, ...]] = dict.fromkeys(KINDS, ())

    for kind in ("shm", "msg", "sem"):
        if kind not in wanted:
            continue
        if sysv_cache is not None and details and live:
            cached = sysv_cache.read(proc_root, kind, names)
            if cached is not None:
                found[kind], more = cached
                warnings += more
                continue
        columns, more = sysv.read_columns(proc_root, kind, names)
        warnings += more
        if details and live and columns["id"] and kind in ("sem", "msg"):
            from ipcscope.probe import details as sysv_details

            if kind == "sem":
                columns["semaphores"], more = sysv_details.semaphore_values(columns["id"])
            else:
                columns["qbytes"], more = sysv_details.queue_limits(columns["id"])
            warnings += more
        found[kind] = sysv.build(kind, columns)

    if "pshm" in wanted or "psem" in wanted:
        values = details and "psem" in wanted and _is_real(shm_dir, "/dev/shm")
        pshm, psem, more = posix.read_dev_shm(shm_dir, names, semaphore_values=values)
        found["pshm"] = pshm if "pshm" in wanted else ()
        found["psem"] = psem if "psem" in wanted else ()
        warnings += more

    mqueue_source = "none"
    if "pmq" in wanted:
        found["pmq"], mqueue_source, more = mqueue.read_queues(
            proc_root, mqueue_dir, names, live=live, attrs=details)
        warnings += more

    usage = _usage(found, wanted, mqueue_source)
    limits, more = limits_module.read_limits(proc_root, usage)
    warnings += more

    return Snapshot(
        taken_at=taken_at,
        shm=found["shm"], msg=found["msg"], sem=found["sem"],
        pmq=found["pmq"], pshm=found["pshm"], psem=found["psem"],
        limits=limits,
        environment=read_environment(proc_root, names),
        mqueue_source=mqueue_source,
        warnings=tuple(warnings),
    )


def read_environment(proc_root: str, names: NameCache) -> Environment:
    """Host name, effective user and IPC namespace ("" when /proc/self/ns/ipc is unreadable)."""
    uid = os.geteuid()
    try:
        namespace = os.readlink(os.path.join(proc_root, "self", "ns", "ipc"))
    except OSError:
        namespace = ""
    return Environment(hostname=os.uname().nodename, user=names.user(uid), uid=uid,
                       ipc_namespace=namespace)


def _usage(found: dict[str, tuple[Any, ...]], wanted: set[Kind], mqueue_source: str) -> limits_module.Usage:
    def count(kind: str) -> int | None:
        return len(found[kind]) if kind in wanted else None

    shm = found["shm"]
    complete_mq = mqueue_source.startswith("mount:") or mqueue_source == "detached"
    return limits_module.Usage(
        msg_queues=count("msg"),
        shm_segments=count("shm"),
        shm_pages=limits_module.shm_pages(seg.size for seg in shm) if "shm" in wanted else None,
        sem_sets=count("sem"),
        semaphores=sum(s.nsems for s in found["sem"]) if "sem" in wanted else None,
        posix_queues=count("pmq") if complete_mq else None,
    )


def _is_real(root: str, real: str) -> bool:
    return os.path.realpath(root) == real
