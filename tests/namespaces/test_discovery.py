"""Naming and choosing namespaces: cgroup paths of container engines, `--ns` specs."""

from __future__ import annotations

import pytest

from ipcscope.model import IpcNamespace
from ipcscope.probe.namespaces import Discovery, NamespaceNotFound, container_name, parse_inode, resolve

DOCKER_ID = "3f2a9c1b7e4d5a6b7c8d9e0f1a2b3c4d5e6f7a8b9c0d1e2f3a4b5c6d7e8f9a0b"


@pytest.mark.parametrize(("cgroup", "name"), [
    (f"0::/system.slice/docker-{DOCKER_ID}.scope\n", "docker:3f2a9c1b7e4d"),
    (f"12:pids:/docker/{DOCKER_ID}\n0::/\n", "docker:3f2a9c1b7e4d"),
    (f"0::/user.slice/user-1000.slice/user@1000.service/user.slice/libpod-{DOCKER_ID}.scope/container\n",
     "podman:3f2a9c1b7e4d"),
    ("0::/lxc.payload.web/init.scope\n", "lxc:web"),
    ("0::/machine.slice/machine-debian\\x2dtest.scope/payload\n", "machine:debian-test"),
    ("0::/kubepods.slice/kubepods-besteffort.slice/kubepods-besteffort-pod1a2b3c4d_5e6f.slice/"
     f"cri-containerd-{DOCKER_ID}.scope\n", "k8s:pod1a2b3c4d/3f2a9c1b7e4d"),
    (f"0::/kubepods/besteffort/pod1a2b3c4d-5e6f-7081/{DOCKER_ID}\n", "k8s:pod1a2b3c4d/3f2a9c1b7e4d"),
    ("0::/user.slice/user-1000.slice/session-2.scope\n", None),
    ("", None),
])
def test_container_names_from_cgroups(cgroup: str, name: str | None) -> None:
    assert container_name(cgroup) == name


def test_parse_inode() -> None:
    assert parse_inode("ipc:[4026532179]") == 4026532179
    assert parse_inode("mnt:[4026532179]") is None


def _discovery() -> Discovery:
    spaces = (
        IpcNamespace(4026531839, "host", 1, 80, host=True, own=True),
        IpcNamespace(4026532179, "docker:3f2a9c1b7e4d", 4100, 3),
        IpcNamespace(4026532190, "lxc:web", 4200, 2),
        IpcNamespace(4026532191, "postgres", 4300, 1),
    )
    return Discovery(spaces, own=4026531839)


@pytest.mark.parametrize(("spec", "inode"), [
    ("host", 4026531839), ("own", 4026531839), ("4026532179", 4026532179),
    ("ipc:[4026532190]", 4026532190), ("docker:3f2a9c1b7e4d", 4026532179), ("3f2a9c", 4026532179),
    ("web", 4026532190), ("LXC:WEB", 4026532190), ("postgres", 4026532191),
])
def test_resolve_names_inodes_and_words(spec: str, inode: int) -> None:
    chosen = resolve(spec, _discovery())
    assert chosen is not None and [ns.inode for ns in chosen] == [inode]


def test_resolve_all_is_every_namespace() -> None:
    assert resolve("all", _discovery()) is None


def test_resolve_unknown_lists_the_choices() -> None:
    with pytest.raises(NamespaceNotFound, match=r"named 'nope'; there are: ipc:\[4026531839\] \(host\)"):
        resolve("nope", _discovery())
    with pytest.raises(NamespaceNotFound, match="ipc:.4026532999."):
        resolve("4026532999", _discovery())
