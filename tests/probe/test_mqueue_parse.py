"""Finding an mqueue mount in mountinfo and reading a queue file's status line."""

from __future__ import annotations

from ipcscope.probe.mqueue import find_mqueue_mount, parse_queue_status


def test_type_is_the_first_field_after_the_separator() -> None:
    text = (
        "25 24 0:23 / /dev/shm rw,relatime shared:5 - tmpfs tmpfs rw\n"
        "41 27 0:30 / /mnt/mqueue-not rw shared:9 master:2 - ext4 /dev/vdb rw\n"
        "42 27 0:20 / /run/ipcscope\\040mq rw,relatime shared:7 - mqueue none rw\n"
    )
    assert find_mqueue_mount(text) == "/run/ipcscope mq"


def test_no_mqueue_mount() -> None:
    assert find_mqueue_mount("22 27 0:21 / /proc rw,relatime - proc proc rw\n") is None
    assert find_mqueue_mount("") is None
    assert find_mqueue_mount("garbage without separator\n - \n") is None


def test_status_line_as_the_kernel_prints_it() -> None:
    assert parse_queue_status("QSIZE:24         NOTIFY:0     SIGNO:0     NOTIFY_PID:0     \n") == {
        "qsize": 24, "notify": 0, "signo": 0, "notify_pid": 0}
    assert parse_queue_status("QSIZE:0          NOTIFY:2     SIGNO:12    NOTIFY_PID:10125 \n") == {
        "qsize": 0, "notify": 2, "signo": 12, "notify_pid": 10125}


def test_wide_values_order_and_new_fields_do_not_matter() -> None:
    status = parse_queue_status("NOTIFY_PID:4194304 EXTRA:7 QSIZE:18446744073709551615 NOTIFY:1")
    assert status == {"qsize": 18446744073709551615, "notify": 1, "signo": 0, "notify_pid": 4194304}


def test_unrecognised_status() -> None:
    assert parse_queue_status("") is None
    assert parse_queue_status("NOTIFY:0 SIGNO:0") is None
    assert parse_queue_status("QSIZE:abc") is None
