// Type-ahead for inputs with data-typeahead="<JSON url>": suggestions from the server fill the input's
// <datalist> (data-typeahead-list) with student numbers. Without JavaScript the input is a plain search
// that the server resolves on submit. No inline script: the CSP allows only files from this site.
(function () {
  "use strict";
  function attach(input) {
    const url = input.getAttribute("data-typeahead");
    const list = document.getElementById(input.getAttribute("data-typeahead-list"));
    if (!url || !list) {
      return;
    }
    let timer = null;
    let last = "";
    input.addEventListener("input", function () {
      const text = input.value.trim();
      if (timer) {
        window.clearTimeout(timer);
      }
      if (text.length < 2 || text === last) {
        return;
      }
      timer = window.setTimeout(function () {
        last = text;
        fetch(url + "?q=" + encodeURIComponent(text), {credentials: "same-origin", headers: {"Accept": "application/json"}})
          .then(function (response) { return response.ok ? response.json() : []; })
          .then(function (items) {
            while (list.firstChild) {
              list.removeChild(list.firstChild);
            }
            items.forEach(function (item) {
              const option = document.createElement("option");
              option.value = item.student_no;
              option.textContent = item.student_no + " " + item.label + (item.has_account ? " ✓" : "");
              list.appendChild(option);
            });
          })
          .catch(function () { /* the plain search on submit still works */ });
      }, 200);
    });
  }
  document.querySelectorAll("input[data-typeahead]").forEach(attach);
})();
