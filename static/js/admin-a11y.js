// The admin's tabular inlines label each column once, in the table header, so their controls have no <label> of
// their own; split date/time widgets label only the date half. Give every such control an accessible name taken
// from its column header or field label, so screen readers (and axe's WCAG rules) can name it.
(function () {
  "use strict";
  function unlabelled(control) {
    if (control.type === "hidden" || control.getAttribute("aria-label")) return false;
    return !(control.id && document.querySelector('label[for="' + CSS.escape(control.id) + '"]')) && !control.closest("label");
  }
  function nameControls(root) {
    root.querySelectorAll("td[class*='field-'] input, td[class*='field-'] select, td[class*='field-'] textarea").forEach(function (control) {
      if (!unlabelled(control)) return;
      var cell = control.closest("td");
      var field = Array.from(cell.classList).find(function (c) { return c.indexOf("field-") === 0; });
      var header = field && cell.closest("table").querySelector("th.column-" + CSS.escape(field.slice(6)));
      var row = control.closest("tr");
      var rowNumber = row ? Array.from(row.parentNode.children).filter(function (r) { return r.classList.contains("form-row"); }).indexOf(row) + 1 : 0;
      if (header) control.setAttribute("aria-label", header.textContent.trim() + (rowNumber > 0 ? " (row " + rowNumber + ")" : ""));
    });
    root.querySelectorAll("td.delete input[type=checkbox]").forEach(function (control) {
      if (unlabelled(control)) control.setAttribute("aria-label", "Delete this row");
    });
    root.querySelectorAll("p.datetime").forEach(function (widget) {
      var label = widget.closest(".form-row, .fieldBox, div") && widget.parentNode.querySelector("label");
      var text = label ? label.textContent.replace(/:$/, "").trim() : "";
      widget.querySelectorAll("input").forEach(function (control, index) {
        if (unlabelled(control) || index > 0) control.setAttribute("aria-label", text + (index === 0 ? " (date)" : " (time)"));
      });
    });
  }
  document.addEventListener("DOMContentLoaded", function () { nameControls(document); });
  // Rows added with "Add another" arrive later.
  document.addEventListener("formset:added", function (event) { nameControls(event.target.closest("table") || document); });
})();
