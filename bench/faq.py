"""FAQ search speed: index build time and per-question latency (p50/p99).

Two corpora: the shipped content (every entry in seven languages), and 10,000 synthetic entries
in seven languages made from the shipped words, weighted by how often the content uses them (so
common words are as common as in real answers) plus a few made-up names per entry (so the
vocabulary grows the way a big FAQ's does). The questions are the paraphrase sets from
``tests/data``, each asked in its own language, run once cold (stem caches empty) and then
repeatedly.

    python bench/faq.py [--entries 10000] [--rounds 20] [--seed 7]
"""

from __future__ import annotations

import argparse
import random
import sys
import time
import tomllib
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bot.faq.content import Entry, FaqContent, Kind, Text, load_content  # noqa: E402
from bot.faq.search import FaqIndex  # noqa: E402
from bot.faq.text import stem, tokens  # noqa: E402

TARGET_SHIPPED_P99_MS = 5.0
TARGET_10K_P99_MS = 25.0


def questions() -> list[tuple[str, str]]:
    found = []
    for name in ("faq_queries.toml", "faq_heldout.toml"):
        with (ROOT / "tests" / "data" / name).open("rb") as handle:
            for locale, rows in tomllib.load(handle).items():
                found += [(locale, query) for query, _ in rows]
    return found


def synthetic(content: FaqContent, count: int, rng: random.Random) -> FaqContent:
    """``count`` entries per language, worded like the shipped ones."""
    words: dict[str, Counter[str]] = {}
    for locale in content.locales:
        counter: Counter[str] = Counter()
        for entry in content.entries.values():
            text = entry.texts[locale]
            counter.update(tokens(" ".join([*text.bodies(), *text.phrasings, *text.keywords])))
        words[locale] = counter
    syllables = ["ka", "ri", "to", "mo", "la", "ne", "su", "vi", "do", "pe", "zu", "xa"]

    def name() -> str:
        return "".join(rng.choice(syllables) for _ in range(rng.randint(3, 4)))

    def sentence(locale: str, length: int, extra: list[str]) -> str:
        vocabulary, weights = zip(*words[locale].items(), strict=True)
        picked = rng.choices(vocabulary, weights=weights, k=length)
        return " ".join(picked + extra)

    base = list(content.entries.values())
    entries: dict[str, Entry] = {}
    for number in range(count):
        model = rng.choice(base)
        names = [name(), name()]
        texts = {
            locale: Text(
                question=sentence(locale, rng.randint(5, 9), names[:1]),
                phrasings=tuple(sentence(locale, rng.randint(4, 8), []) for _ in range(3)),
                keywords=tuple(sentence(locale, rng.randint(1, 2), []) for _ in range(3)),
                answer=sentence(locale, rng.randint(50, 110), names),
                myth=None,
                reality=None,
                steps=(),
            )
            for locale in content.locales
        }
        entry_id = f"synthetic-{number}"
        entries[entry_id] = Entry(entry_id, Kind.FAQ, model.category, (), (), texts)
    return FaqContent(entries, content.categories, content.hints, content.locales)


def measure(index: FaqIndex, asked: list[tuple[str, str]], rounds: int) -> dict[str, float]:
    cold = []
    for locale, query in asked:
        start = time.perf_counter()
        index.search(query, locale, 3)
        cold.append(time.perf_counter() - start)
    warm = []
    for _ in range(rounds):
        for locale, query in asked:
            start = time.perf_counter()
            index.search(query, locale, 3)
            warm.append(time.perf_counter() - start)
    return {
        "cold_p50": percentile(cold, 50),
        "cold_p99": percentile(cold, 99),
        "p50": percentile(warm, 50),
        "p99": percentile(warm, 99),
        "max": max(warm) * 1000,
        "searches": len(warm),
    }


def percentile(samples: list[float], pct: float) -> float:
    ordered = sorted(samples)
    rank = min(len(ordered) - 1, max(0, round(pct / 100 * len(ordered)) - 1))
    return ordered[rank] * 1000


def build(content: FaqContent) -> tuple[FaqIndex, float]:
    stem.cache_clear()
    start = time.perf_counter()
    index = FaqIndex(content, ignored=["TikTok"])
    return index, time.perf_counter() - start


def show(title: str, docs: int, seconds: float, figures: dict[str, float], target: float) -> bool:
    ok = figures["p99"] < target
    print(f"\n{title}: {docs:,} documents (entries x languages)")
    print(f"  index build            {seconds * 1000:10.1f} ms")
    print(
        f"  search p50 / p99       {figures['p50']:7.2f} / {figures['p99']:.2f} ms  "
        f"(target p99 < {target:g} ms: {'met' if ok else 'MISSED'}), max {figures['max']:.2f} ms, "
        f"{int(figures['searches']):,} searches"
    )
    print(f"  first run (cold cache) {figures['cold_p50']:7.2f} / {figures['cold_p99']:.2f} ms")
    return ok


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--entries", type=int, default=10_000)
    parser.add_argument("--rounds", type=int, default=20)
    parser.add_argument("--seed", type=int, default=7)
    args = parser.parse_args()
    asked = questions()
    print(f"{len(asked)} questions in {len({loc for loc, _ in asked})} languages")

    content = load_content()
    index, seconds = build(content)
    docs = len(content.entries) * len(content.locales)
    shipped_ok = show(
        "shipped content", docs, seconds, measure(index, asked, args.rounds), TARGET_SHIPPED_P99_MS
    )

    big = synthetic(content, args.entries, random.Random(args.seed))
    index, seconds = build(big)
    rounds = max(1, args.rounds // 4)
    big_ok = show(
        f"{args.entries:,} synthetic entries",
        args.entries * len(big.locales),
        seconds,
        measure(index, asked, rounds),
        TARGET_10K_P99_MS,
    )
    return 0 if shipped_ok and big_ok else 1


if __name__ == "__main__":
    sys.exit(main())
