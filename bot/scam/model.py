"""What a scan returns: a verdict, a score and the reasons behind it, each with its evidence."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Literal

VerdictName = Literal["scam", "suspicious", "safe"]


@dataclass(frozen=True)
class Finding:
    """One rule's conclusion, before it is scored and put into words.

    ``start``/``end`` index the normalized text; ``values`` fill the reason message's
    placeholders (a look-alike link's host, the official domain).
    """

    code: str
    weight: float
    start: int
    end: int
    values: tuple[tuple[str, str], ...] = ()


@dataclass(frozen=True)
class Reason:
    code: str  # stable, for programs and statistics
    message: str  # in the reader's language
    evidence: str  # the words as the user wrote them

    def as_json(self) -> dict[str, str]:
        return {"code": self.code, "message": self.message, "evidence": self.evidence}


@dataclass(frozen=True)
class Verdict:
    verdict: VerdictName
    score: float
    reasons: tuple[Reason, ...]
    # When the text asks or warns *about* a scam instead of making an offer: the codes of the
    # scam patterns it describes (best first), so an answer can explain those risks.
    about: tuple[str, ...] = ()

    @property
    def flagged(self) -> bool:
        return self.verdict != "safe"

    @property
    def codes(self) -> list[str]:
        return [reason.code for reason in self.reasons]

    def as_json(self) -> dict[str, Any]:
        return {
            "verdict": self.verdict,
            "score": round(self.score, 3),
            "reasons": [reason.as_json() for reason in self.reasons],
        }
