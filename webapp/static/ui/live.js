// Keeps an open case page current: every few seconds it asks for the case's change marker (a tiny JSON answer),
// and only when that moved does it fetch the page again and swap the parts marked [data-live] that changed.
// A part is left alone while keyboard focus is in it or one of its forms has unsaved typing, so nobody loses
// what they were entering. Nothing is asked while the tab is hidden.
(function () {
  "use strict";
  const marker = document.getElementById("case-live");
  if (!marker || !window.fetch || !window.DOMParser) {
    return;
  }
  const EVERY_MS = 3000;
  let version = marker.dataset.version;
  let busy = false;

  document.addEventListener("input", function (evt) {
    const form = evt.target.closest && evt.target.closest("form");
    if (form) {
      form.dataset.dirty = "true";
    }
  });

  function inUse(region) {
    return region.contains(document.activeElement) || region.querySelector("form[data-dirty='true']") !== null;
  }

  // The diagram is drawn once; when the case moved, copy the new step ids over and let diagram.js relight it.
  function relight(fresh) {
    const diagram = document.getElementById("diagram");
    const next = fresh.getElementById("diagram");
    if (!diagram || !next) {
      return;
    }
    let changed = false;
    ["done", "waiting", "current"].forEach(function (name) {
      if ((next.dataset[name] || "") !== (diagram.dataset[name] || "")) {
        diagram.dataset[name] = next.dataset[name] || "";
        changed = true;
      }
    });
    if (changed) {
      diagram.dispatchEvent(new CustomEvent("cw:steps-changed"));
    }
  }

  function swap(fresh) {
    document.querySelectorAll("[data-live][id]").forEach(function (region) {
      const next = fresh.getElementById(region.id);
      if (!next || next.innerHTML === region.innerHTML || inUse(region)) {
        return;
      }
      const open = Array.from(region.querySelectorAll("details[open][id]")).map(function (d) { return d.id; });
      region.innerHTML = next.innerHTML;
      open.forEach(function (id) {
        const again = document.getElementById(id);
        if (again) {
          again.open = true;
        }
      });
      if (window.htmx) {
        window.htmx.process(region); // the documents block polls by itself while something is being read
      }
    });
  }

  async function check() {
    if (busy || document.hidden) {
      return;
    }
    busy = true;
    try {
      const answer = await fetch(marker.dataset.liveUrl, { credentials: "same-origin", cache: "no-store" });
      if (!answer.ok) {
        return;
      }
      const now = String((await answer.json()).version);
      if (now === version) {
        return;
      }
      const page = await fetch(location.pathname + location.search, { credentials: "same-origin", cache: "no-store" });
      if (!page.ok) {
        return;
      }
      const fresh = new DOMParser().parseFromString(await page.text(), "text/html");
      const freshMarker = fresh.getElementById("case-live");
      swap(fresh);
      relight(fresh);
      version = freshMarker ? freshMarker.dataset.version : now;
      marker.dataset.version = version;
    } catch (err) {
      // offline for a moment: the next tick tries again
    } finally {
      busy = false;
    }
  }

  setInterval(check, EVERY_MS);
  document.addEventListener("visibilitychange", check);
})();
