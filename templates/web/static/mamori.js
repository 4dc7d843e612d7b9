// Drag and drop onto upload forms: an enhancement only. Every form works without this script.
"use strict";
document.addEventListener("DOMContentLoaded", () => {
  for (const form of document.querySelectorAll("form[data-dropzone]")) {
    const input = form.querySelector("input[type=file]");
    if (!input) {
      continue;
    }
    const activate = (event) => {
      event.preventDefault();
      form.classList.add("dropzone-active");
    };
    const deactivate = () => form.classList.remove("dropzone-active");
    form.addEventListener("dragenter", activate);
    form.addEventListener("dragover", activate);
    form.addEventListener("dragleave", deactivate);
    form.addEventListener("drop", (event) => {
      event.preventDefault();
      deactivate();
      if (event.dataTransfer && event.dataTransfer.files.length > 0) {
        input.files = event.dataTransfer.files;
        input.dispatchEvent(new Event("change", { bubbles: true }));
      }
    });
  }
});
