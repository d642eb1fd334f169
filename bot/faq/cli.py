"""``python -m bot faq …``: search the FAQ as the bot would, lint its content, read the votes.

``search`` prints the best entries for a query in a language (``--json``:
``{"results": [{"id", "score", "question"}, …]}``, best first). ``lint`` prints every problem in
the content and exits 1 when there is any, so CI can run it. ``votes`` shows how helpful users
found each answer (``--json``: ``{"votes": [{"id", "helpful", "not_helpful"}, …]}``), least
helpful first, so an operator knows which answers to rewrite.
"""

from __future__ import annotations

import argparse
import sys
from typing import TYPE_CHECKING

from pydantic import BaseModel

from bot.i18n import SUPPORTED_LOCALES

if TYPE_CHECKING:
    from bot.config import Settings

EXIT_OK, EXIT_FAILURE, EXIT_USAGE = 0, 1, 2


class SearchResult(BaseModel):
    id: str
    score: float
    question: str


class SearchOutput(BaseModel):
    results: list[SearchResult]


class VoteRow(BaseModel):
    id: str
    helpful: int
    not_helpful: int


class VotesOutput(BaseModel):
    votes: list[VoteRow]


def add_commands(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    faq = commands.add_parser("faq", help="search and check the FAQ content")
    actions = faq.add_subparsers(dest="faq_command", metavar="ACTION", required=True)

    search = actions.add_parser("search", help="rank FAQ entries for a question")
    search.add_argument("query")
    search.add_argument("--locale", default="en", help=f"one of {', '.join(SUPPORTED_LOCALES)}")
    search.add_argument("--json", action="store_true", help="print JSON")
    search.add_argument("--limit", type=int, default=5, help="how many results (default 5)")
    search.set_defaults(handler=_search)

    actions.add_parser("lint", help="check the FAQ content; exit 1 on any problem").set_defaults(
        handler=_lint
    )

    votes = actions.add_parser("votes", help='"Was this helpful?" votes per entry, worst first')
    votes.add_argument("--json", action="store_true", help="print JSON")
    votes.set_defaults(handler=_votes)


def _search(args: argparse.Namespace) -> int:
    if args.locale not in SUPPORTED_LOCALES:
        print(
            f"--locale: {args.locale!r} is not one of {', '.join(SUPPORTED_LOCALES)}",
            file=sys.stderr,
        )
        return EXIT_USAGE
    if not 1 <= args.limit <= 100:
        print("--limit: must be between 1 and 100", file=sys.stderr)
        return EXIT_USAGE
    from bot.faq.service import open_faq

    faq = open_faq(_settings())
    matches = faq.index.search(args.query, args.locale, args.limit)
    t = faq.translators[args.locale]
    values = faq.values(t, None)
    results = [
        SearchResult(
            id=match.entry_id,
            score=match.score,
            question=faq.question(match.entry_id, t, values),
        )
        for match in matches
    ]
    if args.json:
        print(SearchOutput(results=results).model_dump_json())
    else:
        for result in results:
            print(f"{result.score:.3f}  {result.id:28}  {result.question}")
    return EXIT_OK


def _lint(args: argparse.Namespace) -> int:
    from bot.brand import default_brand, load_brand
    from bot.catalog import default_catalog, load_catalog
    from bot.faq.content import DEFAULT_FAQ_DIR
    from bot.faq.lint import lint
    from bot.i18n import Catalogs

    settings = _settings()
    root = settings.faq_dir or DEFAULT_FAQ_DIR
    brand = load_brand(settings.brand_path) if settings.brand_path else default_brand()
    catalog = load_catalog(settings.catalog_path) if settings.catalog_path else default_catalog()
    problems = lint(root, Catalogs(default_locale=settings.default_locale), brand, catalog)
    for problem in problems:
        print(problem)
    if problems:
        print(f"{len(problems)} problem(s)", file=sys.stderr)
        return EXIT_FAILURE
    print(f"{root}: no problems")
    return EXIT_OK


def _votes(args: argparse.Namespace) -> int:
    import asyncio

    from bot.db import Database
    from bot.faq.storage import FaqStore

    settings = _settings()

    async def read() -> list[VoteRow]:
        db = await Database.open(settings.database_path)
        try:
            counts = await FaqStore(db).vote_counts()
        finally:
            await db.close()
        return [
            VoteRow(id=c.entry_id, helpful=c.helpful, not_helpful=c.not_helpful) for c in counts
        ]

    rows = asyncio.run(read())
    if args.json:
        print(VotesOutput(votes=rows).model_dump_json())
    else:
        for row in rows:
            print(f"{row.id:28}  👍 {row.helpful:>5}  👎 {row.not_helpful:>5}")
        if not rows:
            print("no votes yet")
    return EXIT_OK


def _settings() -> Settings:
    from bot.config import load_settings

    return load_settings()
