"""A real Prometheus server (Debian's prometheus) scrapes `ipcscope export --listen` and answers
PromQL over its HTTP API with the values planted in the kernel: a task blocked in semop counted
as a waiter, three messages in a System V queue."""

from __future__ import annotations

import re
import sys
import urllib.parse
from pathlib import Path

from tests.export.planted import planted_objects
from tests.export.servers import free_port, http_get, http_json, started, wait_for

CONFIG = """\
global:
  scrape_interval: 1s
  evaluation_interval: 1s
scrape_configs:
  - job_name: ipcscope
    static_configs:
      - targets: ["{target}"]
"""


def _listening_port(log: Path) -> int | None:
    match = re.search(r"serving http://127\.0\.0\.1:(\d+)/metrics", log.read_text())
    return int(match.group(1)) if match else None


def _query(base: str, promql: str) -> list[dict[str, object]] | None:
    answer = http_json(f"{base}/api/v1/query?query={urllib.parse.quote(promql)}")
    if not answer or answer.get("status") != "success":
        return None
    result = answer["data"]["result"]
    return result or None


def _value(result: list[dict[str, object]]) -> float:
    (series,) = result
    return float(series["value"][1])  # type: ignore[index]


def test_prometheus_scrapes_the_planted_values(prometheus_binary: str, tmp_path: Path) -> None:
    export_log = tmp_path / "export.log"
    prometheus_log = tmp_path / "prometheus.log"
    with planted_objects() as planted, open(export_log, "w") as elog, open(prometheus_log, "w") as plog:
        exporter = [sys.executable, "-m", "ipcscope", "export", "--per-object", "--listen", "127.0.0.1:0"]
        with started(exporter, elog):
            port = wait_for(lambda: _listening_port(export_log), 30, "export --listen to start")
            target = f"127.0.0.1:{port}"
            (tmp_path / "prometheus.yml").write_text(CONFIG.format(target=target))
            web = free_port()
            base = f"http://127.0.0.1:{web}"
            server = [prometheus_binary, f"--config.file={tmp_path / 'prometheus.yml'}",
                      f"--storage.tsdb.path={tmp_path / 'data'}", f"--web.listen-address=127.0.0.1:{web}",
                      "--log.level=warn"]
            with started(server, plog):
                wait_for(lambda: http_get(f"{base}/-/ready")[0] == 200, 60,
                         f"Prometheus to be ready ({_tail(prometheus_log)})")
                waiting = wait_for(lambda: _query(base, f'ipcscope_sysv_sem_waiters{{semid="{planted.semid}",'
                                                        'op="decrement"}'), 60, "the semaphore waiter in Prometheus")
                queued = wait_for(lambda: _query(base, f'ipcscope_sysv_msg_queue_messages{{msqid="{planted.msqid}"}}'),
                                  30, "the queued messages in Prometheus")
                total = wait_for(lambda: _query(base, 'sum(ipcscope_waiters{kind="sem", op="decrement"})'), 30,
                                 "the aggregate waiters")
                up = wait_for(lambda: _query(base, f'up{{instance="{target}"}}'), 30, "the target's up")
    assert _value(waiting) == 1
    assert _value(queued) == 3
    assert _value(total) >= 1  # other processes share the machine: at least ours
    assert _value(up) == 1
    (series,) = waiting
    assert series["metric"]["job"] == "ipcscope"  # type: ignore[index]


def _tail(path: Path, lines: int = 5) -> str:
    text = path.read_text() if path.exists() else ""
    return " | ".join(text.splitlines()[-lines:])

