// The sandbox checkout page: shows the order from the link and, on "Pay", asks the sandbox
// server (playing the platform) to send the bot its signed payment notification.
"use strict";

const $ = (id) => document.getElementById(id);
const params = new URLSearchParams(window.location.search);
const order = {
  order: params.get("order") ?? "",
  amount: params.get("amount") ?? "",
  currency: (params.get("currency") ?? "").toUpperCase(),
  coins: params.get("coins") ?? "",
};
let paymentId = null;

function money(amount, currency) {
  try {
    return new Intl.NumberFormat(undefined, { style: "currency", currency }).format(Number(amount));
  } catch {
    return `${amount} ${currency}`;
  }
}

function show(text, ok) {
  $("result").textContent = text;
  $("result").dataset.ok = String(ok);
}

async function deliver() {
  $("pay").disabled = true;
  $("again").disabled = true;
  show("Paying…", true);
  try {
    const response = await fetch("/sandbox/checkout/pay", {
      method: "POST",
      headers: { "Content-Type": "application/json" },
      body: JSON.stringify({ ...order, external_payment_id: paymentId }),
    });
    const result = await response.json();
    if (!response.ok) {
      show(result.error, false);
      $("pay").disabled = false;
      return;
    }
    paymentId = result.external_payment_id;
    $("again").hidden = false;
    if (result.status >= 200 && result.status < 300) {
      show(`Paid. The bot confirmed the notification (HTTP ${result.status}); go back to the chat.`, true);
    } else {
      show(`Paid, but the bot refused the notification: HTTP ${result.status} ${result.answer}`, false);
    }
  } catch (error) {
    show(String(error), false);
    $("pay").disabled = false;
  } finally {
    $("again").disabled = false;
  }
}

function main() {
  $("order-ref").textContent = order.order || "—";
  $("order-coins").textContent = order.coins || "—";
  $("order-amount").textContent = order.amount ? money(order.amount, order.currency) : "—";
  $("pay").textContent = order.amount ? `Pay ${money(order.amount, order.currency)}` : "Pay";
  if (!order.order || !order.amount || !order.currency) {
    $("problem").textContent = "This checkout link is incomplete: it needs order, amount and currency.";
    $("problem").hidden = false;
    $("pay").disabled = true;
    return;
  }
  $("pay").addEventListener("click", deliver);
  $("again").addEventListener("click", deliver);
}

main();
