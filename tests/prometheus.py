"""A strict reader of the Prometheus text exposition format (0.0.4) for tests, written
from the format's description and sharing no code with `shared.runtime.metrics`: what it accepts
is what a Prometheus server would scrape."""

from __future__ import annotations

import math
import re
from dataclasses import dataclass, field

TYPES = {"counter", "gauge", "histogram", "summary", "untyped"}
_NAME = r"[a-zA-Z_:][a-zA-Z0-9_:]*"
_SAMPLE = re.compile(rf"^({_NAME})(\{{.*\}})?\s+(\S+)(\s+-?\d+)?$")
_LABEL = re.compile(r'\s*([a-zA-Z_][a-zA-Z0-9_]*)\s*=\s*"((?:[^"\\]|\\.)*)"\s*(,|$)')
_ESCAPES = {"\\\\": "\\", '\\"': '"', "\\n": "\n"}


class FormatError(ValueError):
    pass


@dataclass(frozen=True)
class Sample:
    name: str
    labels: dict[str, str]
    value: float


@dataclass
class Family:
    name: str
    type: str = "untyped"
    help: str = ""
    samples: list[Sample] = field(default_factory=list)


def parse(text: str) -> dict[str, Family]:
    if text and not text.endswith("\n"):
        raise FormatError("the last line must end with a line feed")
    families: dict[str, Family] = {}
    current: Family | None = None
    finished: set[str] = set()
    seen: set[tuple[str, tuple[tuple[str, str], ...]]] = set()
    for number, line in enumerate(text.split("\n")[:-1], 1):
        if not line.strip():
            continue
        if line.startswith("#"):
            current = _comment(line, number, families, finished, current)
            continue
        sample = _sample(line, number)
        family = _family_of(sample.name, families)
        if family is None:
            raise FormatError(f"line {number}: {sample.name} has no TYPE line before it")
        if current is not family:
            if family.name in finished:
                raise FormatError(f"line {number}: samples of {family.name} are not together")
            if current is not None:
                finished.add(current.name)
            current = family
        key = (sample.name, tuple(sorted(sample.labels.items())))
        if key in seen:
            raise FormatError(f"line {number}: {sample.name}{sample.labels} twice")
        seen.add(key)
        family.samples.append(sample)
    for family in families.values():
        _check(family)
    return families


def _comment(
    line: str, number: int, families: dict[str, Family], finished: set[str],
    current: Family | None,
) -> Family | None:  # fmt: skip
    parts = line.split(None, 3)
    if len(parts) < 3 or parts[1] not in ("HELP", "TYPE"):
        return current  # a plain comment
    keyword, name = parts[1], parts[2]
    rest = parts[3] if len(parts) > 3 else ""
    if not re.fullmatch(_NAME, name):
        raise FormatError(f"line {number}: bad metric name {name!r}")
    family = families.get(name)
    if family is None:
        family = families[name] = Family(name)
    elif family.samples or name in finished:
        raise FormatError(f"line {number}: {keyword} of {name} after its samples")
    if keyword == "TYPE":
        if rest not in TYPES:
            raise FormatError(f"line {number}: unknown type {rest!r}")
        family.type = rest
    else:
        family.help = rest.replace("\\n", "\n").replace("\\\\", "\\")
    if current is not None and current is not family:
        finished.add(current.name)
    return family


def _sample(line: str, number: int) -> Sample:
    match = _SAMPLE.match(line)
    if match is None:
        raise FormatError(f"line {number}: not a sample: {line!r}")
    name, braces, raw = match.group(1), match.group(2), match.group(3)
    labels: dict[str, str] = {}
    if braces:
        inner, position = braces[1:-1], 0
        while position < len(inner):
            found = _LABEL.match(inner, position)
            if found is None:
                raise FormatError(f"line {number}: bad labels {braces!r}")
            label = found.group(1)
            if label in labels:
                raise FormatError(f"line {number}: label {label} twice")
            labels[label] = re.sub(r"\\.", lambda m: _ESCAPES.get(m.group(0), m.group(0)),
                                   found.group(2))  # fmt: skip
            position = found.end()
    try:
        value = float(raw)
    except ValueError as exc:
        raise FormatError(f"line {number}: bad value {raw!r}") from exc
    return Sample(name, labels, value)


def _family_of(sample: str, families: dict[str, Family]) -> Family | None:
    if sample in families and families[sample].type not in ("histogram",):
        return families[sample]
    for suffix in ("_bucket", "_sum", "_count"):
        base = sample.removesuffix(suffix)
        if base != sample and base in families:
            kind = families[base].type
            if kind == "histogram" or (kind == "summary" and suffix != "_bucket"):
                return families[base]
    return None


def _check(family: Family) -> None:
    if family.type == "counter":
        for sample in family.samples:
            if sample.value < 0 or math.isnan(sample.value):
                raise FormatError(f"counter {family.name} at {sample.value}")
    if family.type != "histogram":
        return
    series: dict[tuple[tuple[str, str], ...], dict[str, object]] = {}
    for sample in family.samples:
        labels = {k: v for k, v in sample.labels.items() if k != "le"}
        entry = series.setdefault(tuple(sorted(labels.items())), {"buckets": []})
        if sample.name.endswith("_bucket"):
            if "le" not in sample.labels:
                raise FormatError(f"{sample.name} without le")
            entry["buckets"].append((float(sample.labels["le"]), sample.value))  # type: ignore[attr-defined]
        else:
            entry[sample.name.rsplit("_", 1)[1]] = sample.value
    for key, entry in series.items():
        buckets: list[tuple[float, float]] = entry["buckets"]  # type: ignore[assignment]
        bounds = [b for b, _ in buckets]
        counts = [c for _, c in buckets]
        if not buckets or bounds[-1] != math.inf or bounds != sorted(bounds):
            raise FormatError(f"{family.name}{dict(key)}: buckets must rise to +Inf")
        if counts != sorted(counts):
            raise FormatError(f"{family.name}{dict(key)}: buckets are not cumulative")
        if entry.get("count") != counts[-1] or "sum" not in entry:
            raise FormatError(f"{family.name}{dict(key)}: _count and _sum must match +Inf")


def value(families: dict[str, Family], name: str, **labels: str) -> float:
    """The sum of the samples named `name` whose labels include `labels` (0 if none)."""
    base = name
    for suffix in ("_bucket", "_sum", "_count"):
        if name.endswith(suffix) and name.removesuffix(suffix) in families:
            base = name.removesuffix(suffix)
    family = families.get(base)
    if family is None:
        raise KeyError(f"no family {base}")
    return sum(
        s.value
        for s in family.samples
        if s.name == name and all(s.labels.get(k) == v for k, v in labels.items())
    )
