"""The metrics library renders what a Prometheus server scrapes, keeps label sets
bounded, and refreshes on-demand values before a scrape without waiting on a slow one."""

from __future__ import annotations

import asyncio

import pytest

from shared.runtime.metrics import OTHER, Registry
from tests.prometheus import FormatError, parse, value


def test_counters_gauges_and_histograms_render_as_prometheus_text() -> None:
    registry = Registry()
    replies = registry.counter("bureau_x_replies_total", "Replies by code", ("code",))
    replies.inc(code="250")
    replies.inc(2, code="250")
    replies.inc(code="550")
    depth = registry.gauge("bureau_x_depth", "Queue depth")
    depth.set(7)
    latency = registry.histogram("bureau_x_seconds", "Latency", ("op",), buckets=(0.1, 1.0))
    for seconds in (0.05, 0.5, 0.5, 3.0):
        latency.observe(seconds, op="read")

    families = parse(registry.render())
    assert families["bureau_x_replies_total"].type == "counter"
    assert families["bureau_x_replies_total"].help == "Replies by code"
    assert value(families, "bureau_x_replies_total", code="250") == 3
    assert value(families, "bureau_x_replies_total", code="550") == 1
    assert value(families, "bureau_x_depth") == 7
    assert families["bureau_x_seconds"].type == "histogram"
    assert value(families, "bureau_x_seconds_bucket", op="read", le="0.1") == 1
    assert value(families, "bureau_x_seconds_bucket", op="read", le="1") == 3
    assert value(families, "bureau_x_seconds_bucket", op="read", le="+Inf") == 4
    assert value(families, "bureau_x_seconds_count", op="read") == 4
    assert value(families, "bureau_x_seconds_sum", op="read") == pytest.approx(4.05)


def test_label_values_are_escaped() -> None:
    registry = Registry()
    odd = 'a "quoted"\\ value\nover two lines'
    registry.counter("bureau_x_total", "Help with a \\ and a\nnewline", ("what",)).inc(what=odd)
    families = parse(registry.render())
    assert value(families, "bureau_x_total", what=odd) == 1
    assert families["bureau_x_total"].help == "Help with a \\ and a\nnewline"


def test_series_past_the_bound_are_counted_as_other() -> None:
    registry = Registry()
    commands = registry.counter("bureau_x_total", "By command", ("command",), max_series=3)
    for name in ("A", "B", "C", "D", "E", "A"):
        commands.inc(command=name)
    families = parse(registry.render())
    by_label = {s.labels["command"]: s.value for s in families["bureau_x_total"].samples}
    assert by_label == {"A": 2, "B": 1, "C": 1, OTHER: 2}


def test_declaring_a_family_twice_gives_the_same_one() -> None:
    registry = Registry()
    first = registry.counter("bureau_x_total", "One", ("a",))
    assert registry.counter("bureau_x_total", "One", ("a",)) is first
    with pytest.raises(ValueError):
        registry.counter("bureau_x_total", "One", ("b",))
    with pytest.raises(ValueError):
        registry.gauge("bureau_x_total", "One", ("a",))


def test_conventions_are_enforced() -> None:
    registry = Registry()
    with pytest.raises(ValueError):
        registry.counter("bureau_x", "A counter without _total")
    with pytest.raises(ValueError):
        registry.gauge("bureau x", "A space")
    with pytest.raises(ValueError):
        registry.histogram("bureau_x_seconds", "le is reserved", ("le",))
    counter = registry.counter("bureau_x_total", "Up only")
    with pytest.raises(ValueError):
        counter.inc(-1)
    with pytest.raises(ValueError):
        counter.inc(code="250")  # no such label


async def test_scrape_refreshes_and_a_slow_source_does_not_hold_it() -> None:
    registry = Registry()
    depth = registry.gauge("bureau_x_depth", "Refreshed at scrape time")
    stuck = registry.gauge("bureau_x_stuck", "Its source never answers")
    stuck.set(1)

    async def refresh() -> None:
        depth.set(depth.labels().value + 1)

    async def never() -> None:
        await asyncio.Event().wait()

    registry.on_scrape("depth", refresh)
    registry.on_scrape("stuck", never)
    started = asyncio.get_running_loop().time()
    families = parse(await registry.collect(timeout=0.2))
    assert asyncio.get_running_loop().time() - started < 2
    assert value(families, "bureau_x_depth") == 1
    assert value(families, "bureau_x_stuck") == 1  # what it had
    assert value(parse(await registry.collect(timeout=0.2)), "bureau_x_depth") == 2


def test_the_test_parser_refuses_what_prometheus_would() -> None:
    with pytest.raises(FormatError):
        parse("bureau_x_total 1\n")  # no TYPE
    with pytest.raises(FormatError):
        parse("# TYPE bureau_x counter\nbureau_x 1")  # no final line feed
    with pytest.raises(FormatError):
        parse("# TYPE bureau_x counter\nbureau_x{a=b} 1\n")  # unquoted label value
    with pytest.raises(FormatError):
        parse(
            '# TYPE h histogram\nh_bucket{le="1"} 3\nh_bucket{le="+Inf"} 2\nh_sum 1\nh_count 2\n'
        )  # buckets not cumulative
    with pytest.raises(FormatError):
        parse('# TYPE a gauge\na 1\n# TYPE b gauge\nb 1\na{x="1"} 2\n')  # a split


def test_declare_makes_every_combination_at_zero() -> None:
    registry = Registry()
    family = registry.counter("bureau_t_total", "t", ("kind", "result")).declare(
        kind=("sms", "fax"), result=("sent", "failed")
    )
    assert sorted(labels for labels, _ in family.series()) == [
        ("fax", "failed"), ("fax", "sent"), ("sms", "failed"), ("sms", "sent"),
    ]  # fmt: skip
    assert all(child.value == 0 for _, child in family.series())
    one = registry.gauge("bureau_t", "t", ("protocol", "result")).declare(
        protocol="imap", result=["ok"]
    )
    assert [labels for labels, _ in one.series()] == [("imap", "ok")]
