"""Where the metrics go: stdout, a textfile for node_exporter, or an HTTP endpoint.

- textfile: written to a temporary file beside PATH, then renamed over it (rename is atomic), so
  node_exporter's textfile collector never reads half a file; the temporary name does not end in
  .prom, so the collector never picks it up either;
- HTTP: prometheus_client's threaded WSGI server on the address given (its own default would be
  every interface: this module never relies on it).
"""

from __future__ import annotations

import threading
from dataclasses import dataclass
from wsgiref.simple_server import WSGIServer

from prometheus_client import generate_latest, start_http_server, write_to_textfile
from prometheus_client.registry import CollectorRegistry


def exposition(registry: CollectorRegistry) -> bytes:
    """The metrics in Prometheus's text format, as /metrics serves them."""
    return generate_latest(registry)


def write_textfile(path: str, registry: CollectorRegistry) -> None:
    """Collect once and replace `path` atomically; raises OSError when it cannot be written."""
    write_to_textfile(path, registry)


@dataclass
class MetricsServer:
    """A running /metrics endpoint; `port` is the bound one (useful after asking for port 0)."""

    server: WSGIServer
    thread: threading.Thread
    host: str

    @property
    def port(self) -> int:
        return int(self.server.server_port)

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()
        self.thread.join(timeout=5)


def listen(registry: CollectorRegistry, host: str, port: int) -> MetricsServer:
    """Serve `registry` on host:port in a background thread; raises OSError when it cannot bind."""
    server, thread = start_http_server(port, addr=host, registry=registry)
    return MetricsServer(server, thread, host)
