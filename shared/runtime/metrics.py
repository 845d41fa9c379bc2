"""Metrics in the Prometheus text exposition format (version 0.0.4), without a client
library.

One `Registry` per process: the runtime makes it and hands it to every service it
builds, which declares its families on it — counters (`…_total`), gauges and histograms
(`…_seconds`, `…_bytes`), each with a fixed tuple of label names. Values that are only
known on demand (a queue's depth, a backlog's age) are refreshed by the callbacks given
to `on_scrape`, run just before each scrape with a timeout. Label values are bounded: a
family keeps at most `max_series` label sets, and past that counts new ones under
`other` for every label (and says so once in the log), so that neither a bug nor a
client sending odd commands can grow the process or the scrape without end.
"""

from __future__ import annotations

import asyncio
import contextlib
import itertools
import logging
import math
import re
import time
from abc import ABC, abstractmethod
from collections.abc import Awaitable, Callable, Iterable, Iterator, Sequence
from typing import Generic, Self, TypeVar

log = logging.getLogger(__name__)

CONTENT_TYPE = "text/plain; version=0.0.4; charset=utf-8"
OTHER = "other"  # the label value of the series past a family's bound
DEFAULT_MAX_SERIES = 500
# Latency buckets, in seconds, from a fast SQLite read to a slow SMTP session.
LATENCY_BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0)

_NAME = re.compile(r"^[a-zA-Z_:][a-zA-Z0-9_:]*$")
_LABEL = re.compile(r"^[a-zA-Z_][a-zA-Z0-9_]*$")

Labels = tuple[str, ...]
Refresh = Callable[[], Awaitable[None]]


class _Value:
    __slots__ = ("value",)

    def __init__(self) -> None:
        self.value = 0.0


class CounterChild(_Value):
    __slots__ = ()

    def inc(self, amount: float = 1.0) -> None:
        if amount < 0:
            raise ValueError("a counter only goes up")
        self.value += amount


class GaugeChild(_Value):
    __slots__ = ()

    def set(self, value: float) -> None:
        self.value = float(value)

    def inc(self, amount: float = 1.0) -> None:
        self.value += amount

    def dec(self, amount: float = 1.0) -> None:
        self.value -= amount


class HistogramChild:
    __slots__ = ("_bounds", "buckets", "count", "sum")

    def __init__(self, bounds: tuple[float, ...]) -> None:
        self._bounds = bounds
        self.buckets = [0] * len(bounds)  # per bucket, not cumulative; the last is +Inf
        self.sum = 0.0
        self.count = 0

    def observe(self, value: float) -> None:
        for i, bound in enumerate(self._bounds):
            if value <= bound:
                self.buckets[i] += 1
                break
        self.sum += value
        self.count += 1

    @contextlib.contextmanager
    def time(self) -> Iterator[None]:
        """Observe how long the block takes (also when it raises)."""
        start = time.monotonic()
        try:
            yield
        finally:
            self.observe(time.monotonic() - start)


C = TypeVar("C", CounterChild, GaugeChild, HistogramChild)


class _Family(ABC, Generic[C]):
    kind = ""

    def __init__(self, name: str, help: str, labels: Sequence[str], max_series: int) -> None:
        if not _NAME.match(name):
            raise ValueError(f"bad metric name {name!r}")
        for label in labels:
            if not _LABEL.match(label) or label.startswith("__"):
                raise ValueError(f"bad label name {label!r} of {name}")
        self.name = name
        self.help = help
        self.labelnames: Labels = tuple(labels)
        self._max_series = max(1, max_series)
        self._series: dict[Labels, C] = {}
        self._warned = False
        if not self.labelnames:
            self._series[()] = self._child()

    @abstractmethod
    def _child(self) -> C:
        """A new series of this family's kind."""

    def labels(self, **labels: str) -> C:
        """The series of these label values (made on first use)."""
        if set(labels) != set(self.labelnames):
            raise ValueError(f"{self.name} takes labels {self.labelnames}, not {tuple(labels)}")
        key = tuple(str(labels[name]) for name in self.labelnames)
        child = self._series.get(key)
        if child is None:
            if len(self._series) >= self._max_series:
                if not self._warned:
                    log.warning("metric %s: more than %d series; the rest count as %r",
                                self.name, self._max_series, OTHER)  # fmt: skip
                    self._warned = True
                key = tuple(OTHER for _ in self.labelnames)
                child = self._series.get(key)
            if child is None:
                child = self._series[key] = self._child()
        return child

    def declare(self, **values: str | Iterable[str]) -> Self:
        """Make the series of every combination of `values` now, at zero, so that their
        rates exist from the first scrape (a label given one string has that value)."""
        names = list(self.labelnames)
        if set(values) != set(names):
            raise ValueError(f"{self.name} takes labels {self.labelnames}, not {tuple(values)}")
        choices = [[v] if isinstance(v, str) else list(v) for v in (values[n] for n in names)]
        for combination in itertools.product(*choices):
            self.labels(**dict(zip(names, combination, strict=True)))
        return self

    def remove(self, **labels: str) -> None:
        """Forget one series (a value that is no longer known must not stay stale)."""
        self._series.pop(tuple(str(labels[name]) for name in self.labelnames), None)

    def series(self) -> list[tuple[Labels, C]]:
        return sorted(self._series.items())


class Counter(_Family[CounterChild]):
    kind = "counter"

    def __init__(self, name: str, help: str, labels: Sequence[str], max_series: int) -> None:
        if not name.endswith("_total"):
            raise ValueError(f"counter {name} must end in _total")
        super().__init__(name, help, labels, max_series)

    def _child(self) -> CounterChild:
        return CounterChild()

    def inc(self, amount: float = 1.0, **labels: str) -> None:
        self.labels(**labels).inc(amount)


class Gauge(_Family[GaugeChild]):
    kind = "gauge"

    def _child(self) -> GaugeChild:
        return GaugeChild()

    def set(self, value: float, **labels: str) -> None:
        self.labels(**labels).set(value)


class Histogram(_Family[HistogramChild]):
    kind = "histogram"

    def __init__(
        self,
        name: str,
        help: str,
        labels: Sequence[str],
        max_series: int,
        buckets: Sequence[float] = LATENCY_BUCKETS,
    ) -> None:
        if "le" in labels:
            raise ValueError("`le` is the bucket label of a histogram")
        bounds = sorted(float(b) for b in buckets if not math.isinf(b))
        self._bounds = (*bounds, math.inf)
        super().__init__(name, help, labels, max_series)

    def _child(self) -> HistogramChild:
        return HistogramChild(self._bounds)

    def observe(self, value: float, **labels: str) -> None:
        self.labels(**labels).observe(value)

    @property
    def bounds(self) -> tuple[float, ...]:
        return self._bounds


AnyFamily = Counter | Gauge | Histogram
F = TypeVar("F", Counter, Gauge, Histogram)


class Registry:
    """The metric families of one process, and what refreshes them before a scrape."""

    def __init__(self) -> None:
        self._families: dict[str, AnyFamily] = {}
        self._refreshers: list[tuple[str, Refresh]] = []
        self._failing: set[str] = set()  # sources whose last refresh failed: logged once

    def counter(
        self, name: str, help: str, labels: Sequence[str] = (), *,
        max_series: int = DEFAULT_MAX_SERIES,
    ) -> Counter:  # fmt: skip
        return self._add(Counter, Counter(name, help, labels, max_series))

    def gauge(
        self, name: str, help: str, labels: Sequence[str] = (), *,
        max_series: int = DEFAULT_MAX_SERIES,
    ) -> Gauge:  # fmt: skip
        return self._add(Gauge, Gauge(name, help, labels, max_series))

    def histogram(
        self, name: str, help: str, labels: Sequence[str] = (), *,
        buckets: Sequence[float] = LATENCY_BUCKETS, max_series: int = DEFAULT_MAX_SERIES,
    ) -> Histogram:  # fmt: skip
        return self._add(Histogram, Histogram(name, help, labels, max_series, buckets))

    def _add(self, kind: type[F], family: F) -> F:
        """Declare a family; declaring the same one again (two services of one process)
        gives the one declared first."""
        existing = self._families.get(family.name)
        if existing is None:
            self._families[family.name] = family
            return family
        if not isinstance(existing, kind) or existing.labelnames != family.labelnames:
            raise ValueError(f"metric {family.name} declared twice, differently")
        return existing

    def on_scrape(self, name: str, refresh: Refresh) -> None:
        """Run `refresh` before each scrape (it sets gauges that are read on demand)."""
        self._refreshers.append((name, refresh))

    async def collect(self, timeout: float = 2.0) -> str:
        """Refresh (each source at most `timeout` seconds, all at once), then render. A
        source that fails or is slow leaves its gauges as it put them last time."""
        if self._refreshers:
            results = await asyncio.gather(
                *(asyncio.wait_for(refresh(), timeout) for _, refresh in self._refreshers),
                return_exceptions=True,
            )
            for (name, _), result in zip(self._refreshers, results, strict=True):
                if not isinstance(result, BaseException):
                    if name in self._failing:
                        self._failing.discard(name)
                        log.info("metrics: %s refreshed again", name)
                elif name not in self._failing:
                    self._failing.add(name)
                    reason = "timed out" if isinstance(result, TimeoutError) else str(result)
                    log.warning(
                        "metrics: %s not refreshed: %s", name, reason or type(result).__name__
                    )
        return self.render()

    def render(self) -> str:
        lines: list[str] = []
        for name in sorted(self._families):
            family = self._families[name]
            lines.append(f"# HELP {name} {_escape_help(family.help)}")
            lines.append(f"# TYPE {name} {family.kind}")
            if isinstance(family, Histogram):
                lines.extend(_histogram_lines(family))
                continue
            for key, child in family.series():
                lines.append(f"{name}{_labels(family.labelnames, key)} {_number(child.value)}")
        return "\n".join(lines) + "\n"


def _histogram_lines(family: Histogram) -> Iterator[str]:
    name = family.name
    for key, child in family.series():
        cumulative = 0
        for bound, count in zip(family.bounds, child.buckets, strict=True):
            cumulative += count
            le = _labels((*family.labelnames, "le"), (*key, _number(bound)))
            yield f"{name}_bucket{le} {cumulative}"
        labels = _labels(family.labelnames, key)
        yield f"{name}_sum{labels} {_number(child.sum)}"
        yield f"{name}_count{labels} {child.count}"


def _labels(names: Sequence[str], values: Sequence[str]) -> str:
    if not names:
        return ""
    inner = ",".join(f'{n}="{_escape_value(v)}"' for n, v in zip(names, values, strict=True))
    return "{" + inner + "}"


def _number(value: float) -> str:
    if math.isnan(value):
        return "NaN"
    if math.isinf(value):
        return "+Inf" if value > 0 else "-Inf"
    if value.is_integer() and abs(value) < 2**53:
        return str(int(value))
    return repr(value)


def _escape_help(text: str) -> str:
    return text.replace("\\", "\\\\").replace("\n", "\\n")


def _escape_value(value: str) -> str:
    return value.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n")


def bounded(value: str, allowed: frozenset[str] | set[str], default: str = OTHER) -> str:
    """`value` when it is one of `allowed`, else `default`: a label value a client chose
    (a command name, a method) kept to a known set."""
    return value if value in allowed else default
