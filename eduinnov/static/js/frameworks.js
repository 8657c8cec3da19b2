// Framework and partner pages: open the tab named in the URL hash (#matrix, #modules ...) and keep the
// hash in step when a tab is chosen, so redirects after saving land on the tab the user was editing.
document.addEventListener("DOMContentLoaded", function () {
  if (!window.bootstrap) {
    return;
  }
  function showTabFromHash() {
    const hash = window.location.hash;
    if (!hash || !/^#[\w-]+$/.test(hash)) {
      return;
    }
    const trigger = document.querySelector('[data-bs-toggle="tab"][data-bs-target="' + hash + '-pane"]');
    if (trigger) {
      window.bootstrap.Tab.getOrCreateInstance(trigger).show();
    }
  }
  document.querySelectorAll('[data-bs-toggle="tab"][data-bs-target$="-pane"]').forEach(function (el) {
    el.addEventListener("shown.bs.tab", function () {
      const target = el.getAttribute("data-bs-target").replace(/-pane$/, "");
      history.replaceState(null, "", target);
    });
  });
  window.addEventListener("hashchange", showTabFromHash);
  showTabFromHash();
});
