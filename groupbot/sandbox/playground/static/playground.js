// groupbot playground: a Telegram-like view of the sandbox. Plain JavaScript, no build step.
// Names, titles and labels are inserted as text; only message bodies, which the server made
// from Telegram entities (safe_html.py), are inserted as HTML.
"use strict";

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

// ---- messages -----------------------------------------------------------------------------
function onMessage(message) {
  view.latest[message.chat] = Math.max(view.latest[message.chat] || 0, message.id);
  if (message.chat !== view.chat) {
    const chat = chatOf(message.chat);
    if (chat) { chat.last = { date: message.date, from: message.from.name, preview: { text: stripped(message), kind: message.photo ? "photo" : message.document ? "document" : null } }; }
    renderWorld();
    return;
  }
  const list = $("messages");
  const atBottom = list.scrollHeight - list.scrollTop - list.clientHeight < 80;
  view.messages.set(message.id, message);
  const old = list.querySelector(`[data-message="${message.id}"]`);
  if (message.deleted) { old?.remove(); view.messages.delete(message.id); return; }
  const drawn = drawMessage(message);
  if (old) old.replaceWith(drawn);
  else {
    const days = list.querySelectorAll(".day");
    const day = dayOf(message.date);
    if (!days.length || days[days.length - 1].dataset.day !== day) list.append(dayLine(day));
    list.append(drawn);
  }
  view.seen[message.chat] = view.latest[message.chat];
  if (atBottom || message.from.id === view.actor) list.scrollTop = list.scrollHeight;
}

function stripped(message) {
  const box = document.createElement("div");
  box.innerHTML = message.html;
  return (box.textContent || "").split("\n")[0].slice(0, 80);
}

// Messages are grouped by day under a date line, as in Telegram (the clock can jump days).
function dayOf(seconds) {
  return new Intl.DateTimeFormat(view.locale === "en" ? "en-GB" : "zh-CN", {
    timeZone: view.world.timezone, weekday: "short", month: "long", day: "numeric",
  }).format(new Date(seconds * 1000));
}

function dayLine(day) {
  const line = document.createElement("div");
  line.className = "day";
  line.dataset.day = day;
  line.textContent = day;
  return line;
}

function drawMessages() {
  const list = $("messages");
  const drawn = [];
  let day = null;
  for (const message of view.messages.values()) {
    if (dayOf(message.date) !== day) { day = dayOf(message.date); drawn.push(dayLine(day)); }
    drawn.push(drawMessage(message));
  }
  list.replaceChildren(...drawn);
  view.seen[view.chat] = Math.max(view.latest[view.chat] || 0, ...view.messages.keys(), 0);
  view.latest[view.chat] = view.seen[view.chat];
}

function drawMessage(m) {
  const row = document.createElement("div");
  row.dataset.message = m.id;
  if (m.service) {
    row.className = "service";
    row.textContent = t(`service.${m.service.code}`, { names: m.service.names.join(", ") });
    return row;
  }
  const mine = m.from.id === view.actor;
  row.className = "row" + (mine ? " mine" : "") + (m.from.bot ? " bot" : "");
  const bubble = document.createElement("div");
  bubble.className = "bubble";
  const chat = chatOf(m.chat);
  if (chat && chat.type !== "private" && !mine) {
    const name = document.createElement("div");
    name.className = "sender";
    name.textContent = m.from.bot ? `🤖 ${m.from.name}` : m.from.name;
    bubble.append(name);
  }
  if (m.thread) {
    const topic = document.createElement("div");
    topic.className = "topic muted";
    topic.textContent = t("topic", { id: m.thread });
    bubble.append(topic);
  }
  if (m.reply_to) {
    const quote = document.createElement("div");
    quote.className = "quote";
    quote.textContent = `${m.reply_to.name ?? ""}: ${m.reply_to.preview.text || t(`kind.${m.reply_to.preview.kind || "other"}`)}`;
    bubble.append(quote);
  }
  if (m.photo) bubble.append(image(m.photo.file, m.photo.full, m.photo.width, m.photo.height));
  if (m.document) {
    if (m.document.image) bubble.append(image(m.document.file, m.document.file));
    const link = document.createElement("a");
    link.className = "document";
    link.href = `/playground/files/${encodeURIComponent(m.document.file)}`;
    link.download = m.document.name;
    link.textContent = `📄 ${m.document.name} (${Math.ceil((m.document.size || 0) / 1024)} KB)`;
    bubble.append(link);
  }
  if (m.html) {
    const text = document.createElement("div");
    text.className = "text";
    text.innerHTML = m.html;  // made safe on the server from Telegram entities
    for (const spoiler of text.querySelectorAll("tg-spoiler")) {
      spoiler.addEventListener("click", () => spoiler.classList.add("open"));
    }
    bubble.append(text);
  }
  const meta = document.createElement("div");
  meta.className = "meta muted";
  meta.textContent = (m.edited ? `${t("edited")} · ` : "") + when(m.date, false);
  const reply = document.createElement("button");
  reply.type = "button";
  reply.className = "ghost reply";
  reply.textContent = t("reply");
  reply.addEventListener("click", () => { view.replyTo = m.id; updateComposer(); $("text").focus(); });
  meta.append(" ", reply);
  bubble.append(meta);
  row.append(bubble);
  if (m.buttons.length) row.append(keyboard(m));
  return row;
}

function image(file, full, width, height) {
  const img = document.createElement("img");
  img.src = `/playground/files/${encodeURIComponent(file)}`;
  img.alt = t("kind.photo");
  img.loading = "lazy";
  if (width && height) { img.width = width; img.height = height; }
  img.addEventListener("click", () => {
    $("viewer-img").src = `/playground/files/${encodeURIComponent(full)}`;
    $("viewer").showModal();
  });
  return img;
}

function keyboard(m) {
  const board = document.createElement("div");
  board.className = "keyboard";
  for (const row of m.buttons) {
    const line = document.createElement("div");
    line.className = "keys";
    for (const key of row) {
      const button = document.createElement("button");
      button.type = "button";
      button.textContent = key.text;
      button.dataset.kind = key.kind;
      if (key.kind === "url") button.textContent += " ↗";
      button.disabled = key.kind === "other";
      button.addEventListener("click", () => press(m, key, button));
      line.append(button);
    }
    board.append(line);
  }
  return board;
}

async function press(m, key, button) {
  if (key.kind === "callback") {
    button.classList.add("pressed");
    const answer = await api("tap", { as: view.actor, chat: m.chat, message: m.id, data: key.data });
    button.classList.remove("pressed");
    if (!showError(answer) && answer.answer && answer.answer.text) toast(answer.answer.text, answer.answer.alert);
  } else if (key.kind === "start") {
    await deepLink(key.payload);
  } else if (key.kind === "url") {
    window.open(key.url, "_blank", "noopener,noreferrer");
  } else if (key.kind === "copy") {
    navigator.clipboard?.writeText(key.copy);
    toast(t("copied"));
  }
}

async function deepLink(payload) {
  const answer = await api("start", { as: view.actor, payload });
  if (!showError(answer)) await openChat(answer.chat);
}

// Links inside messages: deep links to our bot open the private chat, commands are sent,
// web links open in a new tab; nothing else is followed.
function onTextClick(event) {
  const link = event.target.closest("a");
  if (!link || !$("messages").contains(link)) return;
  event.preventDefault();
  if (link.classList.contains("command")) { sendText(link.textContent); return; }
  const href = link.getAttribute("href") || "";
  const bot = view.world.bot.username;
  const deep = href.match(new RegExp(`^(?:https?://)?(?:t\\.me|telegram\\.me)/${bot}\\?start=([A-Za-z0-9_-]{1,64})$`, "i"))
    || href.match(new RegExp(`^tg://resolve\\?domain=${bot}&start=([A-Za-z0-9_-]{1,64})$`, "i"));
  if (deep) { deepLink(deep[1]); return; }
  if (/^https?:\/\//i.test(href)) window.open(href, "_blank", "noopener,noreferrer");
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

// ---- the command menu and the guide ------------------------------------------------------
async function toggleCommands() {
  const menu = $("command-menu");
  if (!menu.hidden) { menu.hidden = true; return; }
  const url = `/playground/api/commands?chat=${view.chat}&as=${view.actor}`;
  const commands = await (await fetch(url)).json();
  menu.replaceChildren(...commands.map((c) => {
    const item = document.createElement("button");
    item.type = "button";
    item.className = "ghost";
    const name = document.createElement("b");
    name.textContent = `/${c.command}`;
    item.append(name, ` — ${c.description}`);
    item.addEventListener("click", () => {
      $("text").value = `/${c.command} `;
      menu.hidden = true;
      $("text").focus();
    });
    return item;
  }));
  if (!commands.length) menu.textContent = t("no_commands");
  menu.hidden = false;
}

// The steps of the story with this sandbox's cast, for a first visit.
function drawGuide() {
  const cast = view.world && view.world.guide;
  $("guide").hidden = !cast;
  if (!cast) return;
  const steps = [];
  for (let n = 1; view.world.strings[view.locale][`guide.step${n}`]; n++) {
    const item = document.createElement("li");
    item.textContent = t(`guide.step${n}`, cast);
    steps.push(item);
  }
  $("guide-steps").replaceChildren(...steps);
}

// ---- the clock ----------------------------------------------------------------------------
function setClock(clock) {
  view.clock = clock;
  view.clockAt = Date.now();
  $("clock").hidden = !clock;
  drawClock();
}

function drawClock() {
  const clock = view.clock;
  if (!clock || !view.world) return;
  const now = clock.now + (Date.now() - view.clockAt) / 1000;
  $("clock-now").textContent = when(now);
  const next = $("clock-next");
  next.disabled = !clock.next;
  next.textContent = t("clock_next");
  $("clock-due").textContent = clock.next
    ? t("clock_due", { what: t(`due.${clock.next.what}`), at: when(clock.next.at) })
    : t("clock_nothing");
}

async function moveClock(step, button) {
  button.disabled = true;
  const answer = await api("clock", { step });
  button.disabled = false;
  if (!showError(answer, $("clock-error"))) setClock(answer.clock);
}

// ---- toasts and dialogs -------------------------------------------------------------------
function toast(text, alert = false) {
  if (alert) { window.alert(text); return; }
  const box = $("toast");
  box.textContent = text;
  box.hidden = false;
  clearTimeout(toast.timer);
  toast.timer = setTimeout(() => { box.hidden = true; }, 3000);
}

function openPersonDialog() {
  const groups = view.world.chats.filter((c) => c.type !== "private");
  $("person-groups").replaceChildren(...groups.map((g, i) => {
    const label = document.createElement("label");
    const box = document.createElement("input");
    box.type = "checkbox";
    box.value = g.id;
    box.checked = i === groups.findIndex((x) => x.bot_in);
    label.append(box, " ", g.title);
    return label;
  }));
  $("person-name").value = "";
  $("person-error").hidden = true;
  $("person-language").value = view.locale === "en" ? "en" : "zh-hans";
  $("person-dialog").showModal();
}

async function addPerson(event) {
  event.preventDefault();
  const groups = [...$("person-groups").querySelectorAll("input:checked")].map((b) => Number(b.value));
  const answer = await api("people", { name: $("person-name").value, language: $("person-language").value, groups });
  if (showError(answer, $("person-error"))) return;
  $("person-dialog").close();
  view.actor = answer.person;
  await load();
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
