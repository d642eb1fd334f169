"""The detector against data: the labelled corpus, real chat from two public sets, hostile input."""

from __future__ import annotations

import json
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Literal

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from pydantic import BaseModel, ConfigDict

from bot.brand import default_brand
from bot.scam import prepare, scan

DATA = Path(__file__).parent / "data"
BRAND = default_brand()
LANGUAGES = {"en", "es", "pt", "id", "hi", "hi-latn", "ar", "ru", "fil", "tr", "vi"}


class CorpusRow(BaseModel):
    model_config = ConfigDict(extra="forbid")

    id: str
    lang: str
    label: Literal["scam", "legit"]
    split: Literal["tune", "holdout"]
    text: str


def lines(name: str) -> Iterator[dict[str, str]]:
    with (DATA / name).open(encoding="utf-8") as handle:
        for line in handle:
            if line.strip():
                yield json.loads(line)


@pytest.fixture(scope="module")
def corpus() -> list[CorpusRow]:
    return [CorpusRow.model_validate(row) for row in lines("scam_corpus.jsonl")]


def test_corpus_shape(corpus: list[CorpusRow]) -> None:
    assert len(corpus) >= 300
    assert len({row.id for row in corpus}) == len(corpus)
    assert sum(row.label == "legit" for row in corpus) / len(corpus) >= 0.4
    for language in LANGUAGES:
        labels = {(row.label, row.split) for row in corpus if row.lang == language}
        assert {("scam", "tune"), ("legit", "tune"), ("scam", "holdout")} <= labels, language


def precision_recall(rows: list[CorpusRow]) -> tuple[float, float]:
    flagged = [
        (row.label == "scam", scan(row.text, locale="en", brand=BRAND).flagged) for row in rows
    ]
    true_positives = sum(scam and hit for scam, hit in flagged)
    precision = true_positives / max(1, sum(hit for _, hit in flagged))
    recall = true_positives / max(1, sum(scam for scam, _ in flagged))
    return precision, recall


def test_precision_and_recall_beat_the_targets(corpus: list[CorpusRow]) -> None:
    precision, recall = precision_recall(corpus)
    assert precision >= 0.97
    assert recall >= 0.95


def test_the_held_out_part_stays_close(corpus: list[CorpusRow]) -> None:
    """Never tuned on, so a regression guard with a little room rather than the target."""
    precision, recall = precision_recall([row for row in corpus if row.split == "holdout"])
    assert precision >= 0.97
    assert recall >= 0.9


@pytest.mark.parametrize("name", ["uci-sms-spam-collection.jsonl", "tg-spam-samples.jsonl"])
def test_real_chat_is_rarely_flagged(name: str) -> None:
    ham = [row["text"] for row in lines(name) if row["label"] == "ham"]
    assert len(ham) > 400
    flagged = [text for text in ham if scan(text, locale="en", brand=BRAND).flagged]
    assert len(flagged) / len(ham) <= 0.01, flagged[:10]


ADVERSARIAL = [
    "free coins " * 372,
    "c o i n s " * 409,
    "cheap coins dm me @abcde " * 163,
    "send 100 get 200 " * 240,
    "1,000 " * 682,
    "tiktok.com " * 372,
    "https://" + "a." * 2044,
    "@" * 4096,
    "\u200b" * 4096,
    "\u0301" * 4096,
    "a\u0301\u0302\u0303" * 1024,
    "𝐜𝐨𝐢𝐧" * 1024,
    "🪙c" * 1365,
    "ᴄʜᴇᴀᴘ " * 682,
    "сheар соіns " * 341,
    "عملات رخيصة " * 341,
    "सस्ते सिक्के " * 315,
    "\U0001f1e8" * 2048,
    "x" * 4096,
    "0x" + "a" * 4094,
]


@pytest.mark.parametrize(
    "text", ADVERSARIAL, ids=[f"adversarial{i}" for i in range(len(ADVERSARIAL))]
)
def test_hostile_input_is_scanned_fast(text: str) -> None:
    prepare(BRAND)
    text = text[:4096]
    scan(text, locale="en", brand=BRAND)  # warm the word cache, as a running bot has
    # CPU time of this thread, best of three: the machine is shared with other work
    best = min(_cpu_time(text) for _ in range(3))
    assert best < 0.05


def _cpu_time(text: str) -> float:
    start = time.thread_time()
    scan(text, locale="en", brand=BRAND)
    return time.thread_time() - start


@settings(max_examples=200, deadline=None)
@given(st.text(max_size=500))
def test_any_text_gets_a_sound_verdict(text: str) -> None:
    verdict = scan(text, locale="en", brand=BRAND)
    assert verdict.verdict in ("scam", "suspicious", "safe")
    assert 0.0 <= verdict.score <= 1.0
    for reason in verdict.reasons:
        assert reason.evidence.rstrip("…") in text or reason.evidence.endswith("…")
