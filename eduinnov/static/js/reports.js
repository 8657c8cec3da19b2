// Evidence-pack pages (CSP: no inline scripts).
// (The cohort choice is sent with its button, not on change: choosing with the keyboard's arrow keys must
// not reload the page at every step — WCAG 3.2.2, On Input.)
// - A .report-job card polls its data-status-url (JSON from reports.job_status) until the job is
//   finished or failed, moving the progress bar and showing the download link when the file is ready.
(function () {
  "use strict";

  function show(card, status) {
    var pct = Math.round(Math.max(0, Math.min(1, Number(status.progress) || 0)) * 100);
    var bar = card.querySelector("[data-role=bar]");
    bar.style.width = pct + "%";
    bar.parentElement.setAttribute("aria-valuenow", String(pct));
    card.querySelector("[data-role=percent]").textContent = pct + " %";
    if (status.state_label) { card.querySelector("[data-role=state]").textContent = status.state_label; }
    card.querySelector("[data-role=message]").textContent = status.message || "";
    var done = status.state === "finished" || status.state === "failed";
    bar.classList.toggle("progress-bar-striped", !done);
    bar.classList.toggle("progress-bar-animated", !done);
    bar.classList.toggle("bg-success", status.state === "finished");
    bar.classList.toggle("bg-danger", status.state === "failed");
    if (status.download_url) {
      card.querySelector("[data-role=download-link]").setAttribute("href", status.download_url);
      card.querySelector("[data-role=download]").classList.remove("d-none");
    }
    return done;
  }

  document.querySelectorAll(".report-job[data-status-url]").forEach(function (card) {
    var url = card.getAttribute("data-status-url");
    var delay = 800;
    show(card, { progress: card.getAttribute("data-progress"), state: card.getAttribute("data-state"),
                 message: card.querySelector("[data-role=message]").textContent });
    if (card.getAttribute("data-state") === "finished" || card.getAttribute("data-state") === "failed") { return; }
    function poll() {
      fetch(url, { headers: { "Accept": "application/json" }, credentials: "same-origin" })
        .then(function (response) {
          if (!response.ok) { throw new Error("HTTP " + response.status); }
          return response.json();
        })
        .then(function (status) {
          if (!show(card, status)) {
            delay = Math.min(delay * 1.3, 3000);
            window.setTimeout(poll, delay);
          }
        })
        .catch(function () {
          delay = Math.min(delay * 2, 10000);  // a hiccup (server restart): try again, more slowly
          window.setTimeout(poll, delay);
        });
    }
    window.setTimeout(poll, delay);
  });
})();
