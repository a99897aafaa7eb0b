// Coding responses quickly: keyboard shortcuts on a response's page, and a box that ticks
// every response on a page of the list. OPTIONAL: every action is also a link or a form
// that works without JavaScript. enhance.js loads this file only on pages that use it.
//
// The shortcuts (listed on the page, in "Keyboard shortcuts"):
//   n / p   next / previous response of the list     r   mark as read, then next
//   t       choose a tag (Enter adds it)              h   choose the main theme (Enter saves)
//   ?       open or close the list of shortcuts
// None fires while a field has focus (typing there is typing), or with Ctrl, Alt or Meta;
// Escape leaves a field. What a shortcut did is said in a live region for screen readers.

const TYPING = "input, textarea, select, [contenteditable]:not([contenteditable='false'])";

function announce(text) {
  const region = document.getElementById("shortcut-announcer");
  if (!region) return;
  region.textContent = "";
  // A fresh text in a new task, so that the same words twice are announced twice.
  window.setTimeout(() => { region.textContent = text; }, 50);
}

function follow(selector, missing) {
  const target = document.querySelector(selector);
  if (!target) {
    announce(missing);
    return;
  }
  announce(target.textContent.trim());
  target.click();
}

function choose(key, what) {
  const field = document.querySelector(`[data-shortcut="${key}"]`);
  if (!field) {
    announce(`There is no ${what} to choose on this page.`);
    return;
  }
  const details = field.closest("details");
  if (details && !details.open) details.open = true;
  field.focus();
  field.scrollIntoView({ block: "center" });
  announce(field.tagName === "SELECT"
    ? `Choose a ${what} with the arrow keys, then press Enter. Escape to leave.`
    : `Type the ${what}'s name, then press Enter. Escape to leave.`);
}

function toggleHelp() {
  const help = document.getElementById("shortcuts");
  if (!help) return;
  help.open = !help.open;
  help.querySelector("summary")?.focus();
}

function onKey(event) {
  if (event.defaultPrevented || event.ctrlKey || event.metaKey || event.altKey) return;
  const target = event.target;
  if (target instanceof Element && target.closest(TYPING)) {
    if (event.key === "Enter" && target.matches("select[data-shortcut]") && target.form) {
      event.preventDefault();
      announce("Sending.");
      target.form.requestSubmit();
    } else if (event.key === "Escape" && target instanceof HTMLElement) {
      target.blur();
      announce("Left the field. Shortcuts work again.");
    }
    return;
  }
  const actions = {
    n: () => follow('[data-shortcut-link="n"]', "This is the last response of the list."),
    p: () => follow('[data-shortcut-link="p"]', "This is the first response of the list."),
    r: () => follow('[data-shortcut-button="r"]', "It is already read or coded."),
    t: () => choose("t", "tag"),
    h: () => choose("h", "theme"),
    "?": toggleHelp,
  };
  const action = actions[event.key];
  if (action) {
    event.preventDefault();
    action();
  }
}

function selectAll(box) {
  const form = box.form;
  const ticks = [...form.querySelectorAll('input[type="checkbox"][name="response"]')];
  // Shown only now: without JavaScript it could do nothing ("All N on this page" can).
  box.closest("[hidden]")?.removeAttribute("hidden");
  const update = () => {
    const ticked = ticks.filter((tick) => tick.checked).length;
    box.checked = ticked === ticks.length && ticked > 0;
    box.indeterminate = ticked > 0 && ticked < ticks.length;
  };
  box.addEventListener("change", () => {
    for (const tick of ticks) tick.checked = box.checked;
    update();
  });
  for (const tick of ticks) tick.addEventListener("change", update);
  update();
}

if (document.getElementById("shortcuts")) document.addEventListener("keydown", onKey);
for (const box of document.querySelectorAll("input[data-select-all]")) selectAll(box);
// Says the enhancement is ready (the browser tests wait for it).
document.documentElement.dataset.coding = "ready";
