"""The sandbox page in real headless Chromium (Debian's ``chromium``, driven by Playwright).

Every test fails on a JavaScript error, a console error or a dialog (an ``alert`` from injected
markup would be one). Screenshots go to the test's temporary directory. A missing browser is a
failure, not a skip: ``.ci/run`` installs it.
"""

from __future__ import annotations

import os
import re
import shutil
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
import pytest_asyncio
from playwright.async_api import Browser, Dialog, Locator, Page, async_playwright, expect

from bot.sandbox.server import AGENTS, TEST_USERS, Sandbox, open_sandbox
from tests.sandboxing import (
    CHROMIUM_FLAGS,
    add_test_shop,
    sandbox_settings,
    send_stars_invoice,
    web_checkout_order,
)

ANA, OMAR = TEST_USERS[0].user_id, TEST_USERS[5].user_id
MAYA = AGENTS[0].user_id
expect.set_options(timeout=10_000)


def chromium_path() -> str:
    path = os.environ.get("CHROMIUM_PATH") or shutil.which("chromium")
    if path is None:
        pytest.fail("Chromium is missing: apt-get install chromium (.ci/run installs it)")
    return path


# One browser for the module (it is the slow part to start); a fresh context per test.
pytestmark = pytest.mark.asyncio(loop_scope="module")


@pytest_asyncio.fixture(scope="module", loop_scope="module")
async def browser() -> AsyncIterator[Browser]:
    # Playwright adds --headless and a fresh temporary --user-data-dir itself.
    async with async_playwright() as playwright:
        launched = await playwright.chromium.launch(
            executable_path=chromium_path(), args=CHROMIUM_FLAGS
        )
        yield launched
        await launched.close()


@pytest_asyncio.fixture(loop_scope="module")
async def page(browser: Browser) -> AsyncIterator[Page]:
    context = await browser.new_context(viewport={"width": 1100, "height": 760})
    opened = await context.new_page()
    problems: list[str] = []
    opened.on("pageerror", lambda error: problems.append(f"JavaScript error: {error}"))
    opened.on(
        "console",
        lambda message: (
            problems.append(f"console: {message.text}") if message.type == "error" else None
        ),
    )

    async def on_dialog(dialog: Dialog) -> None:
        problems.append(f"dialog: {dialog.message}")
        await dialog.dismiss()

    opened.on("dialog", on_dialog)
    yield opened
    await context.close()
    assert problems == []


@pytest_asyncio.fixture(loop_scope="module")
async def sandbox(tmp_path: Path) -> AsyncIterator[Sandbox]:
    async with open_sandbox(sandbox_settings(tmp_path)) as running:
        add_test_shop(running.application)
        yield running


async def open_chat(page: Page, sandbox: Sandbox, user_id: int) -> None:
    await page.goto(sandbox.url + "/")
    await page.locator(f'.person[data-user-id="{user_id}"]').click()
    await expect(page.locator("body")).to_have_attribute("data-ready", "true")


async def send(page: Page, text: str) -> None:
    await page.locator("#text").fill(text)
    await page.locator("#text").press("Enter")


def last_bot_message(page: Page) -> Locator:
    return page.locator("#messages li.in").last


async def test_start_shows_the_menu_and_arabic_reads_right_to_left(
    page: Page, sandbox: Sandbox, tmp_path: Path
) -> None:
    await open_chat(page, sandbox, ANA)
    await page.locator("#text").fill("/")
    suggestions = page.locator("#suggestions li")
    await expect(suggestions.first).to_contain_text("/start")
    await expect(suggestions.first).to_contain_text("Main menu")
    await suggestions.first.dispatch_event("mousedown")
    menu = page.locator("#messages li.in").last
    await expect(menu.locator(".text")).to_contain_text("Hi, Ana!")
    # The menu grows as features register; these two are the home feature's own.
    await expect(menu.locator(".key", has_text="🌐 Language")).to_have_count(1)
    await expect(menu.locator(".key", has_text="❓ Help")).to_have_count(1)
    await page.screenshot(path=tmp_path / "menu-en.png")

    await menu.locator(".key", has_text="Help").click()  # the bot edits the menu in place
    await expect(menu.locator(".text")).to_contain_text("What I can do")
    await expect(menu.locator(".edited")).to_be_visible()
    await expect(page.locator("#messages li.in")).to_have_count(1)

    await page.locator(f'.person[data-user-id="{OMAR}"]').click()
    assert await page.evaluate("document.documentElement.dir") == "rtl"
    await send(page, "/start")
    menu = page.locator("#messages li.in").last
    await expect(menu.locator(".text")).to_contain_text("مرحبًا")
    assert await menu.locator(".text").evaluate("e => getComputedStyle(e).direction") == "rtl"
    keys = menu.locator(".key")
    await expect(keys.nth(1)).to_be_visible()  # two to a row: the first row's pair
    first, second = await keys.nth(0).bounding_box(), await keys.nth(1).bounding_box()
    assert first is not None and second is not None
    assert first["x"] > second["x"], "the first button should sit on the right"
    await page.screenshot(path=tmp_path / "menu-ar.png")


async def test_invoice_card_pays_fails_and_shows_refusals(
    page: Page, sandbox: Sandbox, tmp_path: Path
) -> None:
    await open_chat(page, sandbox, ANA)
    emulator = sandbox.emulator
    # by position, not .last: a locator resolves when used, maybe before the next card arrives
    invoices = page.locator(".invoice")
    await send_stars_invoice(emulator, ANA, coins=700, stars=600)
    card = invoices.nth(0)
    await expect(card.locator(".pay")).to_have_text("Pay ⭐600")
    await card.locator(".pay").click()
    await expect(card.locator(".invoice-status")).to_have_text("Paid ✓")
    await expect(page.locator(".service-text").last).to_have_text("You paid ⭐600")
    await expect(last_bot_message(page)).to_contain_text(
        "Receipt: +700 coins. New balance: 700 coins."
    )
    await expect(card.locator(".pay")).to_be_disabled()

    await page.locator("#fail-payments").check()
    await send_stars_invoice(emulator, ANA, coins=70, stars=60)
    card = invoices.nth(1)
    await card.locator(".pay").click()
    await expect(card.locator(".invoice-status")).to_contain_text("The payment failed")
    await page.locator("#fail-payments").uncheck()

    await send_stars_invoice(emulator, ANA, coins=70, stars=60, payload="expired")
    card = invoices.nth(2)
    await card.locator(".pay").click()
    await expect(card.locator(".invoice-status")).to_have_text(
        "The bot declined the payment: This order has expired."
    )
    await page.screenshot(path=tmp_path / "payments.png")
    assert len(emulator.star_payments) == 1

    await page.reload()  # a paid invoice stays paid
    await expect(page.locator(".invoice").first.locator(".invoice-status")).to_have_text("Paid ✓")


async def test_markup_in_messages_is_shown_as_text(page: Page, sandbox: Sandbox) -> None:
    attack = "<img src=x onerror=alert(1)>"
    await open_chat(page, sandbox, ANA)
    await send(page, attack)
    await expect(page.locator("#messages li.out .text").last).to_have_text(attack)
    await expect(last_bot_message(page)).to_contain_text("I didn't quite get that")
    await sandbox.emulator.call(
        "sendMessage",
        {
            "chat_id": ANA,
            "text": "<b>bold</b> &amp; <i>calm</i> <a href='https://x.example'>site</a>",
            "parse_mode": "HTML",
        },
    )
    await sandbox.emulator.call(
        "sendMessage",
        {
            "chat_id": ANA,
            "text": "tap me " + attack,
            "entities": [
                {"type": "text_link", "offset": 0, "length": 6, "url": "javascript:alert(1)"}
            ],
        },
    )
    await expect(page.locator("#messages li.in .text").last).to_have_text("tap me " + attack)
    formatted = page.locator("#messages li.in .text").nth(-2)
    await expect(formatted.locator("strong")).to_have_text("bold")
    await expect(formatted.locator("em")).to_have_text("calm")
    await expect(formatted.locator("a")).to_have_attribute("href", "https://x.example/")
    await expect(page.locator("#messages img")).to_have_count(0)
    await expect(page.locator('#messages a[href^="javascript"]')).to_have_count(0)
    await expect(page.locator("#messages .unsafe-link")).to_have_text("tap me")


async def test_url_buttons_open_their_link_and_deletions_show_live(
    page: Page, sandbox: Sandbox
) -> None:
    await open_chat(page, sandbox, ANA)
    link = f"{sandbox.url}/checkout?order=RD-1&amount=0.99&currency=USD&coins=70"
    keyboard = {"inline_keyboard": [[{"text": "Pay on the website", "url": link}]]}
    sent = await sandbox.emulator.call(
        "sendMessage", {"chat_id": ANA, "text": "Your order", "reply_markup": keyboard}
    )
    async with page.context.expect_page() as opened:
        await page.locator(".key.link", has_text="Pay on the website").click()
    checkout = await opened.value
    await expect(checkout.locator("#order-ref")).to_have_text("RD-1")
    assert checkout.url == link
    await checkout.close()
    await sandbox.emulator.call("deleteMessage", {"chat_id": ANA, "message_id": sent["message_id"]})
    await expect(page.locator("#messages li")).to_have_count(0)


async def test_forwarding_a_strangers_message_to_the_bot(page: Page, sandbox: Sandbox) -> None:
    await open_chat(page, sandbox, ANA)
    await page.locator("#forward-button").click()
    await page.locator("#forward-from").fill("Cheap Coins Shop")
    await page.locator("#forward-text").fill("1000 coins for $2! DM me your login code")
    await page.locator("#forward-form button[type=submit]").click()
    sent = page.locator("#messages li.out").last
    await expect(sent.locator(".forwarded")).to_have_text("Forwarded from Cheap Coins Shop")
    await expect(sent.locator(".text")).to_have_text("1000 coins for $2! DM me your login code")
    await expect(page.locator("#forward-form")).to_be_hidden()
    [forwarded] = [m for m in sandbox.emulator.messages(ANA) if "forward_origin" in m]
    assert forwarded["forward_origin"]["sender_user"]["first_name"] == "Cheap Coins Shop"


async def test_staff_tab_follows_a_real_ticket(
    page: Page, sandbox: Sandbox, tmp_path: Path
) -> None:
    await open_chat(page, sandbox, ANA)
    await send(page, "/human")
    await page.locator("#tab-staff").click()
    topic = page.locator(".topic-button", has_text="#1 · Ana")
    await expect(topic).to_have_count(1)
    await topic.click()
    staff = page.locator("#staff-messages li")
    await expect(staff.first).to_contain_text("Topic created")
    await expect(page.locator("#staff-messages")).to_contain_text("Balance: 0 coins")  # the card
    await page.locator("#agent-text").fill("Hi Ana, I'm looking into it.")
    await page.locator("#agent-text").press("Enter")
    await expect(page.locator("#staff-messages li.out").last).to_contain_text("Maya")
    await page.screenshot(path=tmp_path / "staff.png")
    await page.locator("#tab-chat").click()
    answer = page.locator("#messages li.in").last
    await expect(answer).to_contain_text("Hi Ana, I'm looking into it.")
    await expect(answer).to_contain_text("Support")
    await page.screenshot(path=tmp_path / "staff-answer.png")


async def test_web_checkout_page_notifies_the_bot(page: Page, tmp_path: Path) -> None:
    async with open_sandbox(sandbox_settings(tmp_path)) as sandbox:
        order = await web_checkout_order(sandbox, ANA)
        link = str(sandbox.services.settings.web_checkout_url)
        await page.goto(f"{link}?order={order.reference}&amount=54.90&currency=BRL&coins=700")
        await expect(page.locator("#order-coins")).to_have_text("700")
        await expect(page.locator("#order-amount")).to_contain_text("54.90")
        await page.locator("#pay").click()
        await expect(page.locator("#result")).to_contain_text("The bot confirmed the notification")
        await page.locator("#again").click()
        await expect(page.locator("#again")).to_be_enabled()
        await page.screenshot(path=tmp_path / "checkout.png")
        assert sandbox.services.wallet is not None
        assert await sandbox.services.wallet.balance(ANA) == 700  # delivered twice, credited once


async def test_stars_purchase_through_recharge_from_start_to_receipt(
    page: Page, tmp_path: Path
) -> None:
    async with open_sandbox(sandbox_settings(tmp_path)) as sandbox:
        await open_chat(page, sandbox, ANA)
        await send(page, "/start")
        await page.locator("#messages li.in .key", has_text=re.compile("Recharge")).last.click()
        await page.locator("#messages li.in .key", has_text=re.compile(r"^70 coins")).last.click()
        await page.locator("#messages li.in .key", has_text=re.compile("Stars")).last.click()
        await page.locator("#messages li.in .key", has_text=re.compile("Confirm")).last.click()
        card = page.locator(".invoice").last
        await card.locator(".pay").click()
        await expect(card.locator(".invoice-status")).to_have_text("Paid ✓")
        receipt = page.locator("#messages li.in").last
        await expect(receipt).to_contain_text("70 coins were added to your wallet.")
        await expect(receipt).to_contain_text("New balance: 70 coins")
        await page.screenshot(path=tmp_path / "recharge-receipt.png")
