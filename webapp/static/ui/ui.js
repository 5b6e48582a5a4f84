// Small progressive enhancements; every page works without JavaScript.
(function () {
  "use strict";

  // An htmx request that failed (a colleague claimed the item first, the session ended...): say so on the page.
  document.addEventListener("htmx:responseError", function (evt) {
    const main = document.getElementById("main");
    if (!main) {
      return;
    }
    const note = document.createElement("p");
    note.className = "flash flash-error";
    note.setAttribute("role", "alert");
    const xhr = evt.detail.xhr;
    note.textContent = (xhr && xhr.responseText) || "The request failed; reload the page and try again.";
    main.prepend(note);
  });

  // A poll (worklist, documents) waits while keyboard focus is inside what it would replace: a swap must
  // never pull the focus from under someone using the keyboard.
  document.addEventListener("htmx:beforeRequest", function (evt) {
    const el = evt.detail.elt;
    const trigger = el && el.getAttribute("hx-trigger");
    if (trigger && trigger.startsWith("every ") && el.contains(document.activeElement)) {
      evt.preventDefault();
    }
  });

  // After an in-page update of the worklist, keep keyboard focus somewhere sensible.
  document.addEventListener("htmx:afterSwap", function (evt) {
    if (evt.detail.target && evt.detail.target.id === "main") {
      const main = document.getElementById("main");
      if (main) {
        main.focus({ preventScroll: true });
      }
    }
  });

  // Document viewer: a field in the list highlights its box on the page image (and says so to screen readers).
  document.addEventListener("click", function (evt) {
    const pick = evt.target.closest && evt.target.closest(".field-pick");
    if (!pick) {
      return;
    }
    const viewer = pick.closest(".doc-viewer");
    const box = document.getElementById(pick.dataset.box);
    const on = pick.getAttribute("aria-pressed") !== "true";
    viewer.querySelectorAll(".field-box.active, .field-pick.active").forEach(function (el) {
      el.classList.remove("active");
    });
    viewer.querySelectorAll(".field-pick").forEach(function (el) {
      el.setAttribute("aria-pressed", "false");
    });
    if (on && box) {
      box.classList.add("active");
      pick.classList.add("active");
      pick.setAttribute("aria-pressed", "true");
      box.scrollIntoView({ block: "nearest" });
    }
  });

  // Jump to the task a link points at (#task-12) and focus its first field.
  if (location.hash.startsWith("#task-")) {
    const task = document.querySelector(location.hash);
    const first = task && task.querySelector("select, input:not([type=hidden]), textarea");
    if (first) {
      first.focus();
    }
  }
})();
