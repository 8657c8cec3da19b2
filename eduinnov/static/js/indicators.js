// Evaluation model editor: live reciprocal cells, weights and consistency ratio of AHP judgments.
// The numbers come from the server (the evaluation engine), never from this script.
(function () {
  "use strict";
  const form = document.getElementById("judgment-form");
  if (!form) { return; }
  const url = form.getAttribute("data-check-url");
  const box = document.getElementById("cr-box");
  const lang = document.documentElement.lang || "";
  const zh = lang.indexOf("zh") === 0;
  const text = zh ? {
    consistent: "一致（CR < 0.10）",
    inconsistent: function (a, b, v, s) { return "不一致（CR ≥ 0.10）。最不一致的判断是 " + a + " 对 " + b + " = " + v + "；约 " + s + " 才与其他判断相符。"; },
    failed: "无法检查一致性。"
  } : {
    consistent: "consistent (CR < 0.10)",
    inconsistent: function (a, b, v, s) { return "Not consistent (CR ≥ 0.10). The most inconsistent judgment is " + a + " vs " + b + " = " + v + "; about " + s + " would agree with the others."; },
    failed: "Could not check the consistency."
  };

  function reciprocal(value) {
    if (value === "1") { return "1"; }
    if (value.indexOf("1/") === 0) { return value.slice(2); }
    const n = Number(value);
    return Number.isFinite(n) && n > 0 ? (Number.isInteger(n) ? "1/" + n : (1 / n).toPrecision(3)) : "?";
  }

  function el(tag, cls, content) {
    const node = document.createElement(tag);
    if (cls) { node.className = cls; }
    if (content !== undefined) { node.textContent = content; }
    return node;
  }

  function show(report) {
    box.replaceChildren();
    form.querySelectorAll("td.worst").forEach(function (td) { td.classList.remove("worst"); });
    if (report.error) {
      box.appendChild(el("div", "alert alert-danger py-2", report.error));
      return;
    }
    Object.keys(report.weights).forEach(function (code) {
      const cell = form.querySelector('[data-weight="' + code + '"]');
      if (cell) { cell.textContent = report.weights[code].toFixed(3); }
    });
    const badge = el("span", "badge " + (report.consistent ? "text-bg-success" : "text-bg-danger"), "CR " + report.CR.toFixed(3));
    box.appendChild(badge);
    box.appendChild(document.createTextNode(" "));
    box.appendChild(el("span", "small text-muted", "λmax " + report.lambda_max.toFixed(4) + " · CI " + report.CI.toFixed(4) + " "));
    if (report.consistent) {
      box.appendChild(el("span", "small text-success", text.consistent));
    } else if (report.most_inconsistent) {
      const mi = report.most_inconsistent;
      box.appendChild(el("div", "alert alert-danger py-2 mt-2 mb-0", text.inconsistent(mi.row, mi.col, mi.value, mi.suggested)));
      const td = form.querySelector('[data-cell="' + mi.row + "-" + mi.col + '"]');
      if (td) { td.classList.add("worst"); }
    }
  }

  function check() {
    const params = new URLSearchParams();
    form.querySelectorAll("select[data-row]").forEach(function (sel) { params.append(sel.name, sel.value); });
    fetch(url + "?" + params.toString(), { headers: { "Accept": "application/json" }, credentials: "same-origin" })
      .then(function (r) { if (!r.ok) { throw new Error(r.status); } return r.json(); })
      .then(show)
      .catch(function () { box.replaceChildren(el("div", "alert alert-warning py-2", text.failed)); });
  }

  form.addEventListener("change", function (event) {
    const sel = event.target;
    if (!sel.matches || !sel.matches("select[data-row]")) { return; }
    const recip = form.querySelector('[data-recip="' + sel.dataset.row + "-" + sel.dataset.col + '"]');
    if (recip) { recip.textContent = reciprocal(sel.value); }
    check();
  });
})();

// Node form: show only the parameters of the chosen weighting, aggregation and scoring method.
(function () {
  "use strict";
  ["weighting", "aggregation", "scaling_method"].forEach(function (name) {
    const select = document.getElementById(name);
    if (!select) { return; }
    const blocks = document.querySelectorAll("[data-when-" + name + "]");
    function update() {
      blocks.forEach(function (block) {
        const wanted = block.getAttribute("data-when-" + name).split(" ");
        const hide = wanted.indexOf(select.value) < 0;
        block.classList.toggle("d-none", hide);
        // a field that cannot apply must not block the form either
        block.querySelectorAll("input, select").forEach(function (input) { input.disabled = hide; });
      });
    }
    select.addEventListener("change", update);
    update();
  });
})();
