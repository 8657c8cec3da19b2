// Dashboards: sections computed in a request of their own (e.g. OBE achievement) replace their placeholder.
// The placeholder keeps a plain link, so the page works without JavaScript too.
document.addEventListener("DOMContentLoaded", () => {
  for (const box of document.querySelectorAll("[data-fragment]")) {
    fetch(box.dataset.fragment, { credentials: "same-origin", headers: { "X-Requested-With": "fetch" } })
      .then((response) => {
        if (!response.ok) throw new Error(String(response.status));
        return response.text();
      })
      .then((html) => {
        box.innerHTML = html;
        box.dataset.loaded = "1";
      })
      .catch(() => {
        box.dataset.loaded = "error";
        box.querySelector(".spinner-border")?.remove();
      });
  }
});
