"""Finding the FAQ entry a question is about, in any shipped language.

Every language has its own inverted index over its own wording of the entries. An entry's
*phrasings* (the question, the other ways people ask it, its keywords) weigh most; the answer
counts too, less. A query is folded, tokenized and stemmed (:mod:`bot.faq.text`), stopwords of
the language are dropped, synonyms collapse to one term, and a term the language does not know is
matched to known terms that differ by a typo (rapidfuzz, bucketed by script, length and first
letter so large vocabularies stay fast).

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

import heapq
import math
import re
from array import array
from bisect import bisect_left
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from operator import itemgetter

from rapidfuzz import fuzz, process

from bot.faq.content import FaqContent, Kind, SearchHints, Text
from bot.faq.placeholders import AMOUNT_PLACEHOLDERS, placeholders_in, strip_placeholders
from bot.faq.text import MAX_QUERY_CHARS, Script, script_of, stem, tokens

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
# A word in more documents than this nominates only its NOMINATED strongest documents as
# candidates (see _LocaleIndex._coverage); the shipped FAQ never gets near it.
PRUNE_DOCUMENTS = 400
NOMINATED = 100

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
    # each phrasing's weight (the IDF of its terms), for the phrase measure
    sizes: list[float] = field(default_factory=list)
    # term -> the phrasings it occurs in, so a question only visits phrasings it shares a term with
    by_term: dict[str, list[int]] = field(default_factory=dict)


@dataclass
class _Counts:
    """Term frequencies of one entry's two fields, while the index is built."""

    phrases: dict[str, int]
    body: dict[str, int]
    body_length: int


# A question term: the known terms it may stand for (with certainty), and its weight.
_QueryTerm = tuple[list[tuple[str, float]], float]


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
        self.synonyms = _synonym_map(locale, hints.synonyms if hints else ())
        self.docs: list[_Doc] = []
        # term -> (documents in ascending order, the term's weight in each: IDF x saturated
        # frequency); arrays keep 10,000 entries x 7 languages compact and bisectable
        self.postings: dict[str, tuple[array[int], array[float]]] = {}
        self.idf: dict[str, float] = {}
        self.unknown_weight = 0.0
        # very common term -> the documents where it weighs most (see _coverage)
        self._strongest: dict[str, array[int]] = {}
        # (script, length, first letter) -> known terms: where a typo's correction is looked for
        self._vocabulary: dict[tuple[Script, int, str], list[str]] = defaultdict(list)
        self._expansions: dict[str, list[tuple[str, float]]] = {}

    # ------------------------------------------------------------------- analysis
    def terms(self, text: str) -> list[str]:
        """The text's search terms: no stopwords, stemmed, synonyms collapsed."""
        return self.terms_of(tokens(text))

    def terms_of(self, words: list[str]) -> list[str]:
        found = []
        for token in words:
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

    # ---------------------------------------------------------------- building
    def build(self, texts: Iterable[tuple[str, Text]]) -> None:
        counts = [self._count(entry_id, text) for entry_id, text in texts]
        self._weigh(counts)
        self._prepare_lookups()

    def _count(self, entry_id: str, text: Text) -> _Counts:
        phrasings = [text.question, *text.phrasings, *text.keywords]
        analyzed = [self.terms(strip_placeholders(p)) for p in phrasings]
        self.docs.append(_Doc(entry_id, [frozenset(a) for a in analyzed if a]))
        phrases: dict[str, int] = defaultdict(int)
        for terms in analyzed:
            for term in set(terms):
                phrases[term] += 1
        body_terms = self.terms(
            " ".join(_TAG.sub(" ", strip_placeholders(part)) for part in text.bodies()[1:])
        )
        if AMOUNT_PLACEHOLDERS.intersection(placeholders_in(text.bodies())):
            body_terms.append(AMOUNT_TERM)
        body: dict[str, int] = defaultdict(int)
        for term in body_terms:
            body[term] += 1
        return _Counts(phrases, body, len(body_terms))

    def _weigh(self, counts: list[_Counts]) -> None:
        """BM25F: one occurrence in a phrasing saturates to 1, the answer counts for less."""
        average = sum(c.body_length for c in counts) / len(counts) if counts else 1.0
        saturated: dict[str, list[tuple[int, float]]] = defaultdict(list)
        for doc, count in enumerate(counts):
            norm = 1 - BODY_LENGTH_NORM + BODY_LENGTH_NORM * count.body_length / (average or 1.0)
            for term in count.phrases.keys() | count.body.keys():
                weight = count.phrases.get(term, 0) + BODY_WEIGHT * count.body.get(term, 0) / norm
                saturated[term].append((doc, min(1.0, weight / (weight + K1) * (1 + K1))))
        total = len(counts)
        self.idf = {
            term: math.log(1 + (total - len(docs) + 0.5) / (len(docs) + 0.5)) ** IDF_POWER
            for term, docs in saturated.items()
        }
        self.postings = {
            term: (
                array("i", [doc for doc, _ in docs]),
                array("d", [self.idf[term] * value for _, value in docs]),
            )
            for term, docs in saturated.items()
        }
        self.unknown_weight = UNKNOWN_WORD_WEIGHT * max(self.idf.values(), default=1.0)

    def _prepare_lookups(self) -> None:
        for document in self.docs:
            document.sizes = [sum(self.idf[t] for t in phrasing) for phrasing in document.phrasings]
            for number, phrasing in enumerate(document.phrasings):
                for term in phrasing:
                    document.by_term.setdefault(term, []).append(number)
        for term, (docs, weights) in self.postings.items():
            if len(docs) > PRUNE_DOCUMENTS:
                strongest = heapq.nlargest(NOMINATED, range(len(docs)), key=weights.__getitem__)
                self._strongest[term] = array("i", [docs[i] for i in strongest])
            if len(term) >= MIN_FUZZY_LENGTH - 1 and not term.isdigit():
                self._vocabulary[(script_of(term), len(term), term[0])].append(term)

    # -------------------------------------------------------------- searching
    def expand(self, term: str, *, fuzzy: bool = True) -> list[tuple[str, float]]:
        """Known terms that ``term`` stands for, with how sure we are (1.0 when it is known).

        A typo is looked for among known terms of the same script and first letter whose length
        differs by at most one: most typos keep the first letter, and the buckets keep the scan
        small however large the vocabulary grows."""
        if term in self.idf:
            return [(term, 1.0)]
        if not fuzzy:
            return []
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
                for known in self._vocabulary.get((script, size, term[0]), ())
            ]
            for known, score, _ in process.extract(
                term, candidates, scorer=fuzz.ratio, score_cutoff=cutoff, limit=FUZZY_LIMIT
            ):
                found.append((known, (score / 100) ** 2))
        if len(self._expansions) < 50_000:
            self._expansions[term] = found
        return found

    def score(self, words: list[str], *, own_language: bool = True) -> dict[int, float]:
        """The best documents' scores for a question (its folded words).

        In another language than the user's, a question none of whose words that language
        knows is skipped, and typos are not looked for: an English question has nothing to find
        in Arabic, and a Spanish word one letter away from a Portuguese one is not a typo."""
        terms = list(dict.fromkeys(self.terms_of(words)))
        if not terms or (not own_language and not any(term in self.idf for term in terms)):
            return {}
        total = 0.0
        query_terms: list[_QueryTerm] = []
        for term in terms:
            options = self.expand(term, fuzzy=own_language)
            if not options:
                total += self.unknown_weight if len(term) > 2 else 0.0
                continue
            weight = max(self.idf[known] * sim for known, sim in options)
            total += weight
            query_terms.append((options, weight))
        coverage = self._coverage(query_terms)
        if not coverage or total <= 0:
            return {}
        ranked = heapq.nlargest(RERANK_DEPTH, coverage.items(), key=itemgetter(1))
        # Each known term the question matched, with its weight (IDF x typo certainty).
        weights: dict[str, float] = {}
        for options, _ in query_terms:
            for known, sim in options:
                weights[known] = max(weights.get(known, 0.0), self.idf[known] * sim)
        return {
            doc: COVERAGE_SHARE * value / total
            + (1 - COVERAGE_SHARE) * self._phrase(doc, weights, total)
            for doc, value in ranked
        }

    def _coverage(self, query_terms: list[_QueryTerm]) -> dict[int, float]:
        """Each candidate document's summed term weights.

        Words in at most PRUNE_DOCUMENTS documents are scored everywhere they occur. A word in
        more (only ever in a very large FAQ) nominates just the documents where it weighs most
        and adds its weight to the other candidates, so a question made of common words costs
        about the same whatever the size of the FAQ."""
        coverage: dict[int, float] = defaultdict(float)
        common: list[list[tuple[str, float]]] = []
        for options, _ in query_terms:
            if any(len(self.postings[known][0]) > PRUNE_DOCUMENTS for known, _ in options):
                common.append(options)
            else:
                for doc, value in self._best_weights(options).items():
                    coverage[doc] += value
        if common:
            candidates = set(coverage)
            for options in common:
                for known, _ in options:
                    candidates.update(self._strongest[known])
            for options in common:
                for doc, value in self._best_weights(options, candidates).items():
                    coverage[doc] += value
        return coverage

    def _best_weights(
        self, options: list[tuple[str, float]], only: set[int] | None = None
    ) -> dict[int, float]:
        """Per document, the best weight among a question term's options (in ``only``, if
        given: looked up by bisection when that is cheaper than walking the postings)."""
        best: dict[int, float] = {}
        for known, sim in options:
            docs, weights = self.postings[known]
            pairs: Iterable[tuple[int, float]]
            if only is not None and len(only) * 8 < len(docs):
                pairs = [(doc, self._weight(known, doc)) for doc in only]
            else:
                pairs = zip(docs, weights, strict=True)
            for doc, weight in pairs:
                if (only is None or doc in only) and weight * sim > best.get(doc, 0.0):
                    best[doc] = weight * sim
        return best

    def _weight(self, term: str, doc: int) -> float:
        docs, weights = self.postings[term]
        position = bisect_left(docs, doc)
        return weights[position] if position < len(docs) and docs[position] == doc else 0.0

    def _phrase(self, doc: int, weights: dict[str, float], total: float) -> float:
        """IDF-weighted Dice between the question and the document's closest phrasing."""
        document = self.docs[doc]
        shared: dict[int, float] = {}
        for term, weight in weights.items():
            for number in document.by_term.get(term, ()):
                shared[number] = shared.get(number, 0.0) + weight
        return max(
            (2 * value / (total + document.sizes[number]) for number, value in shared.items()),
            default=0.0,
        )


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
        words = tokens(query[:MAX_QUERY_CHARS])
        for index_locale, index in self._indexes.items():
            own = index_locale == locale
            factor = 1.0 if own else CROSS_LOCALE_FACTOR
            for doc, score in index.score(words, own_language=own).items():
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
