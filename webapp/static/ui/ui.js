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

  // After an in-page update of the worklist, keep keyboard focus somewhere sensible.
  document.addEventListener("htmx:afterSwap", function (evt) {
    if (evt.detail.target && evt.detail.target.id === "main") {
      const main = document.getElementById("main");
      if (main) {
        main.focus({ preventScroll: true });
      }
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
