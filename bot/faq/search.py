"""Finding the FAQ entry a question is about, in any shipped language.

Every language has its own inverted index over its own wording of the entries. An entry's
*phrasings* (the question, the other ways people ask it, its keywords) weigh most; the answer
counts too, less. A query is folded, tokenized and stemmed (:mod:`bot.faq.text`), stopwords of
the language are dropped, synonyms collapse to one term, and a term the language does not know is
matched to known terms that differ by a typo (rapidfuzz, bucketed by script and length so large
vocabularies stay fast).

Two measures combine into a score in [0, 1]:

- *coverage*: the share of the query's weight (IDF) that an entry explains, BM25-saturated so one
  match in a phrasing counts fully and a mention in the answer partly; words the language does
  not know at all count against it, so an off-topic question scores low;
- *phrase*: how closely the query matches the entry's single best phrasing (IDF-weighted Dice),
  which tells apart entries that share words ("can coins be transferred?" vs "is it true coins
  can be transferred?").

The query is scored against every language. Matches in the user's own language count in full,
matches in another language are discounted a little, and each entry keeps its best score: a
Spanish-speaking user who types in English still finds the entry (and reads it in Spanish).
"""

from __future__ import annotations

import math
import re
from collections import defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from rapidfuzz import fuzz, process

from bot.faq.content import Entry, FaqContent, Kind, SearchHints, Text
from bot.faq.placeholders import AMOUNT_PLACEHOLDERS, placeholders_in, strip_placeholders
from bot.faq.text import Script, script_of, stem, tokens

# BM25 saturation, and what one occurrence in each field is worth.
K1 = 1.2
BODY_WEIGHT = 0.2
BODY_LENGTH_NORM = 0.75
# How much of the score each measure gives, and the discount for another language's match.
COVERAGE_SHARE = 0.7
CROSS_LOCALE_FACTOR = 0.8
# Below 1, a word that happens to occur in one entry only weighs less against the rest of the
# question: with a few dozen entries, rarity is partly chance.
IDF_POWER = 0.4
# Myths share their topic with a plain question ("is it safe to buy cheap coins?"); the plain
# answer should win such a tie, and the myth stays one tap away as a related question.
MYTH_FACTOR = 0.93
# A word the language does not know weighs this share of the language's rarest word.
UNKNOWN_WORD_WEIGHT = 0.6
# Typo tolerance: the least fuzz.ratio for a known term to stand in for an unknown one.
MIN_FUZZY_LENGTH = 5
FUZZY_CUTOFF = {5: 79.0, 6: 79.0}
FUZZY_CUTOFF_LONG = 80.0
FUZZY_LIMIT = 3
RERANK_DEPTH = 12

# Above ANSWER_THRESHOLD the best match is the answer; between the two, the best matches are
# offered as buttons; below SUGGEST_THRESHOLD the FAQ has nothing to say.
ANSWER_THRESHOLD = 0.45
SUGGEST_THRESHOLD = 0.2
# A best match this close to the second ("gifts": what coins buy, or how gifts become diamonds?)
# is a guess, so the user picks.
ANSWER_MARGIN = 0.03

_TAG = re.compile(r"<[^>]{0,200}>")
# What a number of two or more digits in a question stands for: the prices and package sizes that
# content only ever shows through placeholders.
AMOUNT_TERM = "#amount"


@dataclass(frozen=True)
class Match:
    entry_id: str
    score: float
    locale: str  # the language whose wording matched


@dataclass(frozen=True)
class Decision:
    """What to do with a question: answer it, offer suggestions, or neither."""

    answer: Match | None
    suggestions: tuple[Match, ...]


def decide(matches: list[Match], suggestions: int = 3) -> Decision:
    """Answer a clear winner; offer the best few when the best is weak or has a close rival."""
    if matches and matches[0].score >= ANSWER_THRESHOLD:
        runner_up = matches[1].score if len(matches) > 1 else 0.0
        if matches[0].score - runner_up >= ANSWER_MARGIN:
            return Decision(matches[0], ())
    offered = tuple(m for m in matches[:suggestions] if m.score >= SUGGEST_THRESHOLD)
    return Decision(None, offered)


@dataclass
class _Doc:
    entry_id: str
    phrasings: list[frozenset[str]]


class _LocaleIndex:
    """One language's wording of every entry."""

    def __init__(self, locale: str, hints: SearchHints | None, ignored: Iterable[str] = ()) -> None:
        self.locale = locale
        self.stopwords = frozenset(
            token
            for word in [*(hints.stopwords if hints else ()), *ignored]
            for token in tokens(word)
        )
        # A word whose stem is a stopword's ("whats", "какая") is as empty as the stopword.
        self.stop_stems = frozenset(stem(locale, token) for token in self.stopwords)
        self.synonyms: dict[str, str] = {}
        self.docs: list[_Doc] = []
        self.postings: dict[str, list[tuple[int, float]]] = {}
        self.idf: dict[str, float] = {}
        self.unknown_weight = 0.0
        self._vocabulary: dict[tuple[Script, int], list[str]] = defaultdict(list)
        self._expansions: dict[str, list[tuple[str, float]]] = {}
        self.synonyms = _synonym_map(locale, hints.synonyms if hints else ())

    def terms(self, text: str) -> list[str]:
        """The text's search terms: no stopwords, stemmed, synonyms collapsed."""
        found = []
        for token in tokens(text):
            if token in self.stopwords:
                continue
            if token.isdigit():
                if len(token) >= 2:
                    found.append(AMOUNT_TERM)
                continue
            term = stem(self.locale, token)
            if term in self.stop_stems:
                continue
            found.append(self.synonyms.get(term, term))
        return found

    def build(self, texts: Iterable[tuple[str, Text]]) -> None:
        phrase_tf: list[dict[str, int]] = []
        body_tf: list[dict[str, int]] = []
        body_lengths: list[int] = []
        for entry_id, text in texts:
            phrasings = [text.question, *text.phrasings, *text.keywords]
            analyzed = [self.terms(strip_placeholders(p)) for p in phrasings]
            self.docs.append(_Doc(entry_id, [frozenset(a) for a in analyzed if a]))
            counts: dict[str, int] = defaultdict(int)
            for terms in analyzed:
                for term in set(terms):
                    counts[term] += 1
            phrase_tf.append(counts)
            body = " ".join(_TAG.sub(" ", strip_placeholders(part)) for part in text.bodies()[1:])
            body_terms = self.terms(body)
            if AMOUNT_PLACEHOLDERS.intersection(placeholders_in(text.bodies())):
                body_terms.append(AMOUNT_TERM)
            body_counts: dict[str, int] = defaultdict(int)
            for term in body_terms:
                body_counts[term] += 1
            body_tf.append(body_counts)
            body_lengths.append(len(body_terms))
        average_body = (sum(body_lengths) / len(body_lengths)) if body_lengths else 1.0
        postings: dict[str, list[tuple[int, float]]] = defaultdict(list)
        for doc, (phrases, bodies, length) in enumerate(
            zip(phrase_tf, body_tf, body_lengths, strict=True)
        ):
            norm = 1 - BODY_LENGTH_NORM + BODY_LENGTH_NORM * length / (average_body or 1.0)
            for term in phrases.keys() | bodies.keys():
                weight = phrases.get(term, 0) + BODY_WEIGHT * bodies.get(term, 0) / norm
                saturated = min(1.0, weight / (weight + K1) * (1 + K1))
                postings[term].append((doc, saturated))
        count = len(self.docs)
        self.postings = dict(postings)
        self.idf = {
            term: math.log(1 + (count - len(docs) + 0.5) / (len(docs) + 0.5)) ** IDF_POWER
            for term, docs in self.postings.items()
        }
        self.unknown_weight = UNKNOWN_WORD_WEIGHT * max(self.idf.values(), default=1.0)
        for term in self.postings:
            if len(term) >= MIN_FUZZY_LENGTH - 1 and not term.isdigit():
                self._vocabulary[(script_of(term), len(term))].append(term)

    def expand(self, term: str) -> list[tuple[str, float]]:
        """Known terms that ``term`` stands for, with how sure we are (1.0 when it is known)."""
        if term in self.idf:
            return [(term, 1.0)]
        cached = self._expansions.get(term)
        if cached is not None:
            return cached
        found: list[tuple[str, float]] = []
        length = len(term)
        if length >= MIN_FUZZY_LENGTH and not term.isdigit():
            cutoff = FUZZY_CUTOFF.get(length, FUZZY_CUTOFF_LONG)
            script = script_of(term)
            candidates = [
                known
                for size in (length - 1, length, length + 1)
                for known in self._vocabulary.get((script, size), ())
            ]
            for known, score, _ in process.extract(
                term, candidates, scorer=fuzz.ratio, score_cutoff=cutoff, limit=FUZZY_LIMIT
            ):
                found.append((known, (score / 100) ** 2))
        if len(self._expansions) < 50_000:
            self._expansions[term] = found
        return found

    def score(self, query: str) -> dict[int, float]:
        """Each matching document's score for ``query``."""
        terms = list(dict.fromkeys(self.terms(query)))
        if not terms:
            return {}
        total = 0.0
        coverage: dict[int, float] = defaultdict(float)
        query_terms: list[tuple[list[tuple[str, float]], float]] = []
        for term in terms:
            options = self.expand(term)
            if not options:
                if len(term) > 2:
                    total += self.unknown_weight
                continue
            weight = max(self.idf[known] * sim for known, sim in options)
            total += weight
            query_terms.append((options, weight))
            best: dict[int, float] = {}
            for known, sim in options:
                value = self.idf[known] * sim
                for doc, saturated in self.postings[known]:
                    contribution = value * saturated
                    if contribution > best.get(doc, 0.0):
                        best[doc] = contribution
            for doc, contribution in best.items():
                coverage[doc] += contribution
        if not coverage or total <= 0:
            return {}
        ranked = sorted(coverage.items(), key=lambda item: item[1], reverse=True)[:RERANK_DEPTH]
        return {
            doc: COVERAGE_SHARE * value / total
            + (1 - COVERAGE_SHARE) * self._phrase(doc, query_terms, total)
            for doc, value in ranked
        }

    def _phrase(
        self, doc: int, query_terms: list[tuple[list[tuple[str, float]], float]], total: float
    ) -> float:
        best = 0.0
        for phrasing in self.docs[doc].phrasings:
            shared = 0.0
            for options, _ in query_terms:
                shared += max(
                    (self.idf[known] * sim for known, sim in options if known in phrasing),
                    default=0.0,
                )
            if not shared:
                continue
            size = sum(self.idf.get(term, 0.0) for term in phrasing)
            best = max(best, 2 * shared / (total + size))
        return best


def _synonym_map(locale: str, groups: Iterable[Iterable[str]]) -> dict[str, str]:
    """Each stem -> the stem its group is searched as. Groups sharing a word merge into one
    (union-find), so "wapas" -> "वापस" and "वापसी" -> "रिफंड" end at the same term."""
    parent: dict[str, str] = {}

    def root(term: str) -> str:
        while parent.get(term, term) != term:
            term = parent[term]
        return term

    for group in groups:
        stems = [stem(locale, token) for word in group for token in tokens(word)[:1]]
        for member in stems[1:]:
            first, other = root(stems[0]), root(member)
            if first != other:
                parent[other] = first
    return {term: root(term) for term in parent}


class FaqIndex:
    """Every language's index over the content; :meth:`search` ranks entries for a question."""

    def __init__(self, content: FaqContent, ignored: Iterable[str] = ()) -> None:
        """``ignored``: words that say nothing about which entry is meant (the platform's name,
        which every answer is about)."""
        self.content = content
        self._order = {entry_id: n for n, entry_id in enumerate(content.entries)}
        self._indexes: dict[str, _LocaleIndex] = {}
        for locale in content.locales:
            index = _LocaleIndex(locale, content.hints.get(locale), ignored)
            index.build(
                (entry.id, entry.texts[locale])
                for entry in content.entries.values()
                if locale in entry.texts
            )
            self._indexes[locale] = index

    def search(self, query: str, locale: str, limit: int = 3) -> list[Match]:
        """The best entries for ``query`` by a user who reads ``locale``, best first."""
        best: dict[str, Match] = {}
        for index_locale, index in self._indexes.items():
            factor = 1.0 if index_locale == locale else CROSS_LOCALE_FACTOR
            for doc, score in index.score(query).items():
                entry_id = index.docs[doc].entry_id
                kind_factor = (
                    MYTH_FACTOR if self.content.entries[entry_id].kind is Kind.MYTH else 1.0
                )
                value = min(1.0, score * factor * kind_factor)
                current = best.get(entry_id)
                if current is None or value > current.score:
                    best[entry_id] = Match(entry_id, round(value, 4), index_locale)
        # Ties go to the entry listed first: the content lists general questions before
        # specific ones.
        ranked = sorted(best.values(), key=lambda m: (-m.score, self._order[m.entry_id]))
        return ranked[: max(limit, 0)]

    def entries(self) -> Mapping[str, Entry]:
        return self.content.entries
