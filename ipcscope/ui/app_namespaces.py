"""The namespace picker in the app: `n` (and the palette) chooses which IPC namespace is shown.

`AppNamespaces` is a base of IpcScopeApp. The default stays ipcscope's own namespace, exactly as
without containers; the picker (ipcscope.ui.screens.namespaces) lists every namespace with its
name and objects, plus "All namespaces", where every table gains an NS column and the Findings
cover all. Choosing asks the source for another view (its `choose`), and the next snapshot
starts the tables afresh: every row key changes, so nothing should linger or flash as new.

The shell provides: `source`, `snapshot`, `request_poll()`, `kind_view(kind)` and `_scan`.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from textual import work
from textual.app import App, SystemCommand
from textual.binding import Binding, BindingType
from textual.screen import Screen

from ipcscope.model import KINDS, IpcObject, Snapshot

NAMESPACE_BINDINGS: list[BindingType] = [
    Binding("n", "namespaces", "Namespaces", show=False,
            tooltip="Show another IPC namespace (a container's), or all of them", id="app.namespaces"),
]
NAMESPACE_ACTIONS = frozenset({"namespaces"})


def all_namespaces(snapshot: Snapshot | None) -> bool:
    """Whether `snapshot` is the All namespaces view (it covers ipcscope's own among others)."""
    return snapshot is not None and any(ns.own for ns in snapshot.namespaces)


def view_key(snapshot: Snapshot | None) -> str:
    """The picker's key of what `snapshot` shows: "own", "all" or an inode."""
    if snapshot is None or not snapshot.namespaces:
        return "own"
    return "all" if all_namespaces(snapshot) else str(snapshot.namespaces[0].inode)


def view_label(snapshot: Snapshot | None) -> str | None:
    """The header's words for a view other than ipcscope's own namespace; None for that one."""
    if snapshot is None or not snapshot.namespaces:
        return None
    if all_namespaces(snapshot):
        return f"All namespaces ({len(snapshot.namespaces)})"
    return snapshot.namespaces[0].label


class AppNamespaces(App[None]):
    """Base of IpcScopeApp: the `n` key, the picker, the NS column.

    `n` is added to the app's bindings after the shell's own (a lab's "next step" keeps `n` while
    a lab runs: the first binding whose action is allowed wins), and listed in the help and the
    palette only where there is another namespace to show: a live system, not a fixed demo of
    one namespace.
    """

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        keys = self._bindings.key_to_bindings  # a copy of the class's map; its lists are shared
        for binding in Binding.make_bindings(NAMESPACE_BINDINGS):
            keys[binding.key] = [*keys.get(binding.key, ()), binding]

    source: Any
    snapshot: Snapshot | None
    _scan: Any

    def request_poll(self) -> None:  # pragma: no cover - the shell's
        raise NotImplementedError

    def kind_view(self, kind: str) -> Any:  # pragma: no cover - the shell's
        raise NotImplementedError

    _applied_generation = 0

    def on_unmount(self) -> None:
        close = getattr(self.source, "close", None)
        if callable(close):
            close()

    def namespaces_available(self) -> bool:
        """A source that can show other namespaces (a live one; a demo with several)."""
        return callable(getattr(self.source, "choose", None)) and getattr(self.source, "views", True) is not None

    def namespace_label(self) -> str | None:
        return view_label(self.snapshot)

    def get_system_commands(self, screen: Screen) -> Iterable[SystemCommand]:
        yield from super().get_system_commands(screen)
        if self.namespaces_available() and screen is self.screen_stack[0]:
            yield SystemCommand("Namespaces", "Show another IPC namespace (a container's), or all of them "
                                "(key: n)", self.action_namespaces)

    def action_namespaces(self) -> None:
        if not self.namespaces_available():
            self.notify("This view has one IPC namespace only.", severity="warning")
            return
        self._take_census(view_key(self.snapshot))

    @work(thread=True, exclusive=True, group="census", exit_on_error=False, description="list namespaces")
    def _take_census(self, current: str) -> None:
        """Every namespace with its objects, off the UI thread (it enters each one)."""
        try:
            census = self.source.census()
        except Exception as error:  # noqa: BLE001 - said, never fatal
            self.call_from_thread(self.notify, f"Could not list the namespaces: {error}", severity="error")
            return
        from ipcscope.ui.screens.namespaces import NamespacePicker

        self.call_from_thread(self.push_screen, NamespacePicker(census, current=current), self._namespace_chosen)

    def _namespace_chosen(self, selection: str | None) -> None:
        if selection is None or selection == view_key(self.snapshot):
            return
        self.show_namespaces(selection)

    def show_namespaces(self, selection: str) -> None:
        """Show "own", "all" or one namespace inode from the next snapshot on."""
        self.source.choose(selection)
        self._scan = None  # its holders are keyed for the previous view
        self.request_poll()

    def namespaces_before_apply(self, snapshot: Snapshot) -> None:
        """Start the tables afresh when the view changed; keep the NS column's names current."""
        generation = getattr(self.source, "generation", 0)
        names = ({ns.inode: ns.name or str(ns.inode) for ns in snapshot.namespaces}
                 if all_namespaces(snapshot) else None)
        changed = generation != self._applied_generation
        self._applied_generation = generation
        for kind in KINDS:
            table = self.kind_view(kind).table
            if changed or (names is None) != (table.namespace_names is None):
                table.reset(names)
            elif names is not None:
                table.namespace_names = names

    def runner_for(self, target: IpcObject | None) -> Any:
        """Actions on a container's object run in a helper in its namespace; creating from the
        view of one other namespace creates there."""
        runner = super().runner_for(target)  # type: ignore[misc]
        where = self.namespace_of(target)
        if target is None and self.snapshot is not None and self.snapshot.namespaces \
                and not all_namespaces(self.snapshot):
            where = self.snapshot.namespaces[0]
        if where is None:
            return runner
        from ipcscope.actions.runner import InNamespace

        return InNamespace(runner, where)

    def acts_here(self, target: IpcObject) -> bool:
        return self.namespace_of(target) is None

    def namespace_of(self, obj: IpcObject | None) -> Any:
        """The IpcNamespace an object of another namespace belongs to (None for ipcscope's own):
        where its actions must run."""
        if obj is None or obj.ns is None or self.snapshot is None:
            return None
        found = next((ns for ns in self.snapshot.namespaces if ns.inode == obj.ns), None)
        return None if found is None or found.own else found
