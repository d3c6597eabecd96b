"""Every lab, in the order `ipcscope lab list` and the Labs screen show them."""

from __future__ import annotations

from ipcscope.labs.catalog import (
    deadlock,
    fifo_rendezvous,
    limits,
    message_types,
    pipe_parent_child,
    posix_mq,
    posix_semaphore_shm,
    producer_consumer,
    semaphore_lock,
    shm_server_client,
    socketpair_duplex,
    tcp_local,
    unix_socket_echo,
)
from ipcscope.labs.lab import Lab

LABS: tuple[Lab, ...] = (
    shm_server_client.LAB,
    message_types.LAB,
    semaphore_lock.LAB,
    producer_consumer.LAB,
    deadlock.LAB,
    posix_mq.LAB,
    posix_semaphore_shm.LAB,
    limits.LAB,
    pipe_parent_child.LAB,
    fifo_rendezvous.LAB,
    unix_socket_echo.LAB,
    socketpair_duplex.LAB,
    tcp_local.LAB,
)


def lab_names() -> list[str]:
    return [lab.name for lab in LABS]


def get_lab(name: str) -> Lab:
    """The lab called `name`; KeyError naming the known labs otherwise."""
    for lab in LABS:
        if lab.name == name:
            return lab
    raise KeyError(f"no lab named {name!r}; labs: {', '.join(lab_names())}")
