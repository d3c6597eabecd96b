"""The live app as users run it: real objects, the real probe, process scan and diagnosis, a real pty.

    sudo python benchmarks/bench_live.py [--sizes 100,5000] [--orphans 0,1000] [--repeat 3]
                                         [--warmup 30] [--window 30]

For each size N it creates N real System V objects — semaphore sets of 1 to 4 semaphores (40%),
message queues holding a few messages (30%) and 4 KiB segments (30%), some segments attached by a
child process, a few semop and msgrcv waiters — and, with --orphans M, M more segments whose creator
has exited (each is an `orphan-shm` finding). Then it starts `python -m ipcscope` in a
pseudo-terminal of 160x50 and reports medians over --repeat runs of:
- first frame: from exec to the first screen that shows the objects (the key of the first segment
  has been drawn) and the output went quiet;
- CPU: the app's CPU time (utime + stime of all its threads, /proc/PID/stat) over --window seconds
  after --warmup seconds, as % of one core, with nothing changing;
- RSS at the end of the window;
- view switch: from writing the key `2` (then `1`, `3`, `1`) to the end of the output that draws the
  new view's first row (its object's key), i.e. the frame a user waits for.
Nothing here replaces the probe, the scan or the terminal: this is the product.

As root the script re-executes itself under `unshare --ipc`, so the objects live in a private IPC
namespace and vanish with it even if the script is killed; it removes them itself anyway.
Targets (issue "performance as the user sees it"): idle CPU <= 2% at 5,000 objects, <= 0.5% at 100,
+<= 0.5% for 1,000 findings; RSS <= 100 MB at 7,000; first frame <= 350 ms; view switch <= 80 ms.
"""

from __future__ import annotations

import argparse
import fcntl
import os
import pty
import select
import shutil
import signal
import statistics
import struct
import subprocess
import sys
import termios
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

MARKER = "IPCSCOPE_BENCH_PRIVATE_NS"
KEY_BASE = 0x1D000000
COLUMNS, LINES = 160, 50
CLOCK_TICKS = os.sysconf("SC_CLK_TCK")


# --------------------------------------------------------------------------- objects


@dataclass
class Population:
    """What one run created, so that it can all be removed by id and the children stopped."""

    shm: list[int] = field(default_factory=list)
    msg: list[int] = field(default_factory=list)
    sem: list[int] = field(default_factory=list)
    children: list[subprocess.Popen[bytes]] = field(default_factory=list)

    #: the key of the first object of each kind: drawn only when that kind's table is shown
    first_keys: dict[str, str] = field(default_factory=dict)

    @property
    def first_key(self) -> str:
        return self.first_keys["shm"]

    def remove(self) -> None:
        from ipcscope.core import msg, sem, shm
        from ipcscope.core.errors import IpcError

        for child in self.children:
            if child.poll() is None:
                child.kill()
            child.wait()
        self.children.clear()
        for ids, remove in ((self.shm, shm.remove), (self.msg, msg.remove), (self.sem, sem.remove)):
            for ident in ids:
                try:
                    remove(ident)
                except IpcError:
                    pass
            ids.clear()


CHILD_CODE = """
import sys, time
from ipcscope.core import msg, sem, shm
role, ids = sys.argv[1], [int(x) for x in sys.argv[2:]]
if role == "attach":
    held = [shm.attach(i) for i in ids]
    time.sleep(10**6)
elif role == "semop":
    sem.semop(ids[0], [(0, -1, 0)])
elif role == "msgrcv":
    msg.receive(ids[0], msgtyp=999, maxsize=64)
"""


def create(size: int, orphans: int) -> Population:
    """`size` objects of the mix in the module docstring, plus `orphans` orphaned segments."""
    from ipcscope.core import msg, sem, shm

    made = Population()
    try:
        sems = size * 4 // 10
        queues = size * 3 // 10
        segments = size - sems - queues
        key = KEY_BASE
        made.first_keys = {"shm": f"0x{key:08x}", "msg": f"0x{key + segments:08x}",
                           "sem": f"0x{key + segments + queues:08x}"}
        for _ in range(segments):
            made.shm.append(shm.create(key, 4096, mode=0o600))
            key += 1
        for i in range(queues):
            ident = msg.create(key, mode=0o600)
            made.msg.append(ident)
            for n in range(i % 4):
                msg.send(ident, 1 + n, b"x" * 32, nowait=True)
            key += 1
        for i in range(sems):
            ident = sem.create(key, 1 + i % 4, mode=0o600)
            made.sem.append(ident)
            sem.setall(ident, [1] * (1 + i % 4))
            key += 1
        attached = made.shm[: max(1, segments // 50)]
        made.children.append(_child("attach", attached))
        waiters = min(5, sems)
        for ident in made.sem[:waiters]:
            sem.setall(ident, [0] * len(sem.getall(ident)))
            made.children.append(_child("semop", [ident]))
        for ident in made.msg[:2]:
            made.children.append(_child("msgrcv", [ident]))
        if orphans:
            code = ("import sys\nfrom ipcscope.core import shm\n"
                    "print(' '.join(str(shm.create(int(sys.argv[1]) + i, 4096, mode=0o600)) "
                    "for i in range(int(sys.argv[2]))))")
            out = subprocess.run([sys.executable, "-c", code, str(key), str(orphans)], check=True,
                                 capture_output=True, text=True, cwd=ROOT).stdout
            made.shm.extend(int(x) for x in out.split())
    except BaseException:
        made.remove()
        raise
    return made


def _child(role: str, ids: list[int]) -> subprocess.Popen[bytes]:
    return subprocess.Popen([sys.executable, "-c", CHILD_CODE, role, *map(str, ids)], cwd=ROOT)


def raise_limits(size: int) -> None:
    """Per-namespace limits high enough for `size` objects of each kind (private namespace only)."""
    need = size + 64
    for name in ("msgmni", "shmmni"):
        path = Path("/proc/sys/kernel") / name
        if int(path.read_text()) < need:
            path.write_text(str(min(need, 32768)))
    sem = Path("/proc/sys/kernel/sem")
    semmsl, semmns, semopm, semmni = (int(v) for v in sem.read_text().split())
    if semmni < need:
        sem.write_text(f"{semmsl} {max(semmns, need * 8)} {semopm} {min(need, 32768)}")


# --------------------------------------------------------------------------- the app in a pty


class Terminal:
    """`python -m ipcscope` on a pty of COLUMNS x LINES; a thread drains and timestamps its output."""

    def __init__(self) -> None:
        self.pid, self.master = pty.fork()
        if self.pid == 0:  # child: the app
            os.chdir(ROOT)
            os.environ.update(TERM="xterm-256color", COLORTERM="truecolor", COLUMNS=str(COLUMNS),
                              LINES=str(LINES))
            os.execv(sys.executable, [sys.executable, "-m", "ipcscope"])
        fcntl.ioctl(self.master, termios.TIOCSWINSZ, struct.pack("HHHH", LINES, COLUMNS, 0, 0))
        self.started = time.perf_counter()
        self.output = bytearray()
        self.last_output = self.started
        self.lock = threading.Lock()
        self.closed = False
        threading.Thread(target=self._drain, daemon=True).start()

    def _drain(self) -> None:
        while not self.closed:
            ready, _, _ = select.select([self.master], [], [], 0.1)
            if not ready:
                continue
            try:
                data = os.read(self.master, 65536)
            except OSError:
                return
            if not data:
                return
            with self.lock:
                self.output += data
                self.last_output = time.perf_counter()

    def seen(self, text: bytes, since: int = 0) -> bool:
        with self.lock:
            return self.output.find(text, since) >= 0

    def size(self) -> int:
        with self.lock:
            return len(self.output)

    def wait_quiet(self, quiet: float = 0.25, timeout: float = 30.0) -> float:
        """Wait until no output came for `quiet` seconds; return the time of the last byte."""
        deadline = time.perf_counter() + timeout
        while time.perf_counter() < deadline:
            with self.lock:
                last = self.last_output
            if time.perf_counter() - last >= quiet:
                return last
            time.sleep(0.01)
        raise TimeoutError("the app never went quiet")

    def wait_for(self, text: bytes, since: int = 0, timeout: float = 30.0) -> None:
        deadline = time.perf_counter() + timeout
        while not self.seen(text, since):
            if time.perf_counter() > deadline:
                raise TimeoutError(f"{text!r} never appeared")
            time.sleep(0.005)

    def press(self, key: str) -> float:
        moment = time.perf_counter()
        os.write(self.master, key.encode())
        return moment

    def cpu_seconds(self) -> float:
        fields = Path(f"/proc/{self.pid}/stat").read_text().rsplit(")", 1)[1].split()
        return (int(fields[11]) + int(fields[12])) / CLOCK_TICKS  # utime, stime of all threads

    def rss_mb(self) -> float:
        for line in Path(f"/proc/{self.pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
        return float("nan")

    def quit(self) -> None:
        try:
            os.write(self.master, b"q")
            deadline = time.time() + 5
            while time.time() < deadline:
                if os.waitpid(self.pid, os.WNOHANG)[0]:
                    break
                time.sleep(0.05)
            else:
                os.kill(self.pid, signal.SIGKILL)
                os.waitpid(self.pid, 0)
        except (OSError, ChildProcessError):
            pass
        self.closed = True
        os.close(self.master)


# --------------------------------------------------------------------------- one run


@dataclass
class RunFigures:
    first_frame_ms: float
    cpu_percent: float
    rss_mb: float
    switch_ms: list[float]


def one_run(made: Population, warmup: float, window: float) -> RunFigures:
    term = Terminal()
    try:
        term.wait_for(made.first_key.encode())
        first = (term.wait_quiet() - term.started) * 1000
        time.sleep(max(0.0, warmup - (time.perf_counter() - term.started)))
        cpu_before, moment = term.cpu_seconds(), time.perf_counter()
        time.sleep(window)
        cpu = (term.cpu_seconds() - cpu_before) / (time.perf_counter() - moment) * 100
        rss = term.rss_mb()
        switches = []
        for key, kind in (("2", "msg"), ("1", "shm"), ("3", "sem"), ("1", "shm")):
            term.wait_quiet(0.3)
            mark = term.size()
            pressed = term.press(key)
            term.wait_for(made.first_keys[kind].encode(), since=mark)
            switches.append((term.wait_quiet(0.05) - pressed) * 1000)
        return RunFigures(first, cpu, rss, switches)
    finally:
        term.quit()


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="100,5000", help="object counts (default 100,5000)")
    parser.add_argument("--orphans", default="0", help="orphaned segments to add, e.g. 0,1000")
    parser.add_argument("--repeat", type=int, default=3, help="runs per configuration (default 3)")
    parser.add_argument("--warmup", type=float, default=30.0, help="seconds before measuring CPU")
    parser.add_argument("--window", type=float, default=30.0, help="seconds of CPU measurement")
    args = parser.parse_args()
    sizes = [int(s) for s in args.sizes.split(",")]
    orphan_counts = [int(s) for s in args.orphans.split(",")]

    if os.environ.get(MARKER) != "1":
        if os.geteuid() == 0 and shutil.which("unshare"):
            env = dict(os.environ, **{MARKER: "1"})
            return subprocess.call(["unshare", "--ipc", sys.executable, *sys.argv], env=env)
        print("not root: running in the shared IPC namespace; everything created is removed after",
              file=sys.stderr)
    else:
        raise_limits(max(sizes) + max(orphan_counts))

    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))
    print(f"python {sys.version.split()[0]}, {os.cpu_count()} CPUs, {COLUMNS}x{LINES} pty, "
          f"repeat {args.repeat}, warm-up {args.warmup:g} s, window {args.window:g} s")
    print(f"{'objects':>8} {'orphans':>8} {'first frame':>12} {'idle CPU':>9} {'RSS':>8} {'view switch':>12}")
    for size in sizes:
        for orphans in orphan_counts:
            made = create(size, orphans)
            try:
                runs = [one_run(made, args.warmup, args.window) for _ in range(args.repeat)]
            finally:
                made.remove()
            first = statistics.median(r.first_frame_ms for r in runs)
            cpu = statistics.median(r.cpu_percent for r in runs)
            rss = statistics.median(r.rss_mb for r in runs)
            switch = statistics.median(s for r in runs for s in r.switch_ms)
            print(f"{size:>8} {orphans:>8} {first:>10.0f}ms {cpu:>8.2f}% {rss:>6.0f}MB {switch:>10.0f}ms"
                  f"   (cpu runs: {', '.join(f'{r.cpu_percent:.2f}' for r in runs)})", flush=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
