"""`ipcscope serve`: the app in a browser, one app process per connection (textual-serve).

Safe by default: loopback only, read-only. textual-serve has no authentication: whoever reaches the
address uses the app as the user serving it, so the command says so, refuses --allow-actions as
root, and listens beyond loopback only when --host names another address. textual-serve is an
optional extra (`pip install 'ipcscope[web]'`); nothing here imports it until the server starts.
"""

from __future__ import annotations

import argparse
import importlib.util
import os
import sys

from ipcscope.addresses import LOOPBACK, is_loopback, parse_port, url_host

DEFAULT_PORT = 8765
INSTALL_HINT = ("ipcscope serve needs the web extra: pip install 'ipcscope[web]' "
                "(in a checkout: pip install -e '.[web]')")


def register(subparsers: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    parser = subparsers.add_parser(
        "serve",
        help="the app in a web browser, one app per connection (needs the [web] extra)",
        description=(
            "Serve the app to web browsers: each connection gets its own app process, running as the "
            "user who started this server. There is no password: anyone who can reach the address "
            "uses the app as you (on loopback, every local user). Read-only unless --allow-actions."),
    )
    parser.add_argument(
        "--host", default=LOOPBACK,
        help=f"address to listen on (default {LOOPBACK}, this machine only); another address, e.g. "
             "0.0.0.0, lets anyone who can reach it use the app as you")
    parser.add_argument("--port", type=_port, default=DEFAULT_PORT,
                        help=f"TCP port (default {DEFAULT_PORT})")
    parser.add_argument(
        "--lab", metavar="NAME",
        help="open this teaching lab for every connection (`ipcscope lab list`); it runs its own "
             "steps while the panels stay read-only")
    parser.add_argument(
        "--allow-actions", action="store_true",
        help="let browser users remove and change IPC objects (refused when serving as root)")
    parser.set_defaults(handler=run)


def _port(text: str) -> int:
    try:
        return parse_port(text, allow_zero=False)
    except ValueError as error:
        raise argparse.ArgumentTypeError(str(error)) from None


def refusal(*, allow_actions: bool, euid: int, global_read_only: bool, demo: bool = False,
            lab: str | None = None) -> str | None:
    """Why this serve command must not start, or None."""
    if allow_actions and euid == 0:
        return ("refusing --allow-actions as root: every browser connection could remove and change "
                "any IPC object as root, with no password. Serve as an unprivileged user, or leave out "
                "--allow-actions (read-only).")
    if allow_actions and global_read_only:
        return "--read-only and --allow-actions contradict each other"
    if demo and (allow_actions or lab is not None):
        return "--demo serves a fixed demonstration snapshot: no actions and no labs"
    return None


def notice(*, host: str, port: int, user: str, uid: int, read_only: bool, lab: str | None) -> list[str]:
    """What the person starting the server must know, one line each."""
    url = f"http://{url_host(host)}:{port}/"
    mode = "read-only" if read_only else "actions ALLOWED (browser users can remove and change objects)"
    lines = [f"serving the app on {url} as {user} (uid {uid}), {mode}."]
    if lab is not None:
        lines.append(f"every connection opens lab {lab!r}: the lab runs its own steps and cleans up when "
                     "the tab closes" + ("; the panels stay read-only." if read_only else "."))
    if is_loopback(host):
        lines.append("there is no password: every local user of this machine can connect and use the app "
                     f"as {user}.")
    else:
        lines.append(f"WARNING: {host} is reachable from other machines and there is no password: anyone "
                     f"who can reach {url} uses the app as {user} (uid {uid}).")
    return lines


def run(args: argparse.Namespace) -> int:
    euid = os.geteuid()
    demo = bool(getattr(args, "demo", False))
    reason = refusal(allow_actions=args.allow_actions, euid=euid, demo=demo, lab=args.lab,
                     global_read_only=getattr(args, "read_only", False))
    if reason is not None:
        print(f"ipcscope: error: {reason}", file=sys.stderr)
        return 2
    if args.lab is not None:
        from ipcscope.labs import LABS

        names = [lab.name for lab in LABS]
        if args.lab not in names:
            print(f"ipcscope: error: no lab named {args.lab!r} (labs: {', '.join(names)})", file=sys.stderr)
            return 2
    if importlib.util.find_spec("textual_serve") is None:
        print(f"ipcscope: error: {INSTALL_HINT}", file=sys.stderr)
        return 1

    from ipcscope.probe.names import NameCache
    from ipcscope.ui.web.server import serve, session_command

    read_only = not args.allow_actions
    user = NameCache().user(euid)
    for line in notice(host=args.host, port=args.port, user=user, uid=euid, read_only=read_only,
                       lab=args.lab):
        print(f"ipcscope: {line}", file=sys.stderr, flush=True)
    command = session_command(read_only=read_only, lab=args.lab, interval=getattr(args, "interval", 1.0),
                              demo=demo)
    title = ("ipcscope" + (" demo" if demo else "") + (f" — lab {args.lab}" if args.lab else "")
             + (" (read-only)" if read_only else ""))
    try:
        serve(command, host=args.host, port=args.port, title=title, loopback=is_loopback(args.host))
    except OSError as error:
        print(f"ipcscope: error: cannot listen on {url_host(args.host)}:{args.port}: "
              f"{error.strerror or error}", file=sys.stderr)
        return 1
    return 0
