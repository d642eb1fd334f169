"""Step 5 of the scan: findings into reasons a person can read, in their language.

Every reason code has a plain-words message (a gettext msgid, translated through the reader's
:class:`~bot.i18n.Translator`) and evidence: the words of the message as the user wrote them,
look-alike letters and all. ``RISKS`` holds the non-accusing counterpart of each code, used when
someone asks *about* an offer: it explains the risk instead of calling their message a scam.
"""

from __future__ import annotations

import gettext
from collections.abc import Iterable

from bot.i18n import N_, Translator
from bot.scam.model import Finding, Reason
from bot.scam.normalize import Normalized

EVIDENCE_LIMIT = 120  # characters of evidence shown; a reason is not a copy of the message

MESSAGES: dict[str, str] = {
    "lookalike_domain": N_(
        "The link {host} imitates the official site {official} but is not it: fake sites like "
        "this steal logins and payments."
    ),
    "free_coin_generator": N_(
        "It promises free coins, a coin generator, a hack or a modded app. None of these exist: "
        "coins only come from paying in the official app or website."
    ),
    "send_to_receive": N_(
        "It asks you to send something to get more back. That is a trick: nothing comes back."
    ),
    "credential_request": N_(
        "It asks for a password, a login or verification code, or card details. Nobody "
        "legitimate ever asks for these."
    ),
    "prize_fee": N_("It says you won a prize but must pay a fee first. Real prizes cost nothing."),
    "third_party_seller": N_(
        "Someone is selling coins outside the official app. Coins bought this way are never "
        "delivered, or the account gets banned."
    ),
    "cheap_coins": N_(
        "It offers coins cheaper than the official price. Nobody can sell coins below the "
        "official price."
    ),
    "diamond_buying": N_(
        "It offers to buy a creator's diamonds. Diamonds are only withdrawn through the official "
        "app; buyers take the account or the money."
    ),
    "coin_transfer": N_(
        "It offers to transfer coins to your account. Coins cannot move between accounts."
    ),
    "impersonation": N_(
        "It claims to be official support, staff or an official partner. The platform does not "
        "contact you through private chats, and has no resellers."
    ),
    "off_platform_payment": N_(
        "It asks for payment outside the official checkout (gift cards, crypto, person-to-person "
        "transfers), which cannot be refunded."
    ),
    "unofficial_link": N_("It links to {host}, which is not an official site."),
    "shortened_link": N_("It hides where its link goes behind a link shortener."),
    "off_platform_contact": N_(
        "It moves the conversation to a private contact (a handle, a phone number or a chat "
        "link), where nobody can help you."
    ),
    "threat": N_("It threatens to ban or delete your account to rush you."),
    "easy_money": N_("It promises easy money."),
    "urgency": N_("It pressures you to act fast."),
    "legit_claims": N_("It insists it is legit or trusted: real shops do not need to."),
    "prize_bait": N_("It says you won something or were selected."),
    "asks_about_scam": N_(
        "This is a question about an offer, not an offer: the answer explains the risk."
    ),
    "warns_about_scam": N_("This is a warning about scams, not an offer."),
}

RISKS: dict[str, str] = {
    "lookalike_domain": N_(
        "Links that look like the official site but are spelled differently (extra words, "
        "swapped letters, another ending) are fake sites that steal logins and payments. Type "
        "{official} yourself instead."
    ),
    "free_coin_generator": N_(
        "Free-coin generators, hacks and modded apps do not exist. They steal your account or "
        "install malware."
    ),
    "send_to_receive": N_(
        "Offers to send coins or money and get more back are always scams: nothing comes back."
    ),
    "credential_request": N_(
        "Never give anyone your password, login or verification codes, or card details, even "
        "if they say they are support."
    ),
    "prize_fee": N_("A prize that needs a fee first is a scam: real prizes cost nothing."),
    "third_party_seller": N_(
        "Coins are sold only in the official app and on the official website. Other sellers "
        "take the money and deliver nothing, or coins from stolen cards that get your account "
        "banned."
    ),
    "cheap_coins": N_(
        "Nobody can sell coins below the official price: cheap coins are the most common scam."
    ),
    "diamond_buying": N_(
        "Nobody can buy a creator's diamonds: diamonds are withdrawn only through the official app."
    ),
    "coin_transfer": N_(
        "Coins cannot be transferred between accounts, so anyone offering to do it is lying."
    ),
    "impersonation": N_(
        "The platform has no resellers or partners selling coins, and its staff do not write "
        "to you in private chats."
    ),
    "off_platform_payment": N_(
        "Paying with gift cards, crypto or a person-to-person transfer cannot be undone; the "
        "official checkout is the only safe way to pay."
    ),
    "unofficial_link": N_("Only the official app and website sell coins; other sites cannot."),
    "shortened_link": N_("Short links hide where they go: do not log in or pay after one."),
    "off_platform_contact": N_(
        "Sellers who move you to a private chat or a phone number are out of reach once they "
        "have your money."
    ),
    "threat": N_("Messages that threaten to ban your account unless you act now are scams."),
    "easy_money": N_("Promises of easy money are bait."),
    "urgency": N_("Pressure to act fast is a classic scam trick."),
    "legit_claims": N_("A seller's promise of being legit or trusted proves nothing."),
    "prize_bait": N_("Messages saying you won something out of the blue are bait."),
}

# English, straight from the msgids, when the caller has no translator.
ENGLISH = Translator("en", gettext.NullTranslations())


def evidence(normalized: Normalized, start: int, end: int) -> str:
    text = normalized.original_span(start, end)
    if len(text) > EVIDENCE_LIMIT:
        text = text[: EVIDENCE_LIMIT - 1].rstrip() + "…"
    return text


def explain(
    findings: Iterable[Finding], normalized: Normalized, translator: Translator | None = None
) -> tuple[Reason, ...]:
    """One reason per code, strongest first."""
    t = translator or ENGLISH
    best: dict[str, Finding] = {}
    for finding in findings:
        if finding.code not in best or finding.weight > best[finding.code].weight:
            best[finding.code] = finding
    ordered = sorted(best.values(), key=lambda f: -f.weight)
    return tuple(
        Reason(
            f.code,
            t._(MESSAGES[f.code], **dict(f.values)),
            evidence(normalized, f.start, f.end),
        )
        for f in ordered
    )


def risk(code: str, translator: Translator | None = None, **values: str) -> str:
    """The risk behind a scam pattern, said without accusing the reader."""
    t = translator or ENGLISH
    return t._(RISKS[code], **values) if values else t._(RISKS[code])


def framing_reason(
    code: str, normalized: Normalized, start: int, end: int, translator: Translator | None = None
) -> Reason:
    """The one reason of a question or warning about a scam ("asks_about_scam"...)."""
    t = translator or ENGLISH
    return Reason(code, t._(MESSAGES[code]), evidence(normalized, start, end))
