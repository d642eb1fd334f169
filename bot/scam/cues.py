"""Language cues: the phrase lists of every language compiled into one fast matcher.

A cue is a kind of wording the rules look for ("cheap", "a coin word", "a request to send
something"). All languages are matched at once, whatever the user's locale, because a scam
reaches people in whatever language the scammer writes. Lookup is by word: every pattern is
indexed under its first word (or stem), so a message only runs the few patterns whose first word
it actually contains; single-word patterns need no regular expression at all.
"""

from __future__ import annotations

import bisect
import re
import tomllib
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from enum import StrEnum
from functools import cache
from importlib import resources
from typing import Annotated, Protocol

from pydantic import BaseModel, ConfigDict, Field, StringConstraints, ValidationError

from bot.config import ConfigError, describe_validation_error
from bot.scam.normalize import normalize


class Cue(StrEnum):
    BRAND = "brand"  # the platform's name (added from the brand file, not from phrase lists)
    ITEM = "item"  # coins, diamonds, gifts, recharge
    CHEAP = "cheap"  # cheap, discount, wholesale, lowest price
    CHEAPER = "cheaper"  # comparatives: also how people describe the official website's price
    OFFICIAL = "official"  # the official app or website named as where to buy
    FREE = "free"
    GENERATOR = "generator"  # generators, hacks, mods, glitches, unlimited
    SELL = "sell"  # a seller's voice: I sell, for sale, ready stock
    CONTACT = "contact"  # DM me, WhatsApp me, inbox
    CREDENTIAL = "credential"  # password, login code, OTP, card number
    REQUEST = "request"  # send / give / share / tell me
    SELF_INTRO = "self_intro"  # I am, we are, this is
    STAFF = "staff"  # support team, staff, moderator
    PARTNER = "partner"  # official partner, authorized reseller, verified agent
    TRANSFER = "transfer"  # to your account, coin transfer
    SEND_BACK = "send_back"  # send X get Y back, double your coins
    PRIZE = "prize"  # you won, winner, selected
    FEE = "fee"  # fee, shipping, processing, tax
    DIAMOND_BUY = "diamond_buy"  # we buy your diamonds
    PAY_METHOD = "pay_method"  # payment apps that are also official methods (Pix, UPI, GCash)
    PAY_P2P = "pay_p2p"  # person-to-person only: gift cards, crypto, F&F, Zelle, Cash App
    TO_ME = "to_me"  # pay me, to my number, my account
    URGENCY = "urgency"
    THREAT = "threat"  # your account will be banned
    EASY_MONEY = "easy_money"  # earn from home, passive income
    ASSURANCE = "assurance"  # 100% legit, trusted seller, no scam
    QUESTION = "question"  # is it legit?, someone offered me
    WARNING = "warning"  # beware, scam, never share, only official
    NEGATION = "negation"


WORD_CHARS = r"\w\u0900-\u0963\u0966-\u097f"  # Devanagari vowel signs are not \w in Python
_WORD = re.compile(f"[{WORD_CHARS}]+")
_SEP = f"[^{WORD_CHARS}]+"
_GAP_WORDS = 3
_PATTERN_PART = re.compile(f"[^{WORD_CHARS}*]+")
_BRAND = "{brand}"
_GAP = ".."  # up to _GAP_WORDS other words
# Evidence enough: a message repeating a cue hundreds of times gains nothing past this, and the
# rules that pair cues stay fast whatever the input.
MAX_HITS_PER_CUE = 16
_CACHED_WORDS = 50_000

Pattern = Annotated[str, StringConstraints(min_length=1, max_length=400)]


class PhraseFile(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    language: str = Field(min_length=2, max_length=8)
    name: str = Field(min_length=1)
    proclitics: list[str] = []
    cues: dict[Cue, list[Pattern]]


class Located(Protocol):
    """Anything with a span of the normalized text (a cue hit, an amount, a link)."""

    @property
    def start(self) -> int: ...

    @property
    def end(self) -> int: ...


@dataclass(frozen=True)
class Hit:
    cue: Cue
    start: int
    end: int
    language: str


@dataclass(frozen=True)
class _Compiled:
    cue: Cue
    language: str
    pattern: str | None  # a regex; None: the anchor word alone is the whole pattern
    then_words: frozenset[str] | None = None  # None: no cheap test of the next word
    then_stems: tuple[str, ...] = ()


@dataclass(frozen=True)
class _Candidates:
    """The patterns a word may start, sorted by what the next word must be, so a message only
    runs the regexes whose first two words it actually has."""

    any_next: tuple[_Compiled, ...] = ()
    by_next: Mapping[str, tuple[_Compiled, ...]] = field(default_factory=dict)
    by_next_stem: tuple[tuple[str, _Compiled], ...] = ()

    @classmethod
    def of(cls, patterns: Iterable[_Compiled]) -> _Candidates:
        any_next: list[_Compiled] = []
        by_next: dict[str, list[_Compiled]] = {}
        by_next_stem: list[tuple[str, _Compiled]] = []
        for compiled in patterns:
            if compiled.then_words is None:
                any_next.append(compiled)
                continue
            for word in compiled.then_words:
                by_next.setdefault(word, []).append(compiled)
            by_next_stem += [(stem, compiled) for stem in compiled.then_stems]
        return cls(tuple(any_next), {w: tuple(c) for w, c in by_next.items()}, tuple(by_next_stem))

    def given(self, following: str) -> Sequence[_Compiled]:
        exact = self.by_next.get(following)
        if exact is None and not self.by_next_stem:
            return self.any_next  # the common case: no second list to build
        found = [*self.any_next, *(exact or ())]
        found += [c for stem, c in self.by_next_stem if following.startswith(stem)]
        return found


@dataclass
class _Index:
    exact: dict[str, list[_Compiled]] = field(default_factory=dict)
    stems: dict[str, list[_Compiled]] = field(default_factory=dict)
    stem_lengths: list[int] = field(default_factory=list)


@dataclass(frozen=True)
class Words:
    """The words of the folded text: their starts, for "within N words" tests."""

    starts: tuple[int, ...]

    def index_at(self, offset: int) -> int:
        """The number of words that start before or at ``offset`` (minus one)."""
        return bisect.bisect_right(self.starts, offset) - 1

    def distance(self, a: Located | tuple[int, int], b: Located | tuple[int, int]) -> int:
        """Words strictly between two spans (0 when adjacent or overlapping)."""
        a_start, a_end = a if isinstance(a, tuple) else (a.start, a.end)
        b_start, b_end = b if isinstance(b, tuple) else (b.start, b.end)
        if a_start > b_start:
            a_start, a_end, b_start, b_end = b_start, b_end, a_start, a_end
        if b_start < a_end:
            return 0
        return max(0, self.index_at(b_start) - self.index_at(max(a_end - 1, a_start)) - 1)


class PhraseError(ValueError):
    pass


@dataclass(frozen=True)
class Anchor:
    """Where a pattern is looked up: its first word (or stem), and the word that must follow
    when the first alternative has several words ("i'm" -> "i" then "m")."""

    word: str
    stem: bool
    following: str | None = None


def _compile_token(token: str, proclitics: tuple[str, ...]) -> tuple[str, list[Anchor], bool]:
    """A token's regex, its anchors (one per alternative) and whether every alternative is a
    single word (then the anchor lookup is the whole match)."""
    branches: list[str] = []
    anchors: list[Anchor] = []
    single_words = True
    for alternative in token.split("|"):
        stem = alternative.endswith("*")
        words = [w for w in _PATTERN_PART.split(alternative.rstrip("*")) if w]
        single_words = single_words and len(words) == 1
        if not words or any("*" in w for w in words):
            raise PhraseError(f"bad word {alternative!r}")
        normalized = [normalize(w).folded for w in words]
        if any(not _WORD.fullmatch(w) for w in normalized):
            raise PhraseError(f"{alternative!r} normalizes to nothing matchable")
        body = _SEP.join(re.escape(w) for w in normalized)
        tail = f"[{WORD_CHARS}]*" if stem else f"(?![{WORD_CHARS}])"
        for prefix in ["", *proclitics]:
            head = normalize(prefix).folded if prefix else ""
            branches.append(re.escape(head) + body + tail)
            # a multi-word alternative is anchored by its first word, which must then be exact
            following = normalized[1] if len(normalized) > 1 else None
            anchors.append(Anchor(head + normalized[0], stem and len(normalized) == 1, following))
    # the longest alternative first: a regex alternation takes the first that matches, and the
    # evidence should be "que te llegó", not "que te"
    branches.sort(key=len, reverse=True)
    return "(?:" + "|".join(branches) + ")", anchors, single_words


@dataclass(frozen=True)
class CompiledPattern:
    regex: str | None  # None when the anchor word alone is the whole pattern
    anchors: list[Anchor]
    # The words (exact, stems) one of which must come right after a single-word anchor; None
    # when anything may follow (a gap, an optional word, or no second word).
    then: tuple[frozenset[str], tuple[str, ...]] | None


def compile_pattern(pattern: str, brand: str, proclitics: Iterable[str] = ()) -> CompiledPattern:
    tokens = pattern.replace(_BRAND, brand).split()
    if not tokens or tokens[0] == _GAP or tokens[0].endswith("?"):
        raise PhraseError("a pattern must start with a plain word")
    clitics = tuple(proclitics)
    first, anchors, single_words = _compile_token(tokens[0], clitics)
    if len(tokens) == 1 and single_words:
        return CompiledPattern(None, anchors, None)
    then = None
    if len(tokens) > 1 and tokens[1] != _GAP and not tokens[1].endswith("?"):
        _, second, _ = _compile_token(tokens[1], clitics)
        then = (
            frozenset(a.word for a in second if not a.stem),
            tuple(a.word for a in second if a.stem),
        )
    parts = [first]
    gap = False
    for token in tokens[1:]:
        if token == _GAP:
            gap = True
            continue
        optional = token.endswith("?") and len(token) > 1
        regex, _, _ = _compile_token(token.rstrip("?") if optional else token, clitics)
        join = f"(?:{_SEP}[{WORD_CHARS}]+){{0,{_GAP_WORDS}}}?{_SEP}" if gap else _SEP
        parts.append(f"(?:{join}{regex})?" if optional else join + regex)
        gap = False
    if gap:
        raise PhraseError("a pattern cannot end with ..")
    return CompiledPattern("".join(parts), anchors, then)


class CueMatcher:
    """Every language's patterns for one brand, indexed by their first word."""

    def __init__(self, files: Iterable[PhraseFile], brand: str) -> None:
        self._index = _Index()
        self.languages: list[str] = []
        brand_words = " ".join(_WORD.findall(normalize(brand).folded)) or brand
        stem_lengths: set[int] = set()
        brand_file = PhraseFile(language="any", name="brand", cues={Cue.BRAND: [_BRAND]})
        for phrase_file in [brand_file, *files]:
            if phrase_file is not brand_file:
                self.languages.append(phrase_file.language)
            for cue, patterns in phrase_file.cues.items():
                for pattern in patterns:
                    try:
                        found = compile_pattern(pattern, brand_words, phrase_file.proclitics)
                    except PhraseError as exc:
                        raise PhraseError(
                            f"{phrase_file.language}: cues.{cue}: {pattern!r}: {exc}"
                        ) from None
                    for anchor in found.anchors:
                        if anchor.following is not None:
                            then: tuple[frozenset[str] | None, tuple[str, ...]] = (
                                frozenset([anchor.following]),
                                (),
                            )
                        elif found.then is not None:
                            then = found.then
                        else:
                            then = (None, ())
                        compiled = _Compiled(cue, phrase_file.language, found.regex, *then)
                        table = self._index.stems if anchor.stem else self._index.exact
                        table.setdefault(anchor.word, []).append(compiled)
                        if anchor.stem:
                            stem_lengths.add(len(anchor.word))
        self._index.stem_lengths = sorted(stem_lengths)
        # words recur across messages; their candidate patterns are looked up once
        self._cache: dict[str, _Candidates | None] = {}

    def warm(self) -> None:
        """Compile every pattern now rather than when a message first needs it."""
        for table in (self._index.exact, self._index.stems):
            for compiled_list in table.values():
                for compiled in compiled_list:
                    if compiled.pattern is not None:
                        _regex(compiled.pattern)

    def _candidates(self, word: str) -> _Candidates | None:
        try:
            return self._cache[word]
        except KeyError:
            pass
        index = self._index
        patterns = list(index.exact.get(word, ()))
        for length in index.stem_lengths:
            if length > len(word):
                break
            patterns += index.stems.get(word[:length], ())
        found = _Candidates.of(patterns) if patterns else None
        if len(self._cache) >= _CACHED_WORDS:
            self._cache.clear()
        self._cache[word] = found
        return found

    def find(self, folded: str) -> tuple[list[Hit], Words]:
        words = _WORD.findall(folded)
        starts = [match.start() for match in _WORD.finditer(folded)]
        hits: list[Hit] = []
        seen: set[tuple[Cue, int, int, str]] = set()
        per_cue: dict[Cue, int] = {}
        cache = self._cache
        last = len(words) - 1
        for position, word in enumerate(words):
            candidates = cache[word] if word in cache else self._candidates(word)
            if candidates is None:
                continue
            start = starts[position]
            word_end = start + len(word)
            following = words[position + 1] if position < last else ""
            for compiled in candidates.given(following):
                if per_cue.get(compiled.cue, 0) >= MAX_HITS_PER_CUE:
                    continue
                if compiled.pattern is None:
                    end = word_end
                else:
                    found = _regex(compiled.pattern).match(folded, start)
                    if found is None:
                        continue
                    end = found.end()
                key = (compiled.cue, start, end, compiled.language)
                if key not in seen:
                    seen.add(key)
                    per_cue[compiled.cue] = per_cue.get(compiled.cue, 0) + 1
                    hits.append(Hit(compiled.cue, start, end, compiled.language))
        return hits, Words(tuple(starts))


def load_phrase_files() -> list[PhraseFile]:
    """Every ``bot/scam/phrases/*.toml``, validated; a ConfigError names the file at fault."""
    found = []
    folder = resources.files("bot.scam.phrases")
    for entry in sorted(folder.iterdir(), key=lambda e: e.name):
        if not entry.name.endswith(".toml"):
            continue
        try:
            data = tomllib.loads(entry.read_text("utf-8"))
            found.append(PhraseFile.model_validate(data))
        except tomllib.TOMLDecodeError as exc:
            raise ConfigError(f"bot/scam/phrases/{entry.name}: {exc}") from None
        except ValidationError as exc:
            raise ConfigError(
                f"bot/scam/phrases/{entry.name}: {describe_validation_error(exc)}"
            ) from None
    return found


@cache
def _regex(pattern: str) -> re.Pattern[str]:
    """Patterns are compiled when a message first needs them (or by ``warm``): compiling all
    of them costs over a second, which start-up should not wait for."""
    return re.compile(pattern)


@cache
def matcher_for(brand: str) -> CueMatcher:
    """The compiled matcher for a platform name (compiling takes a moment; done once)."""
    return CueMatcher(load_phrase_files(), brand)
