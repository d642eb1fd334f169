"""Precision and recall of the scam detector on the labelled corpus, and false alarms on real chat.

    python bench/scam_eval.py [--errors tune|holdout|all] [--strict]

A message counts as detected when the verdict is ``scam`` or ``suspicious`` (``--strict``: only
``scam``). The corpus (tests/data/scam_corpus.jsonl) has a ``tune`` part, used while writing the
rules, and a ``holdout`` part that was not; figures are printed for both. The two public sets
measure false alarms on ordinary chat (ham flagged) and recall on generic spam, which is not
coin scams and has no target.
"""

from __future__ import annotations

import argparse
import json
from collections import defaultdict
from pathlib import Path

from bot.brand import default_brand
from bot.scam import scan

DATA = Path(__file__).resolve().parent.parent / "tests" / "data"
TARGET_PRECISION = 0.97
TARGET_RECALL = 0.95


def load(name: str) -> list[dict[str, str]]:
    with (DATA / name).open(encoding="utf-8") as handle:
        return [json.loads(line) for line in handle if line.strip()]


class Tally:
    def __init__(self) -> None:
        self.tp = self.fp = self.fn = self.tn = 0

    def add(self, is_scam: bool, flagged: bool) -> None:
        if is_scam and flagged:
            self.tp += 1
        elif is_scam:
            self.fn += 1
        elif flagged:
            self.fp += 1
        else:
            self.tn += 1

    @property
    def precision(self) -> float:
        return self.tp / (self.tp + self.fp) if self.tp + self.fp else 1.0

    @property
    def recall(self) -> float:
        return self.tp / (self.tp + self.fn) if self.tp + self.fn else 1.0

    def row(self, name: str) -> str:
        return (
            f"{name:<10} {self.tp + self.fn:>5} {self.fp + self.tn:>6} "
            f"{self.precision:>9.3f} {self.recall:>7.3f}   fp={self.fp} fn={self.fn}"
        )


def evaluate_corpus(strict: bool, show_errors: str | None) -> dict[str, Tally]:
    brand = default_brand()
    tallies: dict[str, Tally] = defaultdict(Tally)
    errors = []
    for row in load("scam_corpus.jsonl"):
        verdict = scan(row["text"], locale="en", brand=brand)
        flagged = verdict.verdict == "scam" if strict else verdict.flagged
        is_scam = row["label"] == "scam"
        for key in (f"{row['split']}:{row['lang']}", row["split"], "all", f"all:{row['lang']}"):
            tallies[key].add(is_scam, flagged)
        if is_scam != flagged and show_errors in (row["split"], "all"):
            errors.append((row, verdict))
    for row, verdict in errors:
        print(
            f"  {row['id']:<12} {row['label']:<6} got {verdict.verdict:<10} {verdict.score:.2f} "
            f"{verdict.codes} {verdict.about}\n      {row['text']}"
        )
    return tallies


def print_corpus(tallies: dict[str, Tally], strict: bool) -> None:
    what = "verdict scam" if strict else "verdict scam or suspicious"
    print(f"Labelled corpus — detected = {what}")
    languages = sorted({key.split(":", 1)[1] for key in tallies if key.startswith("all:")})
    for split in ("tune", "holdout", "all"):
        print(f"\n[{split}]  {'lang':<10} {'scams':>5} {'legit':>6} {'precision':>9} {'recall':>7}")
        for language in languages:
            key = f"{split}:{language}"
            if key in tallies:
                print("        " + tallies[key].row(language))
        print("        " + tallies[split].row("overall"))
    overall = tallies["all"]
    met = overall.precision >= TARGET_PRECISION and overall.recall >= TARGET_RECALL
    print(
        f"\ntargets precision >= {TARGET_PRECISION}, recall >= {TARGET_RECALL}: "
        f"{'met' if met else 'NOT met'}"
    )


def evaluate_public() -> None:
    brand = default_brand()
    print("\nPublic message sets — flagged = scam or suspicious")
    for name in ("uci-sms-spam-collection.jsonl", "tg-spam-samples.jsonl"):
        counts: dict[str, list[int]] = defaultdict(lambda: [0, 0])
        for row in load(name):
            verdict = scan(row["text"], locale="en", brand=brand)
            counts[row["label"]][0] += verdict.flagged
            counts[row["label"]][1] += 1
        ham_flagged, ham = counts["ham"]
        spam_flagged, spam = counts["spam"]
        print(
            f"  {name:<32} ham flagged {ham_flagged}/{ham} = {ham_flagged / ham:.2%}   "
            f"spam recall {spam_flagged}/{spam} = {spam_flagged / spam:.2%}"
        )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--errors", choices=["tune", "holdout", "all"], help="list mistakes")
    parser.add_argument("--strict", action="store_true", help="count only 'scam' as detected")
    parser.add_argument("--no-public", action="store_true", help="skip the public sets")
    args = parser.parse_args()
    tallies = evaluate_corpus(args.strict, args.errors)
    print_corpus(tallies, args.strict)
    if not args.no_public:
        evaluate_public()


if __name__ == "__main__":
    main()
