// Progressive enhancement only: every form works without it.
document.addEventListener("DOMContentLoaded", function () {
  document.querySelectorAll("form[data-autosubmit]").forEach(function (form) {
    form.addEventListener("change", function (event) {
      var target = event.target;
      if (target.name === "as_of_position" && form.elements.as_of) form.elements.as_of.value = "";
      if (target.name === "as_of" && form.elements.as_of_position) form.elements.as_of_position.value = "";
      if (target.type === "number" || target.type === "datetime-local") return;  // wait for the button
      form.submit();
    });
  });
});

// A work form is sent once: its buttons are disabled after the first submission (the server
// also answers a repeated form key with the first answer, so this only spares a second click).
document.addEventListener("DOMContentLoaded", function () {
  document.querySelectorAll("form[data-once]").forEach(function (form) {
    form.addEventListener("submit", function (event) {
      if (form.dataset.sent) { event.preventDefault(); return; }
      form.dataset.sent = "1";
      var clicked = event.submitter;
      if (clicked && clicked.name) {  // keep which button was pressed (preview or save)
        var keep = document.createElement("input");
        keep.type = "hidden"; keep.name = clicked.name; keep.value = clicked.value;
        form.appendChild(keep);
      }
      form.querySelectorAll("button[type=submit]").forEach(function (b) { b.disabled = true; });
    });
  });
  // The outcome's points matter only for "reduced".
  var outcome = document.querySelectorAll("input[name=outcome]");
  var points = document.getElementById("points");
  if (outcome.length && points) {
    var sync = function () {
      var reduced = document.querySelector("input[name=outcome][value=reduced]");
      points.disabled = !(reduced && reduced.checked);
    };
    outcome.forEach(function (o) { o.addEventListener("change", sync); });
    sync();
  }
});
