"""The Prometheus collector: one reading per scrape, on a private registry.

A custom collector (not Gauge objects set in a loop) yields families built from the reading of the
moment, so an object removed since the last scrape leaves no stale series behind. The registry is
private: none of prometheus_client's default process and platform collectors, whose
`process_*` series would describe the exporter rather than the machine's IPC.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator, Sequence

from prometheus_client.core import Metric
from prometheus_client.registry import Collector, CollectorRegistry

from ipcscope import __version__
from ipcscope.export import catalog
from ipcscope.export.aggregates import add_aggregates
from ipcscope.export.catalog import DEFAULT_MAX_SERIES
from ipcscope.export.per_object import add_per_object
from ipcscope.export.reading import Reading
from ipcscope.export.samples import Samples


def build_samples(readings: Sequence[Reading], *, per_object: bool = False,
                  max_series: int = DEFAULT_MAX_SERIES, seconds: float = 0.0) -> Samples:
    """Every sample of one collection over `readings` (one per IPC namespace)."""
    samples = Samples()
    samples.add(catalog.BUILD_INFO, (__version__,), 1)
    samples.add(catalog.SCRAPE_SECONDS, (), seconds)
    for reading in readings:
        add_aggregates(samples, reading)
    if per_object:
        add_per_object(samples, readings, max_series)
    return samples


class IpcCollector(Collector):
    """Collects `read()` at every scrape: the readings of every namespace there is to export."""

    def __init__(self, read: Callable[[], Sequence[Reading]], *, per_object: bool = False,
                 max_series: int = DEFAULT_MAX_SERIES) -> None:
        self.read = read
        self.per_object = per_object
        self.max_series = max_series

    def collect(self) -> Iterator[Metric]:
        started = time.perf_counter()
        readings = self.read()
        samples = build_samples(readings, per_object=self.per_object, max_series=self.max_series,
                                seconds=time.perf_counter() - started)
        yield from samples.families()


def build_registry(collector: IpcCollector) -> CollectorRegistry:
    """A registry holding only `collector`; registering it does not scan (no auto-describe)."""
    registry = CollectorRegistry(auto_describe=False)
    registry.register(collector)
    return registry

