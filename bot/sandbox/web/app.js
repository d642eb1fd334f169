// The sandbox chat page: a Telegram-like client for the test users, over the emulator's HTTP side.
//
// Safety rule: text from the bot or from people only ever reaches the page as text nodes
// (textContent, Node.append of strings). Formatting is rebuilt from the message's entities as
// elements; links keep only http(s), tg, mailto and tel addresses.
"use strict";

const RTL_LANGUAGES = new Set(["ar", "fa", "he", "ur"]);
const SAFE_SCHEMES = new Set(["http:", "https:", "tg:", "mailto:", "tel:"]);
const TOAST_MS = 3500;

const $ = (id) => document.getElementById(id);

const state = {
  config: null,
  botId: 0,
  userId: null,
  view: "chat",
  chats: new Map(), // chat id -> Map(message id -> message)
  arriving: new Set(), // {chatId, changes}: what the stream brought while a chat was loading
  paid: new Set(), // "chat:message" of invoices already paid
  commands: [],
  suggestion: -1,
  pendingAnswers: new Set(),
  staffChatId: null,
  topic: 0, // message_thread_id of the open staff topic; 0 is General
};

// ------------------------------------------------------------------ helpers

async function api(path, body) {
  const options = body === undefined ? {} : {
    method: "POST",
    headers: { "Content-Type": "application/json" },
    body: JSON.stringify(body),
  };
  const response = await fetch(path, options);
  const text = await response.text();
  if (!response.ok) {
    const error = new Error(text || `${response.status} ${response.statusText}`);
    error.status = response.status;
    throw error;
  }
  return text ? JSON.parse(text) : null;
}

function el(tag, className, text) {
  const node = document.createElement(tag);
  if (className) node.className = className;
  if (text !== undefined && text !== null) node.textContent = String(text);
  return node;
}

let toastTimer = null;
function toast(text) {
  const box = $("toast");
  box.textContent = text;
  box.hidden = false;
  clearTimeout(toastTimer);
  toastTimer = setTimeout(() => { box.hidden = true; }, TOAST_MS);
}

function showAlert(text) {
  $("alert-text").textContent = text;
  $("alert").showModal();
}

function fail(error) {
  toast(error.message || String(error));
}

function safeUrl(raw) {
  try {
    const url = new URL(raw, window.location.href);
    return SAFE_SCHEMES.has(url.protocol) ? url.href : null;
  } catch {
    return null;
  }
}

function languageOf(user) {
  return (user.language_code || "en").split("-")[0].toLowerCase();
}

function displayName(user) {
  return [user.first_name, user.last_name].filter(Boolean).join(" ");
}

function userById(id) {
  const { users, agents } = state.config;
  return [...users, ...agents].find((user) => user.id === id);
}

function chatMessages(chatId) {
  if (!state.chats.has(chatId)) state.chats.set(chatId, new Map());
  return state.chats.get(chatId);
}

function formatTime(unix) {
  return new Date(unix * 1000).toLocaleTimeString([], { hour: "2-digit", minute: "2-digit" });
}

// ------------------------------------------------- text with Telegram entities

// Entities are UTF-16 offsets, which is what JavaScript strings index by.
function renderText(text, entities) {
  const fragment = document.createDocumentFragment();
  const sorted = [...(entities || [])].sort((a, b) => a.offset - b.offset || b.length - a.length);
  appendRange(fragment, text, 0, text.length, sorted);
  return fragment;
}

function appendRange(parent, text, start, end, entities) {
  let cursor = start;
  let i = 0;
  while (i < entities.length) {
    const entity = entities[i];
    const stop = entity.offset + entity.length;
    let j = i + 1; // the entities nested in this one follow it
    while (j < entities.length && entities[j].offset < stop) j += 1;
    const from = Math.max(entity.offset, cursor);
    const to = Math.min(stop, end);
    if (from < to) {
      if (from > cursor) parent.append(text.slice(cursor, from));
      const node = entityNode(entity, text.slice(entity.offset, stop));
      appendRange(node, text, from, to, entities.slice(i + 1, j));
      parent.append(node);
      cursor = to;
    }
    i = j;
  }
  if (cursor < end) parent.append(text.slice(cursor, end));
}

function entityNode(entity, content) {
  switch (entity.type) {
    case "bold": return el("strong");
    case "italic": return el("em");
    case "underline": return el("u");
    case "strikethrough": return el("s");
    case "code": return el("code");
    case "pre": return el("pre");
    case "blockquote":
    case "expandable_blockquote": return el("blockquote");
    case "spoiler": {
      const spoiler = el("span", "spoiler");
      spoiler.title = "Show";
      spoiler.addEventListener("click", () => spoiler.classList.add("revealed"));
      return spoiler;
    }
    case "text_link": return linkNode(entity.url);
    case "url": return linkNode(/^[a-z][a-z0-9+.-]*:/i.test(content) ? content : `http://${content}`);
    case "email": return linkNode(`mailto:${content}`);
    case "phone_number": return linkNode(`tel:${content}`);
    case "bot_command": {
      const command = el("a", "command");
      command.href = "#";
      command.addEventListener("click", (event) => {
        event.preventDefault();
        sendText(content.split("@")[0]).catch(fail);
      });
      return command;
    }
    default: return el("span", entity.type.replaceAll("_", "-"));
  }
}

function linkNode(raw) {
  const href = safeUrl(raw);
  if (href === null) return el("span", "unsafe-link");
  const link = el("a");
  link.href = href;
  link.target = "_blank";
  link.rel = "noopener noreferrer";
  return link;
}

// ---------------------------------------------------------------- messages

function originName(origin) {
  if (origin.sender_user) return displayName(origin.sender_user);
  if (origin.sender_user_name) return origin.sender_user_name;
  if (origin.sender_chat) return origin.sender_chat.title;
  if (origin.chat) return origin.chat.title;
  return "someone";
}

function serviceText(message) {
  if (message.successful_payment) {
    const paid = message.successful_payment;
    return `You paid ${amountText(paid.total_amount, paid.currency)}`;
  }
  if (message.refunded_payment) {
    const refund = message.refunded_payment;
    return `${amountText(refund.total_amount, refund.currency)} refunded to you`;
  }
  if (message.forum_topic_created) return `Topic created: ${message.forum_topic_created.name}`;
  if (message.forum_topic_closed) return "Topic closed";
  if (message.forum_topic_reopened) return "Topic reopened";
  if (message.forum_topic_edited) return `Topic renamed: ${message.forum_topic_edited.name || ""}`;
  return null;
}

function mediaText(message) {
  if (message.photo) return "🖼 Photo";
  if (message.sticker) return `${message.sticker.emoji || ""} Sticker`;
  if (message.document) return `📎 ${message.document.file_name || "File"}`;
  if (message.voice) return "🎤 Voice message";
  if (message.video) return "🎬 Video";
  if (message.location) return "📍 Location";
  if (message.contact) return `👤 ${message.contact.first_name}`;
  return "Unsupported message";
}

function amountText(amount, currency) {
  if (currency === "XTR") return `⭐${amount}`;
  return `${amount} ${currency}`;
}

function isOutgoing(message) {
  if (state.view === "staff") return message.from.id === Number($("agent").value);
  return message.from.id !== state.botId;
}

function renderMessage(message, { showSender }) {
  const item = el("li", "message");
  item.dataset.id = message.message_id;
  const service = serviceText(message);
  if (service !== null) {
    item.classList.add("service");
    item.append(el("span", "service-text", service));
    return item;
  }
  item.classList.add(isOutgoing(message) ? "out" : "in");
  const bubble = el("div", "bubble");
  if (showSender) bubble.append(el("div", "sender", displayName(message.from)));
  if (message.forward_origin) {
    bubble.append(el("div", "forwarded", `Forwarded from ${originName(message.forward_origin)}`));
  }
  let rows = message.reply_markup?.inline_keyboard ?? [];
  if (message.invoice) {
    bubble.append(invoiceCard(message));
    if (rows[0]?.[0]?.pay) rows = [rows[0].slice(1), ...rows.slice(1)].filter((row) => row.length);
  } else {
    const text = message.text ?? message.caption;
    if (message.caption !== undefined || message.text === undefined) {
      bubble.append(el("div", "media", mediaText(message)));
    }
    if (text !== undefined) {
      const body = el("div", "text");
      body.dir = "auto";
      body.append(renderText(text, message.entities ?? message.caption_entities));
      bubble.append(body);
    }
  }
  const meta = el("div", "meta", formatTime(message.date));
  if (message.edit_date) meta.prepend(el("span", "edited", "edited "));
  bubble.append(meta);
  item.append(bubble);
  if (rows.length) item.append(keyboard(message, rows));
  return item;
}

function keyboard(message, rows) {
  const box = el("div", "keyboard");
  for (const row of rows) {
    const line = el("div", "key-row");
    for (const button of row) line.append(keyboardButton(message, button));
    box.append(line);
  }
  return box;
}

function keyboardButton(message, button) {
  const key = el("button", "key", button.text);
  key.type = "button";
  key.dir = "auto";
  if (button.callback_data !== undefined) {
    key.addEventListener("click", () => press(message, button.callback_data, key));
  } else if (button.url !== undefined) {
    key.classList.add("link");
    const href = safeUrl(button.url);
    if (href === null) key.disabled = true;
    else key.addEventListener("click", () => window.open(href, "_blank", "noopener,noreferrer"));
  } else if (button.copy_text !== undefined) {
    key.addEventListener("click", () => {
      navigator.clipboard.writeText(button.copy_text.text).then(() => toast("Copied"), fail);
    });
  } else {
    key.disabled = true;
    key.title = "This kind of button is not available in the sandbox";
  }
  return key;
}

async function press(message, data, key) {
  key.classList.add("busy");
  try {
    const sender = state.view === "staff" ? Number($("agent").value) : state.userId;
    const answer = await api("/_emulator/press", {
      user_id: sender, chat_id: message.chat.id, message_id: message.message_id, data,
    });
    state.pendingAnswers.add(answer.callback_query_id);
  } catch (error) {
    fail(error);
  } finally {
    key.classList.remove("busy");
  }
}

function onCallbackAnswer(answer) {
  if (!state.pendingAnswers.delete(answer.callback_query_id) || !answer.text) return;
  if (answer.show_alert) showAlert(answer.text);
  else toast(answer.text);
}

// ---------------------------------------------------------------- invoices

const OUTCOMES = {
  paid: () => "Paid ✓",
  declined: (result) => `The bot declined the payment: ${result.error_message}`,
  timeout: () => "The bot did not confirm within 10 seconds, so the payment was cancelled.",
  failed: () => "The payment failed (the “Make payments fail” switch is on). Nothing was charged.",
};

function invoiceCard(message) {
  const invoice = message.invoice;
  const card = el("div", "invoice");
  card.append(
    el("div", "invoice-title", invoice.title),
    el("div", "invoice-description", invoice.description),
    el("div", "invoice-total", amountText(invoice.total_amount, invoice.currency)),
  );
  const first = message.reply_markup?.inline_keyboard?.[0]?.[0];
  const label = first?.pay
    ? first.text.replaceAll("XTR", "⭐")
    : `Pay ${amountText(invoice.total_amount, invoice.currency)}`;
  const pay = el("button", "pay", label);
  pay.type = "button";
  const status = el("div", "invoice-status");
  status.setAttribute("role", "status");
  if (state.paid.has(`${message.chat.id}:${message.message_id}`)) markPaid(pay, status);
  pay.addEventListener("click", () => payInvoice(message, pay, status));
  card.append(pay, status);
  return card;
}

function markPaid(pay, status) {
  pay.disabled = true;
  status.textContent = OUTCOMES.paid();
  status.dataset.outcome = "paid";
}

async function payInvoice(message, pay, status) {
  const key = `${message.chat.id}:${message.message_id}`;
  pay.disabled = true;
  status.textContent = "Waiting for the bot to confirm…";
  status.dataset.outcome = "pending";
  try {
    const result = await api("/_emulator/pay", {
      user_id: state.userId,
      chat_id: message.chat.id,
      message_id: message.message_id,
      fail: $("fail-payments").checked,
    });
    status.textContent = OUTCOMES[result.outcome](result);
    status.dataset.outcome = result.outcome;
    if (result.outcome === "paid") state.paid.add(key);
    else pay.disabled = false;
  } catch (error) {
    if (error.status === 409) {
      state.paid.add(key);
      markPaid(pay, status);
      return;
    }
    status.textContent = error.message;
    status.dataset.outcome = "error";
    pay.disabled = false;
  }
}

// ------------------------------------------------------- showing the chats

function visibleList(chatId) {
  if (state.view === "chat" && chatId === state.userId) return $("messages");
  if (state.view === "staff" && chatId === state.staffChatId) return $("staff-messages");
  return null;
}

// Telegram: the message that created a topic is the topic's message_thread_id
function threadOf(message) {
  if (message.forum_topic_created) return message.message_id;
  return message.message_thread_id ?? 0;
}

function inOpenTopic(message) {
  return threadOf(message) === state.topic;
}

function place(list, message) {
  const staff = list.id === "staff-messages";
  if (staff && !inOpenTopic(message)) return;
  const node = renderMessage(message, { showSender: staff });
  const existing = list.querySelector(`li[data-id="${message.message_id}"]`);
  if (existing) {
    existing.replaceWith(node);
    return;
  }
  const later = [...list.children].find((item) => Number(item.dataset.id) > message.message_id);
  list.insertBefore(node, later ?? null);
  if (!later) list.scrollTop = list.scrollHeight;
}

function upsert(chatId, message) {
  chatMessages(chatId).set(message.message_id, message);
  noteArrival(chatId, message.message_id, message);
  const list = visibleList(chatId);
  if (list !== null) place(list, message);
  if (state.view === "staff" && chatId === state.staffChatId) renderTopics();
}

function remove(chatId, messageId) {
  chatMessages(chatId).delete(messageId);
  noteArrival(chatId, messageId, null);
  visibleList(chatId)?.querySelector(`li[data-id="${messageId}"]`)?.remove();
}

function renderAll(list, chatId) {
  list.replaceChildren();
  const messages = [...chatMessages(chatId).values()].sort((a, b) => a.message_id - b.message_id);
  for (const message of messages) place(list, message);
  list.scrollTop = list.scrollHeight;
}

function noteArrival(chatId, messageId, message) {
  for (const loading of state.arriving) {
    if (loading.chatId === chatId) loading.changes.set(messageId, message);
  }
}

// The fetched chat is the truth as of the request; what the stream brought meanwhile is newer.
async function loadChat(chatId) {
  const loading = { chatId, changes: new Map() };
  state.arriving.add(loading);
  let messages;
  let invoices;
  try {
    [{ messages }, { invoices }] = await Promise.all([
      api(`/_emulator/chats/${chatId}/messages`),
      api(`/_emulator/chats/${chatId}/invoices`),
    ]);
  } finally {
    state.arriving.delete(loading);
  }
  const loaded = new Map(messages.map((m) => [m.message_id, m]));
  for (const [id, message] of loading.changes) {
    if (message === null) loaded.delete(id);
    else loaded.set(id, message);
  }
  state.chats.set(chatId, loaded);
  for (const invoice of invoices) {
    if (invoice.paid) state.paid.add(`${chatId}:${invoice.message_id}`);
  }
}

async function loadCommands() {
  if (state.userId === null) return;
  const user = userById(state.userId);
  const query = new URLSearchParams({ user_id: state.userId, language_code: languageOf(user) });
  state.commands = (await api(`/_emulator/commands?${query}`)).commands;
}

async function reloadView() {
  if (state.view === "chat") {
    await Promise.all([loadChat(state.userId), loadCommands()]);
    renderAll($("messages"), state.userId);
  } else {
    await loadChat(state.staffChatId);
    renderTopics();
    renderAll($("staff-messages"), state.staffChatId);
  }
  document.body.dataset.ready = "true";
}

// ------------------------------------------------------------------ people

function setDirection(user) {
  const root = document.documentElement;
  root.lang = user.language_code || "en";
  root.dir = RTL_LANGUAGES.has(languageOf(user)) ? "rtl" : "ltr";
}

function renderPeople() {
  const list = $("people");
  list.replaceChildren();
  for (const user of state.config.users) {
    const item = el("li");
    const button = el("button", "person");
    button.type = "button";
    button.dataset.userId = user.id;
    button.dataset.language = user.language_code;
    button.setAttribute("aria-pressed", String(user.id === state.userId));
    const name = el("span", "person-name", displayName(user));
    name.dir = "auto";
    button.append(el("span", "avatar", user.first_name.slice(0, 1)), name,
      el("span", "language", user.language_code));
    button.addEventListener("click", () => selectUser(user.id).catch(fail));
    item.append(button);
    list.append(item);
  }
}

async function selectUser(userId) {
  state.userId = userId;
  localStorage.setItem("sandbox-user", String(userId));
  const user = userById(userId);
  setDirection(user);
  $("who").textContent = `as ${displayName(user)} · ${user.language_code}`;
  renderPeople();
  hideSuggestions();
  if (state.view !== "chat") showView("chat");
  $("messages").replaceChildren();
  await reloadView();
  $("text").focus();
}

// ---------------------------------------------------------------- composing

async function sendText(text) {
  if (!text.trim()) return;
  const { messages } = await api("/_emulator/send", { user_id: state.userId, text });
  for (const message of messages) upsert(message.chat.id, message);
}

function matchingCommands(value) {
  if (value === "/") return state.commands;
  const prefix = value.slice(1).toLowerCase();
  return state.commands.filter((command) => command.command.startsWith(prefix));
}

function showSuggestions(commands) {
  const list = $("suggestions");
  list.replaceChildren();
  state.suggestion = -1;
  for (const command of commands) {
    const item = el("li", "suggestion");
    item.setAttribute("role", "option");
    item.dataset.command = command.command;
    const description = el("span", "description", command.description);
    description.dir = "auto";
    item.append(el("span", "name", `/${command.command}`), description);
    item.addEventListener("mousedown", (event) => {
      event.preventDefault();
      pickSuggestion(command.command);
    });
    list.append(item);
  }
  list.hidden = commands.length === 0;
}

function hideSuggestions() {
  $("suggestions").hidden = true;
  state.suggestion = -1;
}

function moveSuggestion(step) {
  const items = [...$("suggestions").children];
  if (!items.length) return;
  state.suggestion = (state.suggestion + step + items.length) % items.length;
  items.forEach((item, index) => item.setAttribute("aria-selected", String(index === state.suggestion)));
}

function pickSuggestion(command) {
  $("text").value = "";
  hideSuggestions();
  sendText(`/${command}`).catch(fail);
}

function onComposerInput() {
  const value = $("text").value;
  if (/^\/\w*$/.test(value)) showSuggestions(matchingCommands(value));
  else hideSuggestions();
}

function onComposerKey(event) {
  if ($("suggestions").hidden) return;
  if (event.key === "ArrowDown" || event.key === "ArrowUp") {
    event.preventDefault();
    moveSuggestion(event.key === "ArrowDown" ? 1 : -1);
  } else if (event.key === "Escape") {
    hideSuggestions();
  } else if ((event.key === "Enter" || event.key === "Tab") && state.suggestion >= 0) {
    event.preventDefault();
    pickSuggestion($("suggestions").children[state.suggestion].dataset.command);
  }
}

function onSubmit(event) {
  event.preventDefault();
  const input = $("text");
  const text = input.value;
  input.value = "";
  hideSuggestions();
  sendText(text).catch(fail);
}

function toggleMenu() {
  if ($("suggestions").hidden) showSuggestions(state.commands);
  else hideSuggestions();
}

function toggleForward(open) {
  $("forward-form").hidden = !open;
  if (open) $("forward-text").focus();
}

async function onForward(event) {
  event.preventDefault();
  const text = $("forward-text").value;
  const senderName = $("forward-from").value;
  const { message } = await api("/_emulator/forward", {
    user_id: state.userId, text, sender_name: senderName,
  });
  upsert(message.chat.id, message);
  $("forward-text").value = "";
  toggleForward(false);
}

// ------------------------------------------------------------- staff view

function topicsOf(messages) {
  const topics = new Map([[0, "General"]]);
  for (const message of messages) {
    if (message.forum_topic_created) topics.set(message.message_id, message.forum_topic_created.name);
    // the support desk renames topics as tickets change state
    if (message.forum_topic_edited?.name) topics.set(threadOf(message), message.forum_topic_edited.name);
  }
  for (const message of messages) {
    if (!topics.has(threadOf(message))) topics.set(threadOf(message), `Topic ${threadOf(message)}`);
  }
  return topics;
}

function renderTopics() {
  const topics = topicsOf([...chatMessages(state.staffChatId).values()]);
  const list = $("topics");
  list.replaceChildren();
  for (const [thread, name] of topics) {
    const item = el("li");
    const button = el("button", "topic-button", name);
    button.type = "button";
    button.dir = "auto";
    button.setAttribute("aria-pressed", String(thread === state.topic));
    button.addEventListener("click", () => openTopic(thread));
    item.append(button);
    list.append(item);
  }
  $("topic-title").textContent = topics.get(state.topic) ?? "General";
}

function openTopic(thread) {
  state.topic = thread;
  renderTopics();
  renderAll($("staff-messages"), state.staffChatId);
}

async function onAgentSubmit(event) {
  event.preventDefault();
  const input = $("agent-text");
  const text = input.value;
  if (!text.trim()) return;
  input.value = "";
  const body = { user_id: Number($("agent").value), chat_id: state.staffChatId, text };
  if (state.topic) body.message_thread_id = state.topic;
  const { messages } = await api("/_emulator/send", body);
  for (const message of messages) upsert(message.chat.id, message);
}

function showView(view) {
  state.view = view;
  $("chat-view").hidden = view !== "chat";
  $("staff-view").hidden = view !== "staff";
  $("tab-chat").setAttribute("aria-pressed", String(view === "chat"));
  $("tab-staff").setAttribute("aria-pressed", String(view === "staff"));
  if (view === "staff") setDirection(userById(Number($("agent").value)));
  else setDirection(userById(state.userId));
}

async function openStaff() {
  showView("staff");
  await reloadView();
}

function setUpStaff() {
  const chats = state.config.staff_chats;
  if (!chats.length) return;
  $("tab-staff").hidden = false;
  const select = $("staff-chat");
  for (const chat of chats) {
    const option = el("option", null, chat.title);
    option.value = chat.id;
    select.append(option);
  }
  state.staffChatId = chats[0].id;
  select.addEventListener("change", () => {
    state.staffChatId = Number(select.value);
    state.topic = 0;
    reloadView().catch(fail);
  });
  for (const agent of state.config.agents) {
    const option = el("option", null, `${displayName(agent)} (agent)`);
    option.value = agent.id;
    $("agent").append(option);
  }
  $("agent").addEventListener("change", () => {
    setDirection(userById(Number($("agent").value)));
    renderAll($("staff-messages"), state.staffChatId);
  });
}

// ------------------------------------------------------------ live events

function onEvent(event) {
  const { kind, chat_id: chatId, payload } = event;
  if (kind === "message" || kind === "edit" || kind === "incoming") upsert(chatId, payload);
  else if (kind === "delete") remove(chatId, payload.message_id);
  else if (kind === "callback_answer") onCallbackAnswer(payload);
  else if (kind === "commands") loadCommands().catch(fail);
}

function connect() {
  const stream = new EventSource("/sandbox/stream");
  stream.addEventListener("hello", (event) => {
    $("connection").textContent = "bot";
    // a fresh stream (or a restarted sandbox) cannot replay what was missed: reload instead
    if (!JSON.parse(event.data).resumed) reloadView().catch(fail);
  });
  stream.addEventListener("message", (event) => onEvent(JSON.parse(event.data)));
  stream.addEventListener("error", () => { $("connection").textContent = "reconnecting…"; });
}

// ------------------------------------------------------------------- start

async function main() {
  state.config = await api("/sandbox/config");
  state.botId = state.config.bot.id;
  $("bot-name").textContent = state.config.bot.first_name;
  $("bot-avatar").textContent = state.config.bot.first_name.slice(0, 1);
  const saved = Number(localStorage.getItem("sandbox-user"));
  const start = state.config.users.find((user) => user.id === saved) ?? state.config.users[0];
  state.userId = start.id;
  setDirection(start);
  $("who").textContent = `as ${displayName(start)} · ${start.language_code}`;
  renderPeople();
  setUpStaff();

  $("composer").addEventListener("submit", onSubmit);
  $("text").addEventListener("input", onComposerInput);
  $("text").addEventListener("keydown", onComposerKey);
  $("text").addEventListener("blur", hideSuggestions);
  $("menu-button").addEventListener("click", toggleMenu);
  $("forward-button").addEventListener("click", () => toggleForward($("forward-form").hidden));
  $("forward-cancel").addEventListener("click", () => toggleForward(false));
  $("forward-form").addEventListener("submit", (event) => onForward(event).catch(fail));
  $("agent-composer").addEventListener("submit", (event) => onAgentSubmit(event).catch(fail));
  $("tab-chat").addEventListener("click", () => selectUser(state.userId).catch(fail));
  $("tab-staff").addEventListener("click", () => openStaff().catch(fail));
  connect(); // its first "hello" loads the chat
}

main().catch(fail);
