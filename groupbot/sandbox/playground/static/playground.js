// groupbot playground: a Telegram-like view of the sandbox. Plain JavaScript, no build step.
// Names, titles and labels are inserted as text; only message bodies, which the server made
// from Telegram entities (safe_html.py), are inserted as HTML.
"use strict";
// The other scripts: messages.js (the open chat), panels.js (clock, menus, dialogs).

const $ = (id) => document.getElementById(id);
const view = {
  world: null,        // people, chats, bot, strings, timezone
  clock: null,        // {now, next} from the server, plus when we got it
  clockAt: 0,
  actor: null,        // the person we act as
  chat: null,         // the open chat id
  messages: new Map(),  // message id → message of the open chat
  seen: {},           // chat id → highest message id looked at (for unread marks)
  latest: {},         // chat id → highest message id known
  replyTo: null,
  locale: localStorage.getItem("playground.locale") || null,
};

// ---- texts ---------------------------------------------------------------------------------
function t(key, params = {}) {
  const table = (view.world && view.world.strings[view.locale]) || {};
  const template = table[key] ?? key;
  return template.replace(/\{(\w+)\}/g, (_, name) => (name in params ? String(params[name]) : `{${name}}`));
}

function translatePage() {
  document.documentElement.lang = view.locale;
  for (const el of document.querySelectorAll("[data-t]")) el.textContent = t(el.dataset.t);
  for (const el of document.querySelectorAll("[data-t-label]")) {
    el.setAttribute("aria-label", t(el.dataset.tLabel));
    el.title = t(el.dataset.tLabel);
  }
  $("locale").textContent = view.locale === "en" ? "中文" : "EN";
  $("text").placeholder = view.actor ? t("placeholder", { name: person(view.actor)?.name ?? "" }) : "";
}

function when(seconds, withDate = true) {
  const options = { hour: "2-digit", minute: "2-digit", timeZone: view.world.timezone };
  if (withDate) Object.assign(options, { month: "short", day: "numeric", weekday: "short" });
  return new Intl.DateTimeFormat(view.locale === "en" ? "en-GB" : "zh-CN", options).format(new Date(seconds * 1000));
}

// ---- talking to the server ----------------------------------------------------------------
async function api(path, body) {
  const response = await fetch(`/playground/api/${path}`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify(body),
  });
  return response.json().catch(() => ({ ok: false, error: "network" }));
}

function showError(answer, target = $("error")) {
  if (!answer || answer.ok) { target.hidden = true; return false; }
  target.textContent = t(`error.${answer.error}`, answer.params || {});
  target.hidden = false;
  return true;
}

async function load() {
  view.world = await (await fetch("/playground/api/world")).json();
  view.locale = view.locale || view.world.locale;
  setClock(view.world.clock);
  if (!view.actor) view.actor = firstPerson();
  renderWorld();
  translatePage();
  if (view.chat !== null) await openChat(view.chat, { keepActor: true });
  else updateComposer();
}

function listen() {
  const events = new EventSource("/playground/api/events");
  events.addEventListener("world", (e) => {
    const data = JSON.parse(e.data);
    const clock = data.clock;
    view.world = data;
    if (clock !== undefined) setClock(clock);
    if (!person(view.actor)) view.actor = firstPerson();
    renderWorld();
    translatePage();
    updateComposer();
  });
  events.addEventListener("message", (e) => onMessage(JSON.parse(e.data)));
  events.addEventListener("clock", (e) => setClock(JSON.parse(e.data)));
  events.onopen = () => { if (view.chat !== null) openChat(view.chat, { keepActor: true }); };
}

// ---- people and chats ---------------------------------------------------------------------
const person = (id) => view.world?.people.find((p) => p.id === id);
const chatOf = (id) => view.world?.chats.find((c) => c.id === id);
const firstPerson = () => (view.world.people[0] || {}).id ?? null;

function renderWorld() {
  const select = $("actor");
  select.replaceChildren(...view.world.people.map((p) => {
    const option = document.createElement("option");
    option.value = p.id;
    option.textContent = `${p.name} · ${t(`role.${p.role}`)}`;
    return option;
  }));
  select.value = view.actor ?? "";
  $("actor-role").textContent = "";
  const list = $("chats");
  list.replaceChildren(...view.world.chats.map(chatEntry));
}

function chatEntry(chat) {
  const button = document.createElement("button");
  button.type = "button";
  button.className = "chat-entry" + (chat.id === view.chat ? " active" : "");
  button.dataset.chat = chat.id;
  const icon = document.createElement("span");
  icon.className = "avatar " + chat.type;
  icon.textContent = chat.type === "private" ? "👤" : chat.forum ? "🗂" : "👥";
  const body = document.createElement("span");
  body.className = "entry-body";
  const title = document.createElement("span");
  title.className = "entry-title";
  title.textContent = chat.type === "private" ? t("private_title", { name: chat.title }) : chat.title;
  const preview = document.createElement("span");
  preview.className = "entry-preview muted";
  preview.textContent = chat.last ? previewText(chat.last) : t("no_messages");
  body.append(title, preview);
  button.append(icon, body);
  const unread = (view.latest[chat.id] || 0) > (view.seen[chat.id] || 0) && chat.id !== view.chat;
  if (unread) {
    const badge = document.createElement("span");
    badge.className = "badge";
    badge.textContent = "●";
    button.append(badge);
  }
  button.addEventListener("click", () => openChat(chat.id));
  return button;
}

function previewText(last) {
  const kind = last.preview.kind ? `[${t(`kind.${last.preview.kind}`)}] ` : "";
  const who = last.from ? `${last.from}: ` : "";
  return `${who}${kind}${last.preview.text}`;
}

// A private chat is its owner's: opening it means acting as them. A group keeps the actor.
async function openChat(chatId, { keepActor = false } = {}) {
  const chat = chatOf(chatId);
  if (!chat) return;
  if (view.chat !== chatId || !keepActor) view.replyTo = null;
  view.chat = chatId;
  if (chat.type === "private") view.actor = chat.owner;
  $("app").className = "show-chat";
  const list = await (await fetch(`/playground/api/chats/${chatId}/messages`)).json();
  view.messages = new Map(list.map((m) => [m.id, m]));
  drawMessages();
  renderWorld();
  updateComposer();
  translatePage();
  $("messages").scrollTop = $("messages").scrollHeight;
}

function updateComposer() {
  const chat = chatOf(view.chat);
  $("empty").hidden = !!chat;
  $("command-menu").hidden = true;
  drawGuide();
  $("composer").hidden = !chat;
  if (!chat) return;
  $("chat-title").textContent = chat.type === "private" ? t("private_title", { name: chat.title }) : chat.title;
  $("chat-sub").textContent = chat.type === "private"
    ? t("private_sub", { name: chat.title })
    : t("members", { count: chat.members.length });
  const me = person(view.actor);
  const member = chat.members.includes(view.actor);
  $("not-member").hidden = member;
  $("send-form").hidden = !member;
  if (!member && me) $("not-member-text").textContent = t("not_member_here", { name: me.name });
  // ... or become one of the people who are in it
  $("not-member-actors").replaceChildren(...(member ? [] : chat.members.slice(0, 3).map((id) => {
    const button = document.createElement("button");
    button.type = "button";
    button.className = "ghost";
    button.textContent = t("act_as", { name: person(id)?.name ?? "" });
    button.addEventListener("click", () => { view.actor = id; renderWorld(); drawMessages(); updateComposer(); translatePage(); });
    return button;
  })));
  $("replying").hidden = !view.replyTo;
  if (view.replyTo) {
    const target = view.messages.get(view.replyTo);
    $("replying-text").textContent = t("replying_to", { name: target?.from.name ?? "" });
  }
}

// ---- writing ------------------------------------------------------------------------------
async function sendText(text) {
  const answer = await api("send", { as: view.actor, chat: view.chat, text, reply_to: view.replyTo });
  if (showError(answer)) return false;
  view.replyTo = null;
  updateComposer();
  return true;
}

async function onSubmit(event) {
  event.preventDefault();
  const box = $("text");
  const file = $("file").files[0];
  if (file) {
    const form = new FormData();
    form.append("as", view.actor);
    form.append("chat", view.chat);
    form.append("caption", box.value);
    form.append("mode", $("as-file").checked ? "file" : "photo");
    if (view.replyTo) form.append("reply_to", view.replyTo);
    form.append("file", file, file.name);
    const response = await fetch("/playground/api/upload", { method: "POST", body: form });
    const answer = await response.json().catch(() => ({ ok: false, error: "network" }));
    if (showError(answer)) return;
    $("file").value = "";
    box.value = "";
    view.replyTo = null;
    updateComposer();
    attachLabel();
    return;
  }
  if (await sendText(box.value)) box.value = "";
}

function attachLabel() {
  const file = $("file").files[0];
  $("send").textContent = file ? t("send_file", { name: file.name }) : t("send");
}
// ---- start --------------------------------------------------------------------------------
function wire() {
  $("actor").addEventListener("change", (e) => {
    view.actor = Number(e.target.value);
    const chat = chatOf(view.chat);
    if (chat && chat.type === "private" && chat.owner !== view.actor) openChat(view.actor);
    else { drawMessages(); updateComposer(); translatePage(); }
  });
  $("send-form").addEventListener("submit", onSubmit);
  $("text").addEventListener("keydown", (e) => {
    if (e.key === "Enter" && !e.shiftKey && !e.isComposing) { e.preventDefault(); $("send-form").requestSubmit(); }
  });
  $("text").addEventListener("input", () => { $("error").hidden = true; });
  $("file").addEventListener("change", () => {
    const file = $("file").files[0];
    $("as-file").checked = !!file && !/^image\/(jpeg|png|webp|gif)$/.test(file.type);
    attachLabel();
  });
  $("messages").addEventListener("click", onTextClick);
  $("reply-cancel").addEventListener("click", () => { view.replyTo = null; updateComposer(); });
  $("join").addEventListener("click", async () => {
    const answer = await api("join", { as: view.actor, chat: view.chat });
    if (!showError(answer)) await load();
  });
  $("back").addEventListener("click", () => { $("app").className = "show-list"; });
  $("commands").addEventListener("click", toggleCommands);
  $("toast").addEventListener("click", () => { $("toast").hidden = true; });
  $("help").addEventListener("click", () => {
    view.chat = null;
    $("app").className = "show-chat";
    $("messages").replaceChildren();
    renderWorld(); updateComposer(); translatePage();
  });
  $("locale").addEventListener("click", () => {
    view.locale = view.locale === "en" ? "zh-Hans" : "en";
    localStorage.setItem("playground.locale", view.locale);
    renderWorld(); translatePage(); drawClock();
    if (view.chat !== null) { drawMessages(); updateComposer(); }
  });
  for (const button of document.querySelectorAll("[data-step]")) {
    button.addEventListener("click", () => moveClock(button.dataset.step, button));
  }
  $("add-person").addEventListener("click", openPersonDialog);
  $("person-form").addEventListener("submit", addPerson);
  $("person-cancel").addEventListener("click", () => $("person-dialog").close());
  setInterval(drawClock, 15000);  // the shown time moves on by itself; no server polling
}

wire();
load().then(listen);
