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
import { initAll, isSupported } from "./govuk/govuk-frontend.min.js";

// GOV.UK templates set these classes with an inline script; we cannot.
document.body.classList.add("js-enabled", "govuk-frontend-supported");

if (isSupported()) {
  // Character counts, error-summary focus, notification-banner focus, radios and
  // checkboxes conditional reveals, skip-link focus, service navigation toggle.
  initAll();
}

// The analyst workspace's coding page and responses list: shortcuts and "tick all".
if (document.querySelector("#shortcuts, [data-select-all]")) {
  import("./coding.js").catch(() => {});
}
