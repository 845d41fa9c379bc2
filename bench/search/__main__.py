"""Search benchmark: a 100,000-message mailbox in the embedded FTS5 index (the product's
adapter) and, as the baseline measured in the same run, in tantivy.

Prints indexing throughput and p50/p95 latency per query kind for both, and the ratio.

    python -m bench.search --messages 100000
"""

from __future__ import annotations

import argparse
import asyncio
import json
import statistics
import tempfile
import time
from pathlib import Path

from bench.search.corpus import documents, query_words
from services.search.adapters.fts5 import Fts5Index
from shared.mail.query import parse

ACCOUNT = "bench0account"
SEED = 1


def kinds(words: list[str]) -> dict[str, list[tuple[str, str]]]:
    """Per query kind: (product language, tantivy language) pairs."""
    w = iter(words)
    out: dict[str, list[tuple[str, str]]] = {k: [] for k in (
        "word", "3 words", "phrase", "prefix", "OR", "tag", "field")}  # fmt: skip
    for _ in range(len(words) // 10):
        a, b, c = next(w), next(w), next(w)
        out["word"].append((a, a))
        out["3 words"].append((f"{a} {b} {c}", f"{a} {b} {c}"))
        out["phrase"].append((f'"the {a}"', f'"the {a}"'))
        stem = next(w)[:5]
        out["prefix"].append((f"{stem}*", f"{stem}*"))
        d, e = next(w), next(w)
        out["OR"].append((f"{d} OR {e}", f"({d} OR {e})"))
        f = next(w)
        out["tag"].append((f"tag:urgent {f}", f"tags:urgent {f}"))
        g = next(w)
        out["field"].append((f"subject:{g} from:chen", f"subject:{g} sender:chen"))
    return out


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))]


async def bench_fts5(count: int, workload: dict[str, list[tuple[str, str]]]) -> dict[str, float]:
    with tempfile.TemporaryDirectory(prefix="bureau-bench-fts5-") as tmp:
        index = await Fts5Index.open(Path(tmp) / "index.sqlite3")
        start = time.perf_counter()
        for doc in documents(count, ACCOUNT, SEED):
            await index.upsert(doc)
        result = {"index_docs_per_s": count / (time.perf_counter() - start)}
        for kind, queries in workload.items():
            latencies = []
            for ours, _theirs in queries:
                query = parse(ours)
                began = time.perf_counter()
                await index.search(ACCOUNT, query)
                latencies.append(time.perf_counter() - began)
            result[f"{kind} p50 ms"] = statistics.median(latencies) * 1000
            result[f"{kind} p95 ms"] = percentile(latencies, 0.95) * 1000
        await index.close()
    return result


def bench_tantivy(count: int, workload: dict[str, list[tuple[str, str]]]) -> dict[str, float]:
    from bench.search.tantivy_index import TantivyMailbox

    box = TantivyMailbox()
    try:
        start = time.perf_counter()
        box.add(documents(count, ACCOUNT, SEED))
        result = {"index_docs_per_s": count / (time.perf_counter() - start)}
        for kind, queries in workload.items():
            latencies = []
            for _ours, theirs in queries:
                began = time.perf_counter()
                box.search(ACCOUNT, theirs)
                latencies.append(time.perf_counter() - began)
            result[f"{kind} p50 ms"] = statistics.median(latencies) * 1000
            result[f"{kind} p95 ms"] = percentile(latencies, 0.95) * 1000
    finally:
        box.close()
    return result


def main(messages: int, queries: int, with_tantivy: bool = True) -> dict[str, dict[str, float]]:
    workload = kinds(query_words(SEED, queries * 10))
    results = {"fts5": asyncio.run(bench_fts5(messages, workload))}
    if with_tantivy:
        results["tantivy"] = bench_tantivy(messages, workload)
    return results


def cli() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawTextHelpFormatter
    )
    parser.add_argument("--messages", type=int, default=100_000)
    parser.add_argument("--queries", type=int, default=50, help="queries per kind")
    parser.add_argument("--no-tantivy", action="store_true")
    args = parser.parse_args()
    results = main(args.messages, args.queries, not args.no_tantivy)
    fts5, other = results["fts5"], results.get("tantivy")
    print(f"{'measure':<22} {'fts5':>12} {'tantivy':>12} {'fts5/tantivy':>13}")
    for key, value in fts5.items():
        theirs = other.get(key) if other else None
        ratio = f"{value / theirs:13.2f}" if theirs else f"{'':>13}"
        print(f"{key:<22} {value:12.2f} {theirs if theirs is not None else '':>12.2f} {ratio}"
              if theirs is not None else f"{key:<22} {value:12.2f}")  # fmt: skip
    print(json.dumps({"messages": args.messages, **results}))


if __name__ == "__main__":
    cli()
