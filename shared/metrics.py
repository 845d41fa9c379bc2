"""Metrics in the Prometheus text exposition format (version 0.0.4), without a client
library: each service lists its samples, the runtime serves them at `/metrics`."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field


@dataclass(frozen=True)
class Sample:
    name: str
    help: str
    value: float
    kind: str = "gauge"  # or "counter"
    labels: dict[str, str] = field(default_factory=dict)


def render(samples: Iterable[Sample]) -> str:
    lines: list[str] = []
    described: set[str] = set()
    for sample in samples:
        if sample.name not in described:
            lines.append(f"# HELP {sample.name} {sample.help}")
            lines.append(f"# TYPE {sample.name} {sample.kind}")
            described.add(sample.name)
        labels = ",".join(f'{k}="{_escape(v)}"' for k, v in sorted(sample.labels.items()))
        lines.append(f"{sample.name}{{{labels}}} {sample.value}" if labels else
                     f"{sample.name} {sample.value}")  # fmt: skip
    return "\n".join(lines) + "\n"


def _escape(value: str) -> str:
    return value.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n")
