"""The wallet in the chat, end to end through the emulator."""

from __future__ import annotations

from tests.harness import Harness, buttons


async def credit(harness: Harness, user_id: int, coins: int, key: str) -> None:
    wallet = harness.services.wallet
    assert wallet is not None
    await wallet.adjust(user_id=user_id, amount=coins, agent_id=1, reason="test", key=key)


async def test_wallet_menu_shows_balance_and_limits(harness: Harness) -> None:
    ana = harness.person("Ana")
    [menu] = await ana.send("/start")
    assert any(b["text"] == "👛 Wallet" for b in buttons(menu))
    await ana.send("/start")  # the user row exists before coins arrive
    await credit(harness, ana.id, 1400, "k1")
    [home] = await ana.press("Wallet")
    assert "Balance: 1,400 coins" in home["text"]
    [balance] = await ana.send("/balance")
    assert balance["text"] == "You have 1,400 coins."


async def test_history_pages_and_forged_pages(harness: Harness) -> None:
    ana = harness.person("Ana")
    await ana.send("/start")
    for i in range(10):
        await credit(harness, ana.id, i + 1, f"k{i}")
    [first] = await ana.send("/history")
    assert (
        "page 1 of 2" in first["text"]
        and "+10" in first["text"]
        and "Correction by support" in first["text"]
    )
    [second] = await ana.press("Older")
    assert "page 2 of 2" in second["text"] and "+1 " in second["text"]
    replies = await ana.press_forged("wallet:hist:99")
    assert "no longer valid" in replies[-1]["text"]
    replies = await ana.press_forged("wallet:hist:-1")
    assert "no longer valid" in replies[-1]["text"]


async def test_budget_is_set_by_typing_and_junk_is_explained(harness: Harness) -> None:
    ana = harness.person("Ana", language_code="pt-br")
    await ana.send("/budget")
    [prompt] = await ana.press("Definir orçamento")
    assert "BRL" in prompt["text"]
    [problem] = await ana.send("cinquenta")
    assert "R$" in problem["text"]
    [done] = await ana.send("150,00")
    assert "R$\xa0150" in done["text"]
    [view] = await ana.send("/budget")
    assert "R$\xa00 de R$\xa0150" in view["text"]
    [removed] = await ana.send("/budget off")
    assert "removido" in removed["text"]


async def test_parental_lock_setup_raise_and_wrong_pin(harness: Harness) -> None:
    ana = harness.person("Ana")
    await ana.send("/budget")
    await ana.press("Parental lock")
    await ana.press("Set up")
    [ask_pin] = await ana.send("20")
    assert "PIN" in ask_pin["text"]
    seq = harness.emulator.last_seq
    await ana.send("2468")
    deleted = harness.emulator.events_after(seq, {"delete"})
    assert deleted, "the PIN message should be deleted"
    assert all(m.get("text") != "2468" for m in harness.emulator.messages(ana.id))
    [on] = await ana.send("2468")
    assert "The parental lock is on: $20 a month." in on["text"]
    await ana.send("/budget")
    await ana.press("Parental lock")
    await ana.press("Change limit")
    [needs_pin] = await ana.send("50")
    assert "needs the PIN" in needs_pin["text"]
    [wrong] = await ana.send("0000")
    assert wrong["text"] == "That PIN is not right."
    await ana.send("/budget")
    await ana.press("Parental lock")
    await ana.press("Change limit")
    await ana.send("50")
    [scheduled] = await ana.send("2468")
    assert "takes effect on" in scheduled["text"]
    wallet = harness.services.wallet
    assert wallet is not None
    view = await wallet.spending_limits(ana.id)
    assert (
        view.lock is not None
        and view.lock.limit_minor == 2000
        and view.lock.pending_limit_minor == 5000
    )


async def test_orders_view_and_cancel(harness: Harness) -> None:
    ana = harness.person("Ana")
    await ana.send("/start")
    await ana.press("Wallet")
    [orders] = await ana.press("My orders")
    assert "no orders yet" in orders["text"]
    await ana.press("Wallet")
    await ana.press("Budget")
    await ana.press("Set budget")
    await ana.press("Cancel")
    [after] = await ana.send("25")  # no longer waiting for an amount: the menu fallback answers
    assert "budget" not in after["text"].lower()
