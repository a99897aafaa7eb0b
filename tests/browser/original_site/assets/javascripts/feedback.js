// A stand-in for the original site's per-page feedback script, written from the seeds'
// description of it (../shared/seeds/README.md): it fills the hidden `page` field with the
// page's address (or a ?page= parameter), sends the form as JSON with fetch in "cors" mode,
// and shows "Thanks — feedback received" on any 2xx answer, "Sorry — something went wrong"
// on anything else or a network failure. Fields are read by id, since some copies of the
// form have no name attributes.
//
// Pointing it at soundingboard changes ENDPOINT and nothing else.
(function () {
  "use strict";
  var ENDPOINT = "https://feedback-endpoint.example.invalid/exec";

  var form = document.getElementById("gs-form");
  if (!form) return;
  var ok = document.getElementById("gs-ok");
  var err = document.getElementById("gs-err");
  var pageField = document.getElementById("gs-page");
  var given = new URLSearchParams(window.location.search).get("page");
  pageField.value = given || window.location.href;

  function value(id) {
    var element = document.getElementById(id);
    return element ? element.value.trim() : "";
  }

  form.addEventListener("submit", function (event) {
    event.preventDefault();
    ok.hidden = true;
    err.hidden = true;
    var payload = {
      tab: "Feedback",
      page: pageField.value,
      summary: value("gs-summary"),
      details: value("gs-details"),
      role: value("mf-role"),
      org: value("mf-org"),
      email: value("mf-email"),
      nature: value("mf-nature"),
      hp_field: value("hp_field"),
    };
    fetch(ENDPOINT, {
      method: "POST",
      headers: { "Content-Type": "application/json" },
      body: JSON.stringify(payload),
      mode: "cors",
    })
      .then(function (response) {
        if (!response.ok) throw new Error("HTTP " + response.status);
        ok.hidden = false;
        form.reset();
      })
      .catch(function () {
        err.hidden = false;
      });
  });
})();
