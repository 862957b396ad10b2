// Forms marked auto-submit apply a changed choice at once; text fields still wait for Enter.
document.querySelectorAll("form.auto-submit").forEach(function (form) {
  form.addEventListener("change", function (event) {
    if (event.target.matches("select, input[type=checkbox]")) form.submit();
  });
});
