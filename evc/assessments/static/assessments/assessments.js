// Show htmx fragments that come back with 400/409 (validation errors, a colleague saved first):
// they carry the message and the person's unsaved text, so swapping them in loses nothing.
document.addEventListener("htmx:beforeSwap", function (event) {
  var status = event.detail.xhr.status;
  if (status === 400 || status === 409) {
    event.detail.shouldSwap = true;
    event.detail.isError = false;
  }
});
// After an in-place save, move focus to the updated block so keyboard and screen-reader users follow.
document.addEventListener("htmx:afterSwap", function (event) {
  var focus = event.detail.target.querySelector("[data-focus-after-swap]");
  if (focus) { focus.focus(); }
});
