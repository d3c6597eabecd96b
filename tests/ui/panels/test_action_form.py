"""The generic action form against real kernel objects (private IPC namespace): validation beside
the field, the live C call, a run checked with the kernel's own view, errno and explanation."""

from __future__ import annotations

import asyncio

import pytest
from textual.widgets import Button, Input

from ipcscope.actions import CreateMsg, CreateShm, MsgSend, SetPerms
from ipcscope.actions.lookup import find_object
from ipcscope.core import keys, msg, shm
from ipcscope.model import ObjectRef
from ipcscope.ui.panels.action_form import ActionForm
from tests.actions.support import proc_sysvipc
from tests.helpers import drop_privileges, run_as_user, unique_key
from tests.ui.panels.harness import LIMITS, DialogApp, text_of

SIZE = (100, 36)


def form_app(action, **kwargs) -> DialogApp:
    kwargs.setdefault("limits", LIMITS)
    return DialogApp(lambda: ActionForm(action, **kwargs))


def note(form: ActionForm, name: str) -> str:
    return text_of(form.query_one(f"#note-{name}"))


def c_call(form: ActionForm) -> str:
    return text_of(form.query_one("#c-call")).removeprefix("C ")


def shm_with_key(key: int) -> int | None:
    with open("/proc/sysvipc/shm") as handle:
        next(handle)
        for line in handle:
            fields = line.split()
            if int(fields[0]) & 0xFFFFFFFF == key:
                return int(fields[1])
    return None


async def test_a_bad_field_says_why_beside_it_and_run_stays_disabled() -> None:
    app = form_app(CreateShm)
    async with app.run_test(size=SIZE) as pilot:
        form = app.screen
        assert isinstance(form, ActionForm)
        assert form.query_one("#run", Button).disabled
        # an untouched required field keeps its hint; the form says what is left to fill in
        assert note(form, "key") == "0x1234, 4660, private or ftok:PATH:ID"
        assert "to fill in: Key" in text_of(form.query_one("#form-problem"))
        await pilot.press(*"0x1234", "tab", "ctrl+u", *"12Q")
        await pilot.pause()
        assert note(form, "size") == "size must be a number of bytes like 4096, 0x1000 or 64K, not '12Q'"
        assert form.query_one("#note-size").has_class("-error")
        assert not form.query_one("#note-key").has_class("-error")
        assert form.query_one("#run", Button).disabled
        assert c_call(form) == "shmget(0x00001234, size, IPC_CREAT|0600)"
        await pilot.press("ctrl+u", *"2G")
        await pilot.pause()
        assert "over the limit of 1073741824 bytes (SHMMAX)" in note(form, "size")


async def test_the_c_call_follows_every_keystroke(tmp_path) -> None:
    app = form_app(CreateShm)
    async with app.run_test(size=SIZE) as pilot:
        form = app.screen
        seen = []
        for key in "4660":
            await pilot.press(key)
            await pilot.pause()
            seen.append(c_call(form))
        assert seen == ["shmget(0x00000004, 4096, IPC_CREAT|0600)", "shmget(0x0000002e, 4096, IPC_CREAT|0600)",
                        "shmget(0x000001d2, 4096, IPC_CREAT|0600)", "shmget(0x00001234, 4096, IPC_CREAT|0600)"]
        # ftok: the form shows the key the kernel will get
        path = tmp_path / "keyfile"
        path.write_text("x")
        form.set_field("key", f"ftok:{path}:7")
        await pilot.pause()
        assert c_call(form) == f"shmget(0x{keys.ftok(str(path), 7):08x}, 4096, IPC_CREAT|0600)"
        form.set_field("exclusive", True)
        form.set_field("mode", "640")
        await pilot.pause()
        assert c_call(form).endswith("IPC_CREAT|IPC_EXCL|0640)")
        assert not form.query_one("#run", Button).disabled


async def test_a_run_creates_what_the_kernel_then_shows_and_the_form_stays_open() -> None:
    key = unique_key()
    app = form_app(CreateShm)
    try:
        async with app.run_test(size=SIZE) as pilot:
            form = app.screen
            form.set_field("key", f"{key:#x}")
            form.set_field("size", "8K")
            form.set_field("mode", "0640")
            await pilot.pause()
            await pilot.click("#run")
            await pilot.pause()
            shmid = shm_with_key(key)
            assert shmid is not None
            row = proc_sysvipc("shm", shmid)
            assert row["size"] == 8192 and row["perms"] & 0o777 == 0o640
            outcome = text_of(form.query_one("#outcome"))
            assert outcome == f"created shm {shmid} (key 0x{key:08x}): 8192 bytes"
            assert form.query_one("#outcome").has_class("-ok")
            assert app.screen is form  # still open to adjust and retry
            assert [type(m.request) for m in app.done] == [CreateShm]
            await pilot.press("escape")
            await pilot.pause()
            assert app.results and app.results[0].ident == shmid
    finally:
        shmid = shm_with_key(key)
        if shmid is not None:
            shm.remove(shmid)


async def test_eexist_with_exclusive_shows_errno_and_explanation() -> None:
    key = unique_key()
    msqid = msg.create(key)
    try:
        app = form_app(CreateMsg)
        async with app.run_test(size=SIZE) as pilot:
            form = app.screen
            form.set_field("key", str(key))
            form.set_field("exclusive", True)
            await pilot.pause()
            await pilot.press("ctrl+r")
            await pilot.pause()
            outcome = text_of(form.query_one("#outcome"))
            assert outcome.startswith("EEXIST: a queue with this key already exists and IPC_EXCL was given")
            assert f"msgget(0x{key:08x}, IPC_CREAT|IPC_EXCL|0600) failed" in outcome
            assert form.query_one("#outcome").has_class("-error")
            # adjust and retry in the same form: without IPC_EXCL it opens the existing queue
            form.set_field("exclusive", False)
            await pilot.pause()
            await pilot.press("ctrl+r")
            await pilot.pause()
            assert f"opened the existing msg {msqid}" in text_of(form.query_one("#outcome"))
    finally:
        msg.remove(msqid)


def test_eacces_for_another_user_shows_errno_and_explanation() -> None:
    """The non-root path: the form's call is made by a child that dropped to nobody (after its
    app started as root: the app reads files of this checkout, which nobody may not read)."""
    msqid = msg.create(unique_key(), mode=0o600)
    try:
        queue = find_object(ObjectRef("msg", msqid))

        async def go() -> tuple[str, int]:
            app = form_app(MsgSend, target=queue)
            async with app.run_test(size=SIZE) as pilot:
                await pilot.pause()  # the form is pushed on mount
                form = app.screen
                form.set_field("data", "hello")
                form.set_field("nowait", True)
                await pilot.pause()
                drop_privileges()
                await pilot.press("ctrl+r")
                await pilot.pause()
                return text_of(form.query_one("#outcome")), len(app.done)

        outcome, done = run_as_user(lambda: asyncio.run(go()), uid=0, gid=0)
        assert outcome.startswith("EACCES: ")
        assert f'msgsnd({msqid}, {{1, "hello"}}, 5, IPC_NOWAIT) failed' in outcome
        assert done == 1
        assert proc_sysvipc("msg", msqid)["qnum"] == 0
    finally:
        msg.remove(msqid)


async def test_target_fields_are_not_asked_again_and_perms_change_in_the_kernel() -> None:
    shmid = shm.create(unique_key(), 4096, mode=0o600)
    try:
        target = find_object(ObjectRef("shm", shmid))
        app = form_app(SetPerms, target=target)
        async with app.run_test(size=SIZE) as pilot:
            form = app.screen
            assert {spec.name for spec in form.specs} == {"mode", "owner", "group"}
            assert text_of(form.query_one("#dialog-target")).startswith(f"shm {shmid} (key ")
            assert isinstance(app.focused, Input) and app.focused.id == "field-mode"
            await pilot.press(*"0644")
            await pilot.pause()
            assert c_call(form) == f"shmctl({shmid}, IPC_SET, {{.shm_perm.mode=0644}})"
            await pilot.press("enter")  # enter in a field runs the form
            await pilot.pause()
            assert proc_sysvipc("shm", shmid)["perms"] & 0o777 == 0o644
    finally:
        shm.remove(shmid)


async def test_escape_closes_with_nothing_run() -> None:
    app = form_app(CreateMsg)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("escape")
        await pilot.pause()
        assert app.results == [None] and app.done == []


@pytest.mark.parametrize("text", ["", "0x", "ftok:/nonexistent/x:1", "\x00", "9" * 60])
async def test_hostile_keys_only_give_messages(text: str) -> None:
    app = form_app(CreateShm)
    async with app.run_test(size=SIZE) as pilot:
        form = app.screen
        form.set_field("key", text)
        await pilot.pause()
        assert form.current.errors.get("key") or text == ""
        assert form.query_one("#run", Button).disabled
