"""Reading an exposition back: metric samples by name and labels, as Prometheus would store them."""

from __future__ import annotations

from collections.abc import Mapping

from prometheus_client.parser import text_string_to_metric_families

from ipcscope.export.collector import IpcCollector, build_registry
from ipcscope.export.output import exposition
from ipcscope.export.reading import Reader

Series = dict[tuple[str, frozenset[tuple[str, str]]], float]


def parse(text: str) -> Series:
    series: Series = {}
    for family in text_string_to_metric_families(text):
        for sample in family.samples:
            series[(sample.name, frozenset(sample.labels.items()))] = sample.value
    return series


def value(series: Series, metric: str, /, **labels: str) -> float | None:
    """The one sample of `metric` whose labels include `labels`; None when there is none."""
    found = [v for (n, ls), v in series.items() if n == metric and set(labels.items()) <= ls]
    assert len(found) <= 1, f"{metric}{labels} matches {len(found)} series"
    return found[0] if found else None


def names(series: Mapping[tuple[str, frozenset[tuple[str, str]]], float]) -> set[str]:
    return {name for name, _ in series}


def scrape_once(per_object: bool = False, max_series: int = 1000, stuck_after: float = 60.0) -> Series:
    """One real collection of this machine, through the same registry `ipcscope export` uses."""
    registry = build_registry(IpcCollector(Reader(stuck_after=stuck_after).read, per_object=per_object,
                                           max_series=max_series))
    return parse(exposition(registry).decode())
