// A stand-in for the original site's main questionnaire script, written from the seeds'
// description (../shared/seeds/README.md): scores 1-5 for each idea (unscored ideas are left
// out), ticked activities as "Group: activity" with the group names of the original's own,
// hand-kept list, and the same fetch, success and failure handling as the per-page form.
//
// Pointing it at soundingboard changes ENDPOINT and nothing else.
(function () {
  "use strict";
  var ENDPOINT = "https://feedback-endpoint.example.invalid/exec";

  var form = document.getElementById("mf-form");
  if (!form) return;
  var ok = document.getElementById("mf-ok");
  var err = document.getElementById("mf-err");
  var pageField = document.getElementById("mf-page");
  var given = new URLSearchParams(window.location.search).get("page");
  pageField.value = given || window.location.href;

  function value(id) {
    var element = document.getElementById(id);
    return element ? element.value.trim() : "";
  }

  function scores(measure) {
    var result = {};
    form.querySelectorAll("fieldset[data-idea]").forEach(function (fieldset) {
      var checked = fieldset.querySelector("input[data-measure='" + measure + "']:checked");
      if (checked) result[fieldset.dataset.idea] = parseInt(checked.value, 10);
    });
    return result;
  }

  form.addEventListener("submit", function (event) {
    event.preventDefault();
    ok.hidden = true;
    err.hidden = true;
    var activities = [];
    form.querySelectorAll("input.mf-activity:checked").forEach(function (box) {
      activities.push(box.value);
    });
    var payload = {
      tab: "MainFeedback",
      page: pageField.value,
      role: value("mf-role"),
      org: value("mf-org"),
      email: value("mf-email"),
      rank_usefulness: scores("usefulness"),
      rank_likelihood: scores("likelihood"),
      activities: activities,
      section: value("mf-section"),
      nature: value("mf-nature"),
      comments: value("mf-comments"),
      hp_field: value("mf-hp"),
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
