"""`--ns` on the action subcommands: the one namespace an action runs in, what it holds there.

The action is validated against that namespace's objects and limits (a semaphore number against
the set *there*), then runs in a helper that joined it (ipcscope.actions.in_namespace).
"""

from __future__ import annotations

import argparse
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from ipcscope.core.errors import ValidationError

if TYPE_CHECKING:
    from ipcscope.actions.limits import ActionLimits
    from ipcscope.cli.ns_option import Chosen
    from ipcscope.model import IpcNamespace, IpcObject, ObjectRef, Snapshot

_ATTRIBUTE = "_action_namespace"


@dataclass
class ActionNamespace:
    chosen: Chosen
    namespace: IpcNamespace
    #: the namespace's objects now (with `ns` set), for targets and the removal plan
    snapshot: Snapshot

    def find(self, ref: ObjectRef) -> IpcObject | None:
        from ipcscope.model import ObjectRef

        return self.snapshot.find(ObjectRef(ref.kind, ref.ident, self.namespace.inode))

    def limits(self) -> ActionLimits:
        from ipcscope.actions.limits import from_limit_rows

        return from_limit_rows(self.namespace.limits)

    def close(self) -> None:
        self.chosen.close()


def action_namespace(args: argparse.Namespace) -> ActionNamespace | None:
    """The namespace of --ns (None: ipcscope's own, the usual path), read once per command."""
    if getattr(args, "ns", None) is None:
        return None
    if hasattr(args, _ATTRIBUTE):
        return getattr(args, _ATTRIBUTE)  # type: ignore[no-any-return]
    from ipcscope.cli.ns_option import chosen

    picked = chosen(args)
    found: ActionNamespace | None = None
    if picked is not None:
        where = picked.single
        if where is None:
            picked.close()
            raise ValidationError("--ns: an action runs in one namespace; name one (see `ipcscope ns`)", "ns")
        snapshot = picked.probe.snapshot([where.inode])
        where = snapshot.namespaces[0]
        if where.unreachable:
            picked.close()
            raise ValidationError(f"--ns: {where.label} is out of reach: {where.unreachable}", "ns")
        found = ActionNamespace(picked, where, snapshot)
    setattr(args, _ATTRIBUTE, found)
    return found


def close(args: argparse.Namespace) -> None:
    found: Any = getattr(args, _ATTRIBUTE, None)
    if found is not None:
        found.close()
