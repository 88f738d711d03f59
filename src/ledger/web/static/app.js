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
