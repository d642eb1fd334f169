"""``python -m bot scan``: the detector for moderators and pipelines, and report statistics.

- ``scan "TEXT" [--locale L] [--json]`` prints a readable report (or the JSON of the verdict);
  ``scan -`` reads the text from standard input (also the way to check the literal word "stats").
- ``scan --jsonl [--locale L]`` reads one JSON object per line with a ``"text"`` string and
  writes, for each line, the same object plus ``"verdict"``, ``"score"`` and ``"reasons"``
  (``[{"code", "message", "evidence"}]``). Blank lines are skipped. A line that is not such an
  object is answered in place with ``{"line": N, "error": "..."}`` (so outputs stay aligned with
  inputs), reported on standard error, and makes the exit code 2 once every line is done.
- ``scan stats [--days N] [--json]`` summarizes the database: verdicts by where the message was
  checked, the reasons of flagged checks, and reports by reason.

Exit codes: 0 done, 1 runtime failure (the database), 2 bad arguments or bad input lines.
"""

from __future__ import annotations

import argparse
import json
import sys
from typing import IO, Any

EXIT_OK, EXIT_FAILURE, EXIT_USAGE = 0, 1, 2
_VERDICT_MARKS = {"scam": "⛔ SCAM", "suspicious": "⚠️  SUSPICIOUS", "safe": "✅ SAFE"}


def add_commands(subparsers: Any) -> None:
    parser = subparsers.add_parser(
        "scan",
        help="check messages for scams, or summarize reports (scan stats)",
        description=__doc__.split("\n\n")[1] if __doc__ else None,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("text", nargs="?", help='the message, "-" for stdin, or "stats"')
    parser.add_argument("--jsonl", action="store_true", help="JSON lines in, JSON lines out")
    parser.add_argument("--locale", default="en", help="language of the reasons (default: en)")
    parser.add_argument("--json", action="store_true", help="print JSON instead of a report")
    parser.add_argument("--days", type=int, help="stats: only the last N days")
    parser.set_defaults(handler=run)


def run(args: argparse.Namespace) -> int:
    from bot.i18n import SUPPORTED_LOCALES, normalize_locale

    locale = normalize_locale(args.locale)
    if locale is None:
        print(
            f"--locale: {args.locale!r} is not one of {', '.join(SUPPORTED_LOCALES)}",
            file=sys.stderr,
        )
        return EXIT_USAGE
    if args.jsonl:
        if args.text is not None:
            print("give either --jsonl (reads stdin) or a TEXT, not both", file=sys.stderr)
            return EXIT_USAGE
        return scan_jsonl(sys.stdin, sys.stdout, sys.stderr, locale)
    if args.text is None:
        print(
            'nothing to scan: give a TEXT, "-" to read stdin, --jsonl, or "stats"', file=sys.stderr
        )
        return EXIT_USAGE
    if args.text == "stats":
        return show_stats(args.days, as_json=args.json)
    text = sys.stdin.read() if args.text == "-" else args.text
    return scan_one(text, locale, as_json=args.json)


def _scanner(locale: str) -> Any:
    """scan() bound to the configured brand, catalog prices and the reader's language."""
    from functools import partial

    from bot.brand import default_brand, load_brand
    from bot.catalog import default_catalog, load_catalog
    from bot.config import load_settings
    from bot.i18n import Catalogs
    from bot.scam import official_coin_prices, scan

    settings = load_settings()
    brand = load_brand(settings.brand_path) if settings.brand_path else default_brand()
    catalog = load_catalog(settings.catalog_path) if settings.catalog_path else default_catalog()
    translator = Catalogs(default_locale=locale)[locale]
    return partial(
        scan,
        locale=locale,
        brand=brand,
        translator=translator,
        prices=official_coin_prices(catalog),
    )


def scan_one(text: str, locale: str, *, as_json: bool) -> int:
    verdict = _scanner(locale)(text)
    if as_json:
        print(json.dumps({"text": text, **verdict.as_json()}, ensure_ascii=False))
        return EXIT_OK
    print(f"{_VERDICT_MARKS[verdict.verdict]}  (score {verdict.score:.2f})")
    for reason in verdict.reasons:
        print(f"\n- {reason.code}: {reason.message}")
        if reason.evidence:
            print(f"  evidence: {reason.evidence}")
    if verdict.about:
        print(f"\nthe text asks or warns about: {', '.join(verdict.about)}")
    if not verdict.reasons:
        print("\nno signs of a scam")
    return EXIT_OK


def scan_jsonl(source: IO[str], out: IO[str], errors: IO[str], locale: str) -> int:
    scanner = _scanner(locale)
    status = EXIT_OK
    for number, line in enumerate(source, start=1):
        if not line.strip():
            continue
        problem = None
        try:
            item = json.loads(line)
        except json.JSONDecodeError as exc:
            problem = f"not JSON: {exc.msg} at column {exc.colno}"
        else:
            if not isinstance(item, dict):
                problem = "expected a JSON object"
            elif not isinstance(item.get("text"), str):
                problem = 'expected a "text" field holding a string'
        if problem is not None:
            print(f"line {number}: {problem}", file=errors)
            out.write(json.dumps({"line": number, "error": problem}) + "\n")
            status = EXIT_USAGE
            continue
        result = {**item, **scanner(item["text"]).as_json()}
        out.write(json.dumps(result, ensure_ascii=False) + "\n")
        out.flush()
    return status


def show_stats(days: int | None, *, as_json: bool) -> int:
    import asyncio
    import sqlite3

    from bot.config import load_settings
    from bot.db import Database, now
    from bot.scam.storage import ScamStats, ScamStore

    if days is not None and days <= 0:
        print("--days: must be a positive number of days", file=sys.stderr)
        return EXIT_USAGE
    settings = load_settings()
    since = now() - days * 86400 if days else 0

    async def collect() -> ScamStats:
        db = await Database.open(settings.database_path)
        try:
            return await ScamStore(db).stats(since)
        finally:
            await db.close()

    try:
        stats = asyncio.run(collect())
    except sqlite3.Error as exc:
        print(f"database error: {exc}", file=sys.stderr)
        return EXIT_FAILURE
    if as_json:
        print(json.dumps(stats.as_json(), ensure_ascii=False))
        return EXIT_OK
    period = f"last {days} day(s)" if days else "all time"
    print(f"Scam checks ({period}, {settings.database_path})")
    if not stats.verdicts:
        print("  no checks yet")
    for source, counts in stats.verdicts.items():
        parts = ", ".join(f"{counts.get(v, 0)} {v}" for v in ("scam", "suspicious", "safe"))
        print(f"  {source:<10} {parts}")
    print("\nReasons in flagged checks")
    for code, count in stats.flagged_reasons.items() or [("(none)", 0)]:
        print(f"  {code:<24} {count}")
    print(f"\nReports: {stats.reports}, by reason")
    for code, count in stats.reported_reasons.items() or [("(none)", 0)]:
        print(f"  {code:<24} {count}")
    return EXIT_OK
