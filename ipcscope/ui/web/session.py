"""The app of one browser connection: textual-serve runs `python -m ipcscope.ui.web.session` for
each websocket, with Textual's web driver on its stdin and stdout.

`--demo` shows the fixed demonstration snapshot instead of this system (`ipcscope --demo serve`:
screenshots, trying the app out). `--lab NAME` starts that lab at once. Served read-only, the lab
still runs its own steps (creates its objects, starts and signals its processes: the scenario the
lab defines, nothing the visitor chooses), while every panel that changes an object stays
disabled and no other lab can be started.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence


def parse_args(argv: Sequence[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m ipcscope.ui.web.session")
    parser.add_argument("--read-only", action="store_true")
    parser.add_argument("--lab", metavar="NAME")
    parser.add_argument("--interval", type=float, default=1.0)
    parser.add_argument("--demo", action="store_true")
    return parser.parse_args(argv)


def main(argv: Sequence[str] | None = None) -> int:
    args = parse_args(argv)
    if args.demo:
        from ipcscope.ui.demo_app import demo_app

        demo_app(interval=args.interval).run()
        return 0
    from ipcscope.ui.app import IpcScopeApp

    app = IpcScopeApp(interval=args.interval, read_only=args.read_only, lab=args.lab)
    app.served_lab = args.lab
    try:
        app.run()
    finally:
        app.stop_lab_now()  # the browser's tab closed: the server asked the app to exit
    return 0


if __name__ == "__main__":
    sys.exit(main())
