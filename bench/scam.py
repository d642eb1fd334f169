"""Throughput of the scam detector: messages per second on one core, and latency percentiles.

    python bench/scam.py [--rounds 3]

Scans every message of the UCI SMS collection (tests/data/uci-sms-spam-collection.jsonl, 5,172
real messages) in one process pinned to one CPU, after compiling the phrase lists once. Times
are CPU time of this thread (what one core spends on the scans, whatever else the machine runs),
with wall-clock figures beside them: on a shared machine the wall clock also counts the time
other processes held the core. Target: >= 5,000 messages/s.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import time
from pathlib import Path

from bot.brand import default_brand
from bot.scam import prepare, scan

DATA = Path(__file__).resolve().parent.parent / "tests" / "data" / "uci-sms-spam-collection.jsonl"
TARGET = 5000


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args()
    if hasattr(os, "sched_setaffinity"):
        os.sched_setaffinity(0, {sorted(os.sched_getaffinity(0))[0]})
    with DATA.open(encoding="utf-8") as handle:
        texts = [json.loads(line)["text"] for line in handle if line.strip()]
    brand = default_brand()
    started = time.perf_counter()
    prepare(brand)
    print(f"phrase lists compiled in {time.perf_counter() - started:.2f}s")
    for text in texts[:500]:  # warm caches, as a running bot would be
        scan(text, locale="en", brand=brand)
    cpu_latencies: list[float] = []
    wall_latencies: list[float] = []
    cpu_rates, wall_rates = [], []
    for _ in range(args.rounds):
        cpu_start, wall_start = time.thread_time(), time.perf_counter()
        for text in texts:
            cpu, wall = time.thread_time(), time.perf_counter()
            scan(text, locale="en", brand=brand)
            cpu_latencies.append(time.thread_time() - cpu)
            wall_latencies.append(time.perf_counter() - wall)
        cpu_rates.append(len(texts) / (time.thread_time() - cpu_start))
        wall_rates.append(len(texts) / (time.perf_counter() - wall_start))
    print(f"{len(texts)} messages x {args.rounds} rounds on one core")
    for name, rates, latencies in (
        ("cpu time", cpu_rates, cpu_latencies),
        ("wall clock", wall_rates, wall_latencies),
    ):
        latencies.sort()
        p99 = latencies[int(len(latencies) * 0.99)]
        print(
            f"{name:>10}: {statistics.median(rates):>7,.0f} messages/s (median round), "
            f"per message p50 {statistics.median(latencies) * 1e6:.0f} µs, "
            f"p99 {p99 * 1e6:.0f} µs, max {latencies[-1] * 1e3:.2f} ms"
        )
    met = statistics.median(cpu_rates) >= TARGET
    print(f"target >= {TARGET:,} messages/s on one core: {'met' if met else 'NOT met'}")


if __name__ == "__main__":
    main()
