"""What the Channels view costs the UI thread per process scan, on synthetic channels.

    python benchmarks/bench_channels_view.py [--pipes 1000] [--pairs 1000] [--repeat 7]

A scan of `--pipes` pipes (two ends each) and `--pairs` connected UNIX socket pairs (plus a
listener per 50 pairs and 100 TCP pairs) is turned into rows (channel_rows: pairing, backlog
folding; the app does it in the scan worker's thread, so it is timed apart) and applied to the
view in a headless app, on the UI thread: the first load, a new scan where 1% of the queues
changed (what a poll costs when a scan lands), and the same scan again (what every other poll
costs: the channels are not looked at; what is left is the other views). Medians in
milliseconds; an apply includes the titles, sub-kind line and detail pane. Shared machines give
noisy numbers: run it twice.
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import sys
import time
from dataclasses import replace
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))  # this checkout's ipcscope

import textual.constants

textual.constants.TEXTUAL_ANIMATIONS = "none"

from ipcscope.demo import DEMO_NOW, demo_snapshot  # noqa: E402
from ipcscope.model import ChannelEnd, ChannelScan, InetSocket, Pipe, UnixSocket  # noqa: E402
from ipcscope.ui.data.channel_rows import channel_rows  # noqa: E402
from ipcscope.ui.demo_app import demo_app  # noqa: E402


def synthetic(pipes: int, pairs: int, changed: int = 0) -> ChannelScan:
    """Channels between 400 processes; `changed` of the pipes have one more byte queued."""
    def end(n: int, fd: int, mode: str) -> ChannelEnd:
        return ChannelEnd(10000 + n % 400, f"proc{n % 400}", fd, mode)  # type: ignore[arg-type]

    pipe_list = tuple(Pipe(100000 + i, 15, ends=(end(i, 4, "w"), end(i + 1, 0, "r")),
                           queued=(i % 7) * 100 + (1 if i < changed else 0), capacity=65536)
                      for i in range(pipes))
    unix: list[UnixSocket] = []
    for i in range(pairs):
        a, b = 200000 + 2 * i, 200001 + 2 * i
        unix.append(UnixSocket(a, "stream", "connected", peer=b, queued=0, ends=(end(i, 5, "rw"),)))
        unix.append(UnixSocket(b, "stream", "connected", name=f"/run/s{i // 50}.sock", peer=a, queued=i % 3,
                               ends=(end(i + 7, 6, "rw"),)))
    for j in range(pairs // 50):
        unix.append(UnixSocket(300000 + j, "stream", "listen", name=f"/run/s{j}.sock", pending=0, backlog=128,
                               ends=(end(j, 3, "rw"),)))
    inet: list[InetSocket] = []
    for i in range(100):
        a, b = 400000 + 2 * i, 400001 + 2 * i
        inet.append(InetSocket(a, "tcp", f"127.0.0.1:{40000 + i}", "127.0.0.1:5432", "established", peer=b,
                               queued=0, ends=(end(i, 7, "rw"),)))
        inet.append(InetSocket(b, "tcp", "127.0.0.1:5432", f"127.0.0.1:{40000 + i}", "established", peer=a,
                               queued=0, ends=(end(i + 3, 8, "rw"),)))
    return ChannelScan(pipes=pipe_list, unix=tuple(unix), inet=tuple(inet))


def with_channels(channels: ChannelScan):  # type: ignore[no-untyped-def]
    snapshot = demo_snapshot()
    return replace(snapshot, processes=replace(snapshot.processes, channels=channels))


async def one_run(pipes: int, pairs: int) -> dict[str, float]:
    first, changed = synthetic(pipes, pairs), synthetic(pipes, pairs, changed=pipes // 100)
    started = time.perf_counter()
    rows = channel_rows(first)
    times = {"channel_rows (worker)": time.perf_counter() - started}
    app = demo_app()
    async with app.run_test(size=(160, 50)) as pilot:
        await pilot.press("8")
        await pilot.pause()
        for name, snapshot in (("first load", with_channels(first)), ("new scan, 1% changed",
                                                                     with_channels(changed))):
            app._channel_rows.rows(snapshot.processes.channels)  # the scan worker's part
            started = time.perf_counter()
            app.apply_snapshot(snapshot)
            times[name] = time.perf_counter() - started
            await pilot.pause()
        again = replace(app.snapshot, taken_at=DEMO_NOW + 1)
        started = time.perf_counter()
        app.apply_snapshot(again)
        times["same scan again"] = time.perf_counter() - started
        times["rows"] = float(len(rows))
    return times


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--pipes", type=int, default=1000)
    parser.add_argument("--pairs", type=int, default=1000)
    parser.add_argument("--repeat", type=int, default=7)
    args = parser.parse_args(argv)
    runs = [asyncio.run(one_run(args.pipes, args.pairs)) for _ in range(args.repeat)]
    rows = int(runs[0].pop("rows"))
    for run in runs[1:]:
        run.pop("rows")
    print(f"{rows} rows ({args.pipes} pipes, {args.pairs} UNIX pairs, {args.pairs // 50} listeners, "
          f"100 TCP pairs), {args.repeat} runs, medians:")
    for name in runs[0]:
        print(f"  {name:<22} {statistics.median(r[name] for r in runs) * 1000:7.1f} ms")
    return 0


if __name__ == "__main__":
    sys.exit(main())
