// soundingboard progressive enhancement. OPTIONAL: every page must work without it.
//
// Load it as an ES module (no inline scripts, works under a strict CSP):
//   <script type="module" src="{% static 'soundingboard/enhance.js' %}"></script>
//
// govuk-frontend 6 ships only ES modules (there is no window.GOVUKFrontend
// global), so we import it relative to this file; that works under any
// STATIC_URL. Browsers without module support never run this file, which is
// exactly govuk-frontend's support cut-off. If anything fails to load, the
// page simply stays un-enhanced.
//
// govuk-frontend's script is about 11 kB over the network, a third of a first
// visit to a content page. A page whose components change as soon as it shows
// (an error summary taking the focus, a character count, conditional reveals,
// a navigation toggle) loads it at once; a page with only buttons, radios and
// the skip link, which need it only once someone uses them, loads it when the
// reader first touches, clicks or presses a key, so a reader who only reads
// never downloads it.

// GOV.UK templates set these classes with an inline script; we cannot.
document.body.classList.add("js-enabled", "govuk-frontend-supported");

const USED_ONLY_WHEN_TOUCHED = new Set([
  "govuk-button",
  "govuk-skip-link",
  "govuk-radios",
  "govuk-checkboxes",
]);

function neededAtOnce() {
  if (document.querySelector(".govuk-radios__conditional, .govuk-checkboxes__conditional")) {
    return true;
  }
  return [...document.querySelectorAll("[data-module]")].some(
    (element) => !USED_ONLY_WHEN_TOUCHED.has(element.getAttribute("data-module")),
  );
}

let started = false;

async function start() {
  if (started) return;
  started = true;
  for (const type of FIRST_USE) removeEventListener(type, start, true);
  // Character counts, error-summary focus, notification-banner focus, radios and
  // checkboxes conditional reveals, skip-link focus, service navigation toggle.
  const { initAll, isSupported } = await import("./govuk/govuk-frontend.min.js");
  if (isSupported()) initAll();
}

const FIRST_USE = ["pointerdown", "keydown", "touchstart", "focusin"];

if (neededAtOnce()) {
  start();
} else {
  for (const type of FIRST_USE) addEventListener(type, start, { capture: true, passive: true });
}

// The analyst workspace's coding page and responses list: shortcuts and "tick all".
if (document.querySelector("#shortcuts, [data-select-all]")) {
  import("./coding.js").catch(() => {});
}
