"""Samples gathered during one collection, turned into metric families at the end.

Families are made fresh at every scrape from the reading of that moment, so an object removed
since the last scrape simply has no sample: nothing is left to go stale.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence

from prometheus_client.core import GaugeMetricFamily

from ipcscope.export.catalog import METRICS, MetricSpec

Labels = tuple[str, ...]
Sample = tuple[MetricSpec, Labels, float]


class Samples:
    """Values by metric, each with its label values in the metric's label order."""

    def __init__(self) -> None:
        self._by_name: dict[str, list[tuple[Labels, float]]] = {}

    def add(self, spec: MetricSpec, labels: Sequence[str], value: float) -> None:
        if len(labels) != len(spec.labels):
            raise ValueError(f"{spec.name} takes labels {spec.labels}, got {tuple(labels)}")
        self._by_name.setdefault(spec.name, []).append((tuple(labels), float(value)))

    def extend(self, samples: Sequence[Sample]) -> None:
        for spec, labels, value in samples:
            self.add(spec, labels, value)

    def families(self) -> Iterator[GaugeMetricFamily]:
        """One gauge family per metric that has samples, in the catalog's order."""
        for spec in METRICS:
            values = self._by_name.get(spec.name)
            if not values:
                continue
            family = GaugeMetricFamily(spec.name, spec.help, labels=list(spec.labels))
            for labels, value in values:
                family.add_metric(list(labels), value)
            yield family
