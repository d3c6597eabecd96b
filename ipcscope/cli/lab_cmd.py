"""`ipcscope lab list | show NAME | run NAME [--auto]`: the teaching labs on the command line."""

from __future__ import annotations

import argparse
import sys
import textwrap


def register(subparsers: argparse._SubParsersAction) -> None:
    lab = subparsers.add_parser("lab", help="teaching labs: classic IPC exercises with real processes")
    commands = lab.add_subparsers(dest="lab_command", metavar="{list,show,run}",
                                  parser_class=type(lab))
    commands.required = True

    listing = commands.add_parser("list", help="list the labs with their goals")
    listing.set_defaults(handler=list_labs)

    show = commands.add_parser("show", help="print a lab's steps: text and C code")
    show.add_argument("name", metavar="NAME")
    show.set_defaults(handler=show_lab)

    run = commands.add_parser("run", help="open the app in a lab (or run it headless with --auto)")
    run.add_argument("name", metavar="NAME")
    run.add_argument("--auto", action="store_true",
                     help="run every step without a terminal, check each step's kernel state, print a "
                          "transcript; exit 0 when all hold, 1 otherwise; always cleans up")
    run.add_argument("--step-timeout", type=float, default=10.0, metavar="SECONDS",
                     help="with --auto: how long to wait for each step's expected state (default 10)")
    run.set_defaults(handler=run_lab)


def _lab_or_exit(name: str):
    from ipcscope.labs import get_lab

    try:
        return get_lab(name)
    except KeyError as error:
        print(f"ipcscope: error: {error.args[0]}", file=sys.stderr)
        raise SystemExit(2) from None


def list_labs(args: argparse.Namespace) -> int:
    from ipcscope.labs import LABS

    width = max(len(lab.name) for lab in LABS)
    for lab in LABS:
        print(f"{lab.name:<{width}}  {lab.goal}")
    return 0


def show_lab(args: argparse.Namespace) -> int:
    lab = _lab_or_exit(args.name)
    print(f"{lab.name}: {lab.title}\n{lab.goal}")
    for number, step in enumerate(lab.steps, 1):
        print(f"\n{number}. {step.title}")
        print(textwrap.indent(textwrap.fill(step.text, 96) if "\n" not in step.text else step.text, "   "))
        if step.c_code:
            print(textwrap.indent(step.c_code, "   | "))
    return 0


def run_lab(args: argparse.Namespace) -> int:
    lab = _lab_or_exit(args.name)
    if getattr(args, "read_only", False):
        print("ipcscope: error: labs create objects and start processes; --read-only forbids that",
              file=sys.stderr)
        return 2
    if args.auto:
        from ipcscope.labs.auto import run_auto

        if not 0.1 <= args.step_timeout <= 600:
            print("ipcscope: error: --step-timeout must be between 0.1 and 600 seconds", file=sys.stderr)
            return 2
        try:
            return 0 if run_auto(lab, sys.stdout, step_timeout=args.step_timeout) else 1
        except KeyboardInterrupt:
            print("interrupted: the lab was stopped and cleaned up", file=sys.stderr)
            return 130
    return _open_app(lab.name, args)


def _open_app(name: str, args: argparse.Namespace) -> int:
    from ipcscope.ui.app import IpcScopeApp

    app = IpcScopeApp(lab=name, interval=getattr(args, "interval", 1.0), read_only=False)
    try:
        app.run()
    finally:
        app.stop_lab_now()  # quitting already stopped it; this covers an app that ended otherwise
    return 0
