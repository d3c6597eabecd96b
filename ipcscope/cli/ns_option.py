"""`--ns all|host|PID|INODE|NAME`: which IPC namespaces a command reads or acts in.

Without it (or when it names ipcscope's own namespace) every command runs exactly as it always
did. Otherwise `chosen()` resolves it against the namespaces found now: a `Chosen` holding the
probe (close it when done: its readers keep their namespaces alive) and the inodes (None: all).
"""

from __future__ import annotations

import argparse
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from ipcscope.core.errors import ValidationError

if TYPE_CHECKING:
    from ipcscope.model import IpcNamespace
    from ipcscope.probe.ns_snapshot import NamespaceProbe

HELP = ("IPC namespace(s): all, host, a pid, an inode, or a container or command name "
        "(default: ipcscope's own; see `ipcscope ns`)")


def add_ns_option(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--ns", metavar="NS", default=None, help=HELP)


@dataclass
class Chosen:
    """The namespaces `--ns` named, and the probe that reads them."""

    probe: NamespaceProbe
    #: None: every namespace
    inodes: list[int] | None
    namespaces: list[IpcNamespace]

    @property
    def single(self) -> IpcNamespace | None:
        """The one namespace chosen, or None for several."""
        return self.namespaces[0] if self.inodes is not None and len(self.namespaces) == 1 else None

    def close(self) -> None:
        self.probe.close()

    def __enter__(self) -> Chosen:
        return self

    def __exit__(self, *exc_info: Any) -> None:
        self.close()


def chosen(args: argparse.Namespace) -> Chosen | None:
    """The namespaces `--ns` names, or None for ipcscope's own (the command's usual path).
    ValidationError (exit 2) when it names nothing, with the namespaces there are."""
    spec = getattr(args, "ns", None)
    if spec is None:
        return None
    from ipcscope.probe.namespaces import NamespaceNotFound, resolve
    from ipcscope.probe.ns_snapshot import NamespaceProbe

    probe = NamespaceProbe()
    discovery = probe.discover()
    try:
        found = resolve(spec, discovery)
    except NamespaceNotFound as error:
        probe.close()
        raise ValidationError(f"--ns: {error}", "ns") from None
    if found is not None and len(found) == 1 and found[0].own:
        probe.close()
        return None
    inodes = None if found is None else [ns.inode for ns in found]
    return Chosen(probe, inodes, list(discovery.namespaces) if found is None else found)
