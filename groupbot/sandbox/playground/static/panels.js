// groupbot playground: the command menu, the first-visit guide, the clock, toasts, dialogs.
"use strict";

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
// The bot's answer to a tap: a toast, or (show_alert) a box that stays until clicked.
function toast(text, alert = false) {
  const box = $("toast");
  box.textContent = text;
  box.className = alert ? "alert" : "";
  box.hidden = false;
  clearTimeout(toast.timer);
  if (!alert) toast.timer = setTimeout(() => { box.hidden = true; }, 3000);
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
