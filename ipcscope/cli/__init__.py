"""The `ipcscope` command: the TUI with no subcommand, scriptable subcommands otherwise.

Each subcommand group lives in its own module exposing `register(subparsers)`; the handler it sets
with `set_defaults(handler=...)` returns the exit status. Textual is imported only when the TUI
starts, so `ipcscope list` stays fast.
"""

from __future__ import annotations

import argparse
import importlib
import sys
from collections.abc import Sequence
from typing import NoReturn

from ipcscope import __version__
from ipcscope.core.errors import IpcError, ValidationError

#: Modules that add subcommands, in the order they appear in --help.
SUBCOMMAND_MODULES = (
    "ipcscope.cli.list_cmd",
    "ipcscope.cli.actions_cmd",
    "ipcscope.cli.fifo_cmd",
    "ipcscope.cli.doctor_cmd",
    "ipcscope.cli.ns_cmd",
    "ipcscope.cli.lab_cmd",
    "ipcscope.cli.export_cmd",
    "ipcscope.cli.serve_cmd",
)

#: Which module registers each subcommand, so that main() builds only the parser of the command
#: being run: building all of them (some 30 parsers, 130 arguments) took longer than `list` needs
#: for 1,000 objects. A command missing here still works, as main() then builds every parser;
#: tests/cli/test_dispatch.py checks this table against what the modules register.
COMMAND_MODULES = {
    "list": "ipcscope.cli.list_cmd",
    "limits": "ipcscope.cli.list_cmd",
    **dict.fromkeys(
        ("create", "send", "recv", "peek", "semop", "setval", "read", "write", "chmod", "chown",
         "rm", "shm", "setqbytes", "post", "wait", "trywait"),
        "ipcscope.cli.actions_cmd",
    ),
    "mkfifo": "ipcscope.cli.fifo_cmd",
    "doctor": "ipcscope.cli.doctor_cmd",
    "ns": "ipcscope.cli.ns_cmd",
    "lab": "ipcscope.cli.lab_cmd",
    "export": "ipcscope.cli.export_cmd",
    "serve": "ipcscope.cli.serve_cmd",
}


class ArgumentParser(argparse.ArgumentParser):
    """Bad arguments give one line on stderr and exit status 2, never a usage dump or traceback."""

    def error(self, message: str) -> NoReturn:
        self.exit(2, f"{self.prog}: error: {message}\n")


def build_parser(modules: Sequence[str] = SUBCOMMAND_MODULES) -> argparse.ArgumentParser:
    """The whole command line, or only the subcommands of `modules` (the global options always)."""
    parser = ArgumentParser(
        prog="ipcscope",
        description="Live view, actions and diagnosis for Linux System V and POSIX IPC.",
    )
    parser.add_argument("--version", action="version", version=f"ipcscope {__version__}")
    parser.add_argument(
        "--interval", type=float, default=1.0, metavar="SECONDS",
        help="refresh interval of the live view (default 1)",
    )
    parser.add_argument(
        "--read-only", action="store_true",
        help="disable every action that changes an IPC object",
    )
    parser.add_argument(
        "--demo", action="store_true",
        help="show a fixed demonstration snapshot instead of this system (read-only)",
    )
    parser.add_argument(
        "--ns", dest="start_ns", metavar="NS", default=None,
        help="IPC namespace(s) to show: all, host, a pid, an inode or a container name "
             "(default: ipcscope's own; n in the app chooses another)",
    )
    subparsers = parser.add_subparsers(dest="command", metavar="COMMAND", parser_class=ArgumentParser)
    for module_name in modules:
        importlib.import_module(module_name).register(subparsers)
    return parser


def modules_for(argv: Sequence[str]) -> Sequence[str]:
    """The module of the subcommand in `argv`; every module when there is none, or when a word
    before it may ask for the main help (`-h`, `--help`, `--he`), which must list all commands."""
    for word in argv:
        if word in COMMAND_MODULES:
            return (COMMAND_MODULES[word],)
        if word.startswith(("-h", "--h")):
            break
    return SUBCOMMAND_MODULES


def run_tui(args: argparse.Namespace) -> int:
    if not 0.1 <= args.interval <= 3600:
        print("ipcscope: error: --interval must be between 0.1 and 3600 seconds", file=sys.stderr)
        return 2
    from ipcscope.ui.app import IpcScopeApp

    if args.demo:
        from ipcscope.ui.demo_app import demo_app

        app = demo_app(interval=args.interval, namespaces=True, ns=args.start_ns)
    else:
        app = IpcScopeApp(interval=args.interval, read_only=args.read_only, ns=args.start_ns)
    app.run()
    return 0


def main(argv: Sequence[str] | None = None) -> int:
    if argv is None:
        argv = sys.argv[1:]
    args = build_parser(modules_for(argv)).parse_args(argv)
    if getattr(args, "ns", None) is None and getattr(args, "start_ns", None) is not None:
        args.ns = args.start_ns  # `ipcscope --ns X list`: as `ipcscope list --ns X`
    handler = getattr(args, "handler", None)
    try:
        if handler is None:
            return run_tui(args)
        return int(handler(args) or 0)
    except IpcError as error:
        print(f"ipcscope: {error}", file=sys.stderr)
        return 1
    except ValidationError as error:
        print(f"ipcscope: error: {error}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        return 130
    except BrokenPipeError:
        return 0
