// Repeatable rows of the structured admin fields (tariffs/structured_fields.py): "Add a row" copies the
// widget's row template with the next index. Delegated from the document, so rows in inlines added later work too.
document.addEventListener("click", (event) => {
  const button = event.target.closest("[data-rows-add]");
  if (!button) return;
  const widget = button.closest("[data-rows]");
  const total = widget.querySelector("[data-rows-total]");
  const index = Number(total.value);
  const row = widget.querySelector("[data-rows-template]").content.firstElementChild.cloneNode(true);
  row.querySelectorAll("[name]").forEach((input) => {
    input.name = input.name.replace("__row__", String(index));
    input.setAttribute("aria-label", input.getAttribute("aria-label").replace("new row", `row ${index + 1}`));
  });
  widget.querySelector("[data-rows-body]").appendChild(row);
  total.value = String(index + 1);
  row.querySelector("input, select").focus();
});
