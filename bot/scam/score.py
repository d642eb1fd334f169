"""Step 4 of the scan: every weight and threshold, and how findings combine into a score.

Each reason code has one weight: the probability-like strength of that evidence on its own.
Findings combine as independent evidence (``1 - Π(1 - w)``), except that weak cues — pressure,
"100% legit" promises, bait, short links — are pooled and capped at ``WEAK_CAP``, below the
``suspicious`` threshold: one weak cue, or a pile of them, never makes a scam. A single medium
cue (an unofficial link, a threat) stays below ``SUSPICIOUS`` too; a single strong one (cheap coins,
selling coins) is ``suspicious``; the strongest (a look-alike of the official site, a coin
generator, "send 100 get 200", a request for a login code in context) are a ``scam`` alone.
"""

from __future__ import annotations

from collections.abc import Iterable

from bot.scam.model import Finding, VerdictName

SCAM = 0.7
SUSPICIOUS = 0.45

WEIGHTS: dict[str, float] = {
    # strongest: a scam on their own
    "lookalike_domain": 0.8,
    "free_coin_generator": 0.75,
    "send_to_receive": 0.75,
    "credential_request_in_context": 0.75,  # with the platform, coins, staff or a threat around
    "prize_fee": 0.7,
    # strong: suspicious on their own, a scam with any medium cue
    "third_party_seller": 0.6,
    "cheap_coins": 0.6,
    "diamond_buying": 0.6,
    "coin_transfer": 0.55,
    "credential_request": 0.55,
    "impersonation": 0.5,
    "free_coins": 0.5,
    "off_platform_payment_for_coins": 0.5,
    # medium
    "off_platform_payment": 0.4,
    "unofficial_link_unusual_tld": 0.4,
    "unofficial_link": 0.3,
    "off_platform_contact": 0.3,
    "threat": 0.3,
    "easy_money": 0.3,
    # weak: pooled and capped
    "prize_bait": 0.2,
    "shortened_link": 0.15,
    "urgency": 0.15,
    "legit_claims": 0.15,
}
WEAK_BELOW = 0.3
WEAK_CAP = 0.4
# A question or warning about a scam keeps this share of its score, so it is always "safe".
ABOUT_SCAM_FACTOR = 0.3

assert WEAK_CAP < SUSPICIOUS < SCAM
assert ABOUT_SCAM_FACTOR < SUSPICIOUS
assert all(w < SUSPICIOUS for w in WEIGHTS.values() if w < WEAK_BELOW)


def weight(key: str) -> float:
    return WEIGHTS[key]


def combine(findings: Iterable[Finding]) -> float:
    """The score of a set of findings: one finding per code counts (the strongest)."""
    strongest: dict[str, float] = {}
    for finding in findings:
        strongest[finding.code] = max(strongest.get(finding.code, 0.0), finding.weight)
    strong_miss = 1.0
    weak_miss = 1.0
    for value in strongest.values():
        if value < WEAK_BELOW:
            weak_miss *= 1.0 - value
        else:
            strong_miss *= 1.0 - value
    weak = min(1.0 - weak_miss, WEAK_CAP)
    return round(1.0 - strong_miss * (1.0 - weak), 4)


def verdict_for(score: float) -> VerdictName:
    if score >= SCAM:
        return "scam"
    if score >= SUSPICIOUS:
        return "suspicious"
    return "safe"
