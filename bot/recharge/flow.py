"""The purchase conversation: region -> package (or a typed amount) -> method -> confirm -> pay.

Every step lives in its callback data (``rc:<step>:<region>:<choice>:<method>``) and is checked
against the catalog when pressed, so a stale or forged button can only ever show "expired". A
choice is a package id, or ``+N`` for a custom amount of N coins (``+`` cannot start a package id).
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from decimal import Decimal
from typing import Any
from urllib.parse import urlencode

from telegram import InlineKeyboardButton, InlineKeyboardMarkup, LabeledPrice, Update

from bot.callbacks import pack, unpack
from bot.catalog import AmountError, Catalog, Method, MethodKind, Quote, parse_coin_amount
from bot.context import BotContext
from bot.home.handlers import back_to_menu_button, button_expired
from bot.i18n import Translator
from bot.plumbing import answer_callback, bold, reply
from bot.recharge.signing import payload_key, sign_payload
from bot.wallet.records import Order
from bot.wallet.rules import STARS, LimitKind, SpendingLimit, from_minor, to_minor
from bot.wallet.service import Wallet

INPUT_KEY = "recharge_input"
INPUT_TTL = 10 * 60
CUSTOM_PREFIX = "+"
METHOD_ICONS = {MethodKind.STARS: "⭐", MethodKind.WEB_CHECKOUT: "🌐", MethodKind.APP_STORE: "📱"}


@dataclass(frozen=True)
class Choice:
    region_id: str
    choice: str  # package id, or +N
    quote: Quote


def wallet_of(context: BotContext) -> Wallet:
    assert context.services.wallet is not None
    return context.services.wallet


def coins_text(t: Translator, coins: int) -> str:
    return t.ngettext("{count} coin", "{count} coins", coins, count=t.number(coins))


def price_by(t: Translator, quote: Quote, method: Method) -> str:
    if method.kind == MethodKind.STARS:
        return t.stars(quote.stars)
    if method.kind == MethodKind.APP_STORE:
        return t.money(quote.app.amount, quote.app.currency)
    return t.money(quote.web.amount, quote.web.currency)


def resolve_choice(catalog: Catalog, region_id: str, choice: str) -> Choice | None:
    """The quote a (region, choice) pair from callback data stands for, if it is still valid."""
    region = catalog.region(region_id)
    if region is None or not region.available:
        return None
    if choice.startswith(CUSTOM_PREFIX):
        digits = choice[len(CUSTOM_PREFIX) :]
        if not digits.isdigit() or len(digits) > 9:
            return None
        coins = int(digits)
        if not catalog.custom.min_coins <= coins <= catalog.custom.max_coins:
            return None
        return Choice(region_id, choice, catalog.quote_custom(region_id, coins))
    if catalog.package(choice) is None:
        return None
    return Choice(region_id, choice, catalog.quote(region_id, choice))


def current_region(context: BotContext) -> str:
    catalog = context.services.catalog
    saved = context.user.region if context.user else None
    if saved and catalog.region(saved) is not None:
        return saved
    return catalog.guess_region(context.t.locale)


# ------------------------------------------------------------------------------- screens
async def show_packages(update: Update, context: BotContext, region_id: str | None = None) -> None:
    await answer_callback(update, context)
    t, catalog = context.t, context.services.catalog
    region_id = region_id or current_region(context)
    region = catalog.region(region_id)
    if region is None:
        await button_expired(update, context)
        return
    if not region.available:
        await show_unavailable(update, context, region_id)
        return
    quotes = [catalog.quote(region_id, package.id) for package in catalog.packages]
    lines = [
        bold(t._("Recharge coins — {region}", region=region.name_in(t.locale))),
        t._("Website · app · Telegram Stars:"),
        "",
    ]
    lines += [
        t._(
            "{coins}: <b>{web}</b> · {app} · {stars}",
            coins=coins_text(t, q.coins),
            web=t.money(q.web.amount, q.web.currency),
            app=t.money(q.app.amount, q.app.currency),
            stars=t.stars(q.stars),
        )
        for q in quotes
    ]
    best = max(quotes, key=lambda q: q.saving_percent)
    lines += [
        "",
        t._(
            "The official website is up to {percent}% cheaper than the app, which adds the app "
            "store's fee.",
            percent=t.number(best.saving_percent),
        ),
        region.tax_note_in(t.locale),
    ]
    buttons = [
        InlineKeyboardButton(
            t._(
                "{coins} · {price}",
                coins=coins_text(t, q.coins),
                price=t.money(q.web.amount, q.web.currency),
            ),
            callback_data=pack("rc", "p", region_id, q.package_id or ""),
        )
        for q in quotes
    ]
    rows = [buttons[i : i + 2] for i in range(0, len(buttons), 2)]
    rows.append(
        [InlineKeyboardButton(t._("✍️ Other amount"), callback_data=pack("rc", "custom", region_id))]
    )
    rows.append(
        [InlineKeyboardButton(t._("🌍 Change region"), callback_data=pack("rc", "regions"))]
    )
    rows.append([back_to_menu_button(t)])
    await reply(update, context, "\n".join(lines), InlineKeyboardMarkup(rows))


async def show_unavailable(update: Update, context: BotContext, region_id: str) -> None:
    t = context.t
    region = context.services.catalog.regions[region_id]
    text = "\n\n".join(
        [
            bold(t._("Recharge is not available in {region}", region=region.name_in(t.locale))),
            region.tax_note_in(t.locale),
            t._(
                "Please don't buy coins from other people or websites instead: they are not "
                "official, and accounts that use them can lose their coins."
            ),
        ]
    )
    rows = [[InlineKeyboardButton(t._("🌍 Change region"), callback_data=pack("rc", "regions"))]]
    rows.append([back_to_menu_button(t)])
    await reply(update, context, text, InlineKeyboardMarkup(rows))


async def show_regions(update: Update, context: BotContext) -> None:
    await answer_callback(update, context)
    t, catalog = context.t, context.services.catalog
    buttons = [
        InlineKeyboardButton(region.name_in(t.locale), callback_data=pack("rc", "r", region_id))
        for region_id, region in catalog.regions.items()
    ]
    rows = [buttons[i : i + 2] for i in range(0, len(buttons), 2)]
    rows.append([back_to_menu_button(t)])
    await reply(
        update,
        context,
        t._("Where do you live? Prices and payment methods depend on it."),
        InlineKeyboardMarkup(rows),
    )


async def choose_region(update: Update, context: BotContext, region_id: str) -> None:
    if context.services.catalog.region(region_id) is None or update.effective_user is None:
        await button_expired(update, context)
        return
    await context.services.users.set_region(update.effective_user.id, region_id)
    await show_packages(update, context, region_id)


async def show_methods(update: Update, context: BotContext, chosen: Choice) -> None:
    await answer_callback(update, context)
    t, catalog = context.t, context.services.catalog
    region = catalog.regions[chosen.region_id]
    quote = chosen.quote
    lines = [
        bold(
            t._(
                "{coins} in {region}",
                coins=coins_text(t, quote.coins),
                region=region.name_in(t.locale),
            )
        ),
        t._("How do you want to pay?"),
    ]
    rows = []
    for method_id, method in catalog.methods_in(chosen.region_id).items():
        label = t._(
            "{icon} {method} — {price}",
            icon=METHOD_ICONS[method.kind],
            method=method.name,
            price=price_by(t, quote, method),
        )
        rows.append(
            [
                InlineKeyboardButton(
                    label, callback_data=pack("rc", "m", chosen.region_id, chosen.choice, method_id)
                )
            ]
        )
    lines.append(
        t._(
            "Paying on the official website saves {saving} ({percent}%) compared with the app.",
            saving=t.money(quote.saving.amount, quote.saving.currency),
            percent=t.number(quote.saving_percent),
        )
    )
    rows.append(
        [InlineKeyboardButton(t._("⬅️ Packages"), callback_data=pack("rc", "r", chosen.region_id))]
    )
    await reply(update, context, "\n\n".join(lines), InlineKeyboardMarkup(rows))


async def show_confirmation(
    update: Update, context: BotContext, chosen: Choice, method_id: str
) -> None:
    await answer_callback(update, context)
    t, services = context.t, context.services
    method = services.catalog.methods_in(chosen.region_id).get(method_id)
    if method is None:
        await button_expired(update, context)
        return
    if method.kind == MethodKind.APP_STORE:
        await show_app_store(update, context, chosen)
        return
    quote = chosen.quote
    where = (
        t._("You pay right here in Telegram.")
        if method.kind == MethodKind.STARS
        else t._(
            "You finish the payment on the official website ({domain}) with {method}.",
            domain=services.brand.official_domains[0],
            method=method.name,
        )
    )
    text = "\n".join(
        [
            bold(t._("Please check your order")),
            "",
            t._("Coins: {coins}", coins=coins_text(t, quote.coins)),
            t._("Price: {price}", price=price_by(t, quote, method)),
            t._("Payment: {method}", method=method.name),
            "",
            where,
            t._(
                "The coins go to this Telegram account's wallet; coins cannot be moved to "
                "another account."
            ),
        ]
    )
    rows = [
        [
            InlineKeyboardButton(
                t._("✅ Confirm"),
                callback_data=pack("rc", "go", chosen.region_id, chosen.choice, method_id),
            )
        ],
        [
            InlineKeyboardButton(
                t._("⬅️ Back"), callback_data=pack("rc", "p", chosen.region_id, chosen.choice)
            )
        ],
    ]
    await reply(update, context, text, InlineKeyboardMarkup(rows))


async def show_app_store(update: Update, context: BotContext, chosen: Choice) -> None:
    t, brand = context.t, context.services.brand
    quote = chosen.quote
    fee = context.services.catalog.regions[chosen.region_id].app_store_fee_percent
    steps = [
        t._("Open the {platform} app.", platform=brand.platform),
        t._("Go to your profile and open the menu (☰)."),
        t._("Choose Balance, then Recharge (or Get coins)."),
        t._(
            "Pick {coins} and pay with your App Store or Google Play account.",
            coins=coins_text(t, quote.coins),
        ),
    ]
    text = "\n".join(
        [
            bold(t._("Recharge in the app")),
            "",
            *(f"{number}. {step}" for number, step in enumerate(steps, start=1)),
            "",
            t._(
                "In the app this costs {app}, because the app store adds its fee (about {fee}%). "
                "On the official website the same coins cost {web}.",
                app=t.money(quote.app.amount, quote.app.currency),
                fee=t.number(fee),
                web=t.money(quote.web.amount, quote.web.currency),
            ),
        ]
    )
    rows = [
        [
            InlineKeyboardButton("App Store", url=str(brand.urls.app_ios)),
            InlineKeyboardButton("Google Play", url=str(brand.urls.app_android)),
        ],
        [
            InlineKeyboardButton(
                t._("⬅️ Back"), callback_data=pack("rc", "p", chosen.region_id, chosen.choice)
            )
        ],
    ]
    await reply(update, context, text, InlineKeyboardMarkup(rows))


# ------------------------------------------------------------------------------- paying
def limit_refusal(t: Translator, limit: SpendingLimit, price_minor: int) -> str:
    values = {
        "spent": t.money(from_minor(limit.spent_minor, limit.currency), limit.currency),
        "limit": t.money(from_minor(limit.limit_minor, limit.currency), limit.currency),
        "price": t.money(from_minor(price_minor, limit.currency), limit.currency),
        "left": t.money(from_minor(limit.remaining_minor, limit.currency), limit.currency),
    }
    if limit.kind == LimitKind.PARENTAL:
        return t._(
            "This purchase is over the monthly limit a parent or guardian set: {spent} of "
            "{limit} is used this month, {left} is left, and this costs {price}.",
            **values,
        )
    return t._(
        "This purchase would go over your monthly budget: you have spent {spent} of {limit} "
        "this month, {left} is left, and this costs {price}. You can change the budget with "
        "/budget.",
        **values,
    )


async def budget_price(context: BotContext, user_id: int, quote: Quote) -> tuple[Decimal, str]:
    """What the purchase counts as against the user's limits: in their currency if they have one."""
    limits_currency = await wallet_of(context).limits_currency(user_id)
    if limits_currency and limits_currency != quote.web.currency:
        converted = context.services.catalog.price_in_currency(
            quote.coins, quote.package_id, limits_currency
        )
        if converted is not None:
            return converted.amount, converted.currency
    return quote.web.amount, quote.web.currency


async def place_order(update: Update, context: BotContext, chosen: Choice, method_id: str) -> None:
    t, services = context.t, context.services
    user = update.effective_user
    method = services.catalog.methods_in(chosen.region_id).get(method_id)
    if method is None or user is None or method.kind == MethodKind.APP_STORE:
        await button_expired(update, context)
        return
    await answer_callback(update, context)
    wallet = wallet_of(context)
    quote = chosen.quote
    local_price, local_currency = await budget_price(context, user.id, quote)
    decision = await wallet.check_purchase(user.id, to_minor(local_price, local_currency))
    if not decision.allowed and decision.blocked_by is not None:
        await reply(
            update,
            context,
            limit_refusal(t, decision.blocked_by, to_minor(local_price, local_currency)),
            edit=False,
        )
        return
    stars = method.kind == MethodKind.STARS
    order = await wallet.create_order(
        user_id=user.id,
        package_id=quote.package_id,
        coins=quote.coins,
        price=Decimal(quote.stars) if stars else quote.web.amount,
        currency=STARS if stars else quote.web.currency,
        local_price=local_price,
        local_currency=local_currency,
        method=method_id,
        region=chosen.region_id,
    )
    if stars:
        await send_invoice(update, context, order)
    else:
        await send_checkout_link(update, context, order, method)
    await wallet.mark_invoiced(order.reference)


async def send_invoice(update: Update, context: BotContext, order: Order) -> None:
    t, services = context.t, context.services
    chat = update.effective_chat
    assert chat is not None
    title = t.ngettext("{count} coin", "{count} coins", order.coins, count=t.number(order.coins))
    description = t._(
        "{coins} for your {platform} wallet. Order {reference}.",
        coins=title,
        platform=services.brand.platform,
        reference=order.reference,
    )
    await context.bot.send_invoice(
        chat_id=chat.id,
        title=title[:32],
        description=description[:255],
        payload=sign_payload(payload_key(services.settings.token), order.reference),
        currency=STARS,
        prices=[LabeledPrice(title[:32], order.price_minor)],
        # No provider_token: Stars need none, and python-telegram-bot 22.8 with Defaults turns
        # an empty string into "[]" (an empty str passes its InputPollOption sequence check).
    )


def checkout_url(context: BotContext, order: Order) -> str:
    settings, brand = context.services.settings, context.services.brand
    base = str(settings.web_checkout_url or brand.urls.web_checkout)
    query = urlencode(
        {
            "order": order.reference,
            "amount": str(from_minor(order.price_minor, order.currency)),
            "currency": order.currency,
            "coins": order.coins,
        }
    )
    return f"{base}{'&' if '?' in base else '?'}{query}"


async def send_checkout_link(
    update: Update, context: BotContext, order: Order, method: Method
) -> None:
    t = context.t
    text = "\n\n".join(
        [
            bold(t._("Order {reference}", reference=order.reference)),
            t._(
                "Pay {price} with {method} on the official website. When the payment is confirmed "
                "I will add {coins} to your wallet and tell you here.",
                price=t.money(from_minor(order.price_minor, order.currency), order.currency),
                method=method.name,
                coins=coins_text(t, order.coins),
            ),
            t._("The link is valid for 30 minutes. Only pay on the official website."),
        ]
    )
    rows = [
        [
            InlineKeyboardButton(
                t._("💳 Pay on the official website"), url=checkout_url(context, order)
            )
        ],
        [
            InlineKeyboardButton(
                t._("🔄 Check payment"), callback_data=pack("rc", "check", order.reference)
            )
        ],
    ]
    await reply(update, context, text, InlineKeyboardMarkup(rows), edit=False)


def check_payment_button(t: Translator, reference: str) -> InlineKeyboardButton:
    return InlineKeyboardButton(
        t._("🔄 Check payment"), callback_data=pack("rc", "check", reference)
    )


# -------------------------------------------------------------------------- custom amount
async def ask_custom_amount(update: Update, context: BotContext, region_id: str) -> None:
    await answer_callback(update, context)
    t, catalog = context.t, context.services.catalog
    region = catalog.region(region_id)
    if region is None or not region.available:
        await button_expired(update, context)
        return
    assert context.user_data is not None
    context.user_data[INPUT_KEY] = {"region": region_id, "until": time.monotonic() + INPUT_TTL}
    text = t._(
        "How many coins do you want? Send a number from {min} to {max}.",
        min=t.number(catalog.custom.min_coins),
        max=t.number(catalog.custom.max_coins),
    )
    rows = [[InlineKeyboardButton(t._("✖️ Cancel"), callback_data=pack("rc", "r", region_id))]]
    await reply(update, context, text, InlineKeyboardMarkup(rows))


def amount_problem(t: Translator, problem: AmountError, catalog: Catalog) -> str:
    bounds = {"min": t.number(catalog.custom.min_coins), "max": t.number(catalog.custom.max_coins)}
    if problem == AmountError.TOO_SMALL:
        return t._(
            "The smallest custom amount is {min} coins. Send a number from {min} to {max}.",
            **bounds,
        )
    if problem == AmountError.TOO_LARGE:
        return t._(
            "The largest custom amount is {max} coins. Send a number from {min} to {max}.", **bounds
        )
    if problem == AmountError.NOT_WHOLE:
        return t._("Coins come in whole numbers. Send a number from {min} to {max}.", **bounds)
    return t._(
        "Please send just the number of coins, from {min} to {max}, for example 1400.", **bounds
    )


async def typed_amount(update: Update, context: BotContext) -> bool:
    """Answers only right after "Other amount" was pressed."""
    pending = (context.user_data or {}).get(INPUT_KEY)
    message = update.effective_message
    if not pending or message is None or message.text is None:
        return False
    assert context.user_data is not None
    if pending["until"] < time.monotonic():
        context.user_data.pop(INPUT_KEY, None)
        return False
    catalog = context.services.catalog
    result = parse_coin_amount(message.text, catalog.custom.min_coins, catalog.custom.max_coins)
    if isinstance(result, AmountError):
        rows = [
            [
                InlineKeyboardButton(
                    context.t._("✖️ Cancel"), callback_data=pack("rc", "r", pending["region"])
                )
            ]
        ]
        await reply(
            update,
            context,
            amount_problem(context.t, result, catalog),
            InlineKeyboardMarkup(rows),
            edit=False,
        )
        return True
    context.user_data.pop(INPUT_KEY, None)
    chosen = resolve_choice(catalog, pending["region"], f"{CUSTOM_PREFIX}{result}")
    if chosen is None:
        return False
    await show_methods(update, context, chosen)
    return True


# ------------------------------------------------------------------------------- routing
async def _with_choice(update: Update, context: BotContext, args: list[str]) -> None:
    """``p``/``m``/``go`` steps: the region and choice (and method) must still be on sale."""
    catalog = context.services.catalog
    chosen = resolve_choice(catalog, args[1], args[2])
    method_id = args[3] if len(args) == 4 else None
    if chosen is None or (method_id is not None and method_id not in catalog.methods_in(args[1])):
        await button_expired(update, context)
    elif method_id is None:
        await show_methods(update, context, chosen)
    elif args[0] == "m":
        await show_confirmation(update, context, chosen, method_id)
    else:
        await place_order(update, context, chosen, method_id)


ROUTES: dict[tuple[str, int], Any] = {
    ("start", 1): lambda update, context, args: show_packages(update, context),
    ("regions", 1): lambda update, context, args: show_regions(update, context),
    ("r", 2): lambda update, context, args: choose_region(update, context, args[1]),
    ("custom", 2): lambda update, context, args: ask_custom_amount(update, context, args[1]),
    ("p", 3): _with_choice,
    ("m", 4): _with_choice,
    ("go", 4): _with_choice,
}


async def on_button(update: Update, context: BotContext) -> None:
    """``rc:...`` buttons. Every argument is re-checked against the catalog here."""
    data = update.callback_query.data if update.callback_query else None
    if context.user_data is not None:
        context.user_data.pop(INPUT_KEY, None)
    arity = data.count(":") if data else 0
    args = unpack(data, "rc", arity)
    route = ROUTES.get((args[0], arity)) if args else None
    if route is None or args is None:
        await button_expired(update, context)
        return
    await route(update, context, args)


async def recharge_command(update: Update, context: BotContext) -> None:
    if context.user_data is not None:
        context.user_data.pop(INPUT_KEY, None)
    await show_packages(update, context)
