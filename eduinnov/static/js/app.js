// Confirmation for destructive POST buttons rendered by the post_button macro (CSP forbids inline JS).
document.addEventListener("submit", function (event) {
  const form = event.target;
  const text = form.getAttribute && form.getAttribute("data-confirm");
  if (text && !window.confirm(text)) {
    event.preventDefault();
  }
});
