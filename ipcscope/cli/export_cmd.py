"""`ipcscope export`: Prometheus metrics on stdout, in a textfile for node_exporter, or on /metrics.

Each collection is one reading (snapshot, process scan, diagnosis), the same as `list` and `doctor`
make. prometheus_client is imported only when this command runs.
"""

from __future__ import annotations

import argparse
import math
import signal
import sys
import time
from types import FrameType
from typing import TYPE_CHECKING

from ipcscope.addresses import is_loopback, parse_listen, url_host
from ipcscope.export.catalog import DEFAULT_MAX_SERIES

if TYPE_CHECKING:
    from prometheus_client.registry import CollectorRegistry


def register(subparsers: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    parser = subparsers.add_parser(
        "export",
        help="Prometheus metrics: stdout, a node_exporter textfile, or /metrics",
        description=(
            "Prometheus metrics of this machine's IPC: objects, bytes and messages per kind, waiters, "
            "limits and their use, the doctor's findings and what the scan could not inspect "
            "(docs/metrics.md). Without --textfile or --listen, print them once on stdout."),
    )
    parser.add_argument(
        "--textfile", metavar="PATH",
        help="write the metrics to PATH atomically (for node_exporter's "
             "--collector.textfile.directory: name it *.prom)")
    parser.add_argument(
        "--every", type=_seconds, metavar="SECONDS",
        help="with --textfile: rewrite it every SECONDS until stopped (default: once)")
    parser.add_argument(
        "--listen", type=_listen, metavar="ADDR:PORT",
        help="serve /metrics on ADDR:PORT until stopped; a bare PORT means 127.0.0.1 (this machine "
             "only): another address, e.g. 0.0.0.0:PORT, is used only when given explicitly. "
             "PORT 0 picks a free port (printed on stderr)")
    parser.add_argument(
        "--per-object", action="store_true",
        help="add one set of series per object (ids, keys, names, owners as labels), capped by "
             "--max-series; the default is aggregates only")
    parser.add_argument(
        "--max-series", type=_count, metavar="N",
        help=f"with --per-object: at most N per-object series (default {DEFAULT_MAX_SERIES:,}); "
             "objects in findings and with waiters are kept first, the rest is counted in "
             "ipcscope_per_object_series_dropped")
    parser.add_argument(
        "--stuck-after", type=_seconds_or_zero, default=60.0, metavar="SECONDS",
        help="count semaphore waiters blocked this long as stuck-semaphore findings (default 60)")
    parser.set_defaults(handler=run)


def _seconds(text: str) -> float:
    value = _seconds_or_zero(text)
    if value < 0.1:
        raise argparse.ArgumentTypeError(f"must be at least 0.1 seconds: {text!r}")
    return value


def _seconds_or_zero(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a number of seconds: {text!r}") from None
    if not math.isfinite(value) or value < 0:
        raise argparse.ArgumentTypeError(f"must be zero or more seconds: {text!r}")
    return value


def _count(text: str) -> int:
    try:
        value = int(text.replace(",", "").replace("_", ""))
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a whole number: {text!r}") from None
    if value < 0:
        raise argparse.ArgumentTypeError(f"must be 0 or more: {text!r}")
    return value


def _listen(text: str) -> tuple[str, int]:
    try:
        return parse_listen(text)
    except ValueError as error:
        raise argparse.ArgumentTypeError(str(error)) from None


def _warn(message: str) -> None:
    print(f"ipcscope: warning: {message}", file=sys.stderr, flush=True)


class _Stop(Exception):
    """SIGTERM: leave the serving loop and close cleanly."""


def _on_sigterm(_signum: int, _frame: FrameType | None) -> None:
    raise _Stop


def run(args: argparse.Namespace) -> int:
    if getattr(args, "demo", False):
        print("ipcscope: error: export reads this system; --demo is the app's made-up one", file=sys.stderr)
        return 2
    if args.every is not None and args.textfile is None:
        print("ipcscope: error: --every needs --textfile", file=sys.stderr)
        return 2
    if args.max_series is not None and not args.per_object:
        print("ipcscope: error: --max-series needs --per-object", file=sys.stderr)
        return 2
    max_series = DEFAULT_MAX_SERIES if args.max_series is None else args.max_series
    if args.textfile is not None and not args.textfile.endswith(".prom"):
        _warn(f"{args.textfile}: node_exporter's textfile collector reads only files named *.prom")

    from ipcscope.export.collector import IpcCollector, build_registry
    from ipcscope.export.output import exposition, listen, write_textfile
    from ipcscope.export.reading import Reader

    reader = Reader(stuck_after=args.stuck_after, on_warning=_warn)
    registry = build_registry(IpcCollector(reader.read, per_object=args.per_object,
                                           max_series=max_series))
    if args.textfile is None and args.listen is None:
        sys.stdout.buffer.write(exposition(registry))
        sys.stdout.flush()
        return 0

    if args.textfile is not None:
        try:
            write_textfile(args.textfile, registry)
        except OSError as error:
            print(f"ipcscope: error: cannot write {args.textfile}: {error.strerror or error}",
                  file=sys.stderr)
            return 1
    if args.listen is None and args.every is None:
        return 0

    previous = signal.signal(signal.SIGTERM, _on_sigterm)
    server = None
    try:
        if args.listen is not None:
            host, port = args.listen
            try:
                server = listen(registry, host, port)
            except OSError as error:
                print(f"ipcscope: error: cannot listen on {url_host(host)}:{port}: "
                      f"{error.strerror or error}", file=sys.stderr)
                return 1
            where = f"http://{url_host(host)}:{server.port}/metrics"
            print(f"ipcscope: serving {where}", file=sys.stderr, flush=True)
            if not is_loopback(host):
                _warn(f"{where} is reachable from other machines: anyone who can connect reads "
                      "this host's IPC metrics" + (" (object names and owners)" if args.per_object else ""))
        _loop(args, registry)
    except (_Stop, KeyboardInterrupt):
        pass
    finally:
        signal.signal(signal.SIGTERM, previous)
        if server is not None:
            server.close()
    return 0


def _loop(args: argparse.Namespace, registry: CollectorRegistry) -> None:
    """Rewrite the textfile every --every seconds (a failed write is reported and retried), or
    just wait while the HTTP thread serves."""
    from ipcscope.export.output import write_textfile

    if args.every is None:
        while True:
            time.sleep(3600)
    while True:
        time.sleep(args.every)
        try:
            write_textfile(args.textfile, registry)
        except OSError as error:
            _warn(f"cannot write {args.textfile}: {error.strerror or error}; trying again in "
                  f"{args.every:g}s")

