// groupbot playground: drawing the open chat's messages, their buttons and links.
// Message bodies are the only HTML inserted: the server builds them from Telegram entities
// (safe_html.py). Everything else goes in as text.
"use strict";

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
