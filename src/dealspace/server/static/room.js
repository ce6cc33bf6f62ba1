// The room's small script: weight sliders, score columns, and a poll that
// tells the reader when the text or the log changed. No framework, no build step.
(function () {
  "use strict";

  function syncSliders(root) {
    root.querySelectorAll("input[type=range][data-for]").forEach(function (slider) {
      var number = root.querySelector('input[name="' + slider.dataset.for + '"]');
      if (!number) { return; }
      slider.addEventListener("input", function () { number.value = slider.value; });
      number.addEventListener("input", function () { slider.value = number.value; });
    });
  }

  function scoreColumns(root) {
    root.querySelectorAll(".issue").forEach(function (issue) {
      var kind = issue.querySelector("select.kind");
      if (!kind) { return; }
      var update = function () { issue.classList.toggle("no-scores", kind.value !== "scores"); };
      kind.addEventListener("change", update);
      update();
    });
  }

  // When the text or the log changed, say so (the reader decides when to
  // reload: a page that reloads under one's cursor loses a half-typed comment).
  function poll() {
    var url = document.body.dataset.poll;
    var version = document.body.dataset.version;
    fetch(url, { credentials: "same-origin", headers: { "Accept": "application/json" } })
      .then(function (r) { return r.ok ? r.json() : null; })
      .then(function (data) {
        if (data && String(data.version) !== version) {
          document.getElementById("changed-banner").hidden = false;
        }
      })
      .catch(function () { /* offline for a moment: try again later */ });
  }

  document.addEventListener("DOMContentLoaded", function () {
    syncSliders(document);
    scoreColumns(document);
    if (document.body.dataset.poll) { window.setInterval(poll, 2000); }
  });
})();
