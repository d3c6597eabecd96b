"""The namespace picker in the app: `n` (and the palette) chooses which IPC namespace is shown.

`AppNamespaces` is a base of IpcScopeApp. The default stays ipcscope's own namespace, exactly as
without containers; the picker (ipcscope.ui.screens.namespaces) lists every namespace with its
name and objects, plus "All namespaces", where every table gains an NS column and the Findings
cover all. Choosing asks the source for another view (its `choose`), and the next snapshot
starts the tables afresh: every row key changes, so nothing should linger or flash as new.

What it needs of the app shell is `shell` (ui.shell.Shell); it tells AppPanels, through the
shell, where an action must run (`action_namespace`). The census is taken in a thread worker and
comes back as a message (ui.messages).
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import TYPE_CHECKING, Any

from textual import work
from textual.app import App, SystemCommand
from textual.binding import Binding, BindingType
from textual.screen import Screen
from textual.worker import get_current_worker

from ipcscope.model import KINDS, IpcNamespace, IpcObject, Snapshot
from ipcscope.ui.data.sources import LiveSource, NamespaceSource, view_generation
from ipcscope.ui.messages import CensusFailed, CensusTaken
from ipcscope.ui.widgets.kind_view import KindView

if TYPE_CHECKING:
    from ipcscope.ui.shell import Shell

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
    """Base of IpcScopeApp: the `n` key, the picker, the NS column; what it needs of the app shell
    is `shell` (ui.shell.Shell).

    `n` is added to the app's bindings after the shell's own (a lab's "next step" keeps `n` while
    a lab runs: the first binding whose action is allowed wins), and listed in the help and the
    palette only where there is another namespace to show: a live system, not a fixed demo of
    one namespace.
    """

    shell: Shell
    _applied_generation = 0

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        keys = self._bindings.key_to_bindings  # a copy of the class's map; its lists are shared
        for binding in Binding.make_bindings(NAMESPACE_BINDINGS):
            keys[binding.key] = [*keys.get(binding.key, ()), binding]

    def on_unmount(self) -> None:
        source = self.shell.source
        if isinstance(source, LiveSource):
            source.close()  # its namespace readers hold their namespaces alive

    def _namespace_source(self) -> NamespaceSource | None:
        """The source, when it can show other namespaces (a live one; a demo with several)."""
        source = self.shell.source
        return source if isinstance(source, NamespaceSource) and source.offers_namespaces else None

    def namespaces_available(self) -> bool:
        return self._namespace_source() is not None

    def namespace_label(self) -> str | None:
        return view_label(self.shell.snapshot)

    def get_system_commands(self, screen: Screen[Any]) -> Iterable[SystemCommand]:
        yield from super().get_system_commands(screen)
        if self.namespaces_available() and screen is self.screen_stack[0]:
            yield SystemCommand("Namespaces", "Show another IPC namespace (a container's), or all of them "
                                "(key: n)", self.action_namespaces)

    def action_namespaces(self) -> None:
        source = self._namespace_source()
        if source is None:
            self.notify("This view has one IPC namespace only.", severity="warning")
            return
        self._take_census(source, view_key(self.shell.snapshot))

    @work(thread=True, exclusive=True, group="census", exit_on_error=False, description="list namespaces")
    def _take_census(self, source: NamespaceSource, current: str) -> None:
        """Every namespace with its objects, off the UI thread (it enters each one)."""
        worker = get_current_worker()
        try:
            census = source.census()
        except Exception as error:  # noqa: BLE001 - said, never fatal
            self.post_message(CensusFailed(f"Could not list the namespaces: {error}"))
            return
        if not worker.is_cancelled:
            self.post_message(CensusTaken(census, current))

    def on_census_taken(self, message: CensusTaken) -> None:
        from ipcscope.ui.screens.namespaces import NamespacePicker

        self.push_screen(NamespacePicker(message.census, current=message.current), self._namespace_chosen)

    def on_census_failed(self, message: CensusFailed) -> None:
        self.notify(message.error, severity="error")

    def _namespace_chosen(self, selection: str | None) -> None:
        if selection is None or selection == view_key(self.shell.snapshot):
            return
        self.show_namespaces(selection)

    def show_namespaces(self, selection: str) -> None:
        """Show "own", "all" or one namespace inode from the next snapshot on."""
        source = self._namespace_source()
        if source is None:
            return
        source.choose(selection)
        self.shell.forget_scan()  # its holders are keyed for the previous view
        self.shell.request_poll()

    def namespaces_before_apply(self, snapshot: Snapshot) -> None:
        """Start the tables afresh when the view changed; keep the NS column's names current."""
        generation = view_generation(self.shell.source)
        names = ({ns.inode: ns.name or str(ns.inode) for ns in snapshot.namespaces}
                 if all_namespaces(snapshot) else None)
        changed = generation != self._applied_generation
        self._applied_generation = generation
        for kind in KINDS:
            # as it is: kind_view() would first bring a hidden view up to date, for nothing
            table = self.query_one(f"#kind-{kind}", KindView).table
            if changed or (names is None) != (table.namespace_names is None):
                table.reset(names)
            elif names is not None:
                table.namespace_names = names

    def action_namespace(self, target: IpcObject | None) -> IpcNamespace | None:
        """Actions on a container's object run in a helper in its namespace; creating from the
        view of one other namespace creates there."""
        snapshot = self.shell.snapshot
        if target is None and snapshot is not None and snapshot.namespaces and not all_namespaces(snapshot):
            return snapshot.namespaces[0]
        return self.namespace_of(target)

    def namespace_of(self, obj: IpcObject | None) -> IpcNamespace | None:
        """The IpcNamespace an object of another namespace belongs to (None for ipcscope's own):
        where its actions must run."""
        snapshot = self.shell.snapshot
        if obj is None or obj.ns is None or snapshot is None:
            return None
        found = next((ns for ns in snapshot.namespaces if ns.inode == obj.ns), None)
        return None if found is None or found.own else found
