// Renders every [data-bpmn-url] element with the bpmn-js viewer (served from node_modules) and lights the
// case's steps: data-done, data-waiting and data-current hold BPMN element ids separated by spaces.
(function () {
  "use strict";

  function ids(el, name) {
    return (el.dataset[name] || "").split(/\s+/).filter(Boolean);
  }

  // Zoom buttons before the diagram (keyboard users cannot use the mouse wheel and drag).
  function addToolbar(el, canvas) {
    const bar = document.createElement("div");
    bar.className = "diagram-tools";
    bar.setAttribute("role", "toolbar");
    bar.setAttribute("aria-label", "Diagram zoom");
    [["Fit", "Fit the whole diagram", function () { canvas.zoom("fit-viewport", "auto"); }],
     ["+", "Zoom in", function () { canvas.zoom(canvas.zoom() * 1.25); }],
     ["\u2212", "Zoom out", function () { canvas.zoom(canvas.zoom() / 1.25); }]].forEach(function (spec) {
      const button = document.createElement("button");
      button.type = "button";
      button.textContent = spec[0];
      button.setAttribute("aria-label", spec[1]);
      button.addEventListener("click", spec[2]);
      bar.appendChild(button);
    });
    el.parentNode.insertBefore(bar, el);
  }

  function refitOnResize(el, canvas) {
    let timer = null;
    window.addEventListener("resize", function () {
      clearTimeout(timer);
      timer = setTimeout(function () {
        canvas.resized();
        canvas.zoom("fit-viewport", "auto");
      }, 150);
    });
  }

  async function render(el) {
    const viewer = new window.BpmnJS({ container: el });
    try {
      const response = await fetch(el.dataset.bpmnUrl, { credentials: "same-origin" });
      if (!response.ok) {
        throw new Error("HTTP " + response.status);
      }
      await viewer.importXML(await response.text());
      const canvas = viewer.get("canvas");
      const registry = viewer.get("elementRegistry");
      const mark = function (list, marker) {
        list.forEach(function (id) {
          if (registry.get(id)) {
            canvas.addMarker(id, marker);
          }
        });
      };
      mark(ids(el, "done"), "cw-done");
      mark(ids(el, "waiting"), "cw-waiting");
      mark(ids(el, "current"), "cw-current");
      canvas.zoom("fit-viewport", "auto");
      addToolbar(el, canvas);
      refitOnResize(el, canvas);
      el.dataset.rendered = "true";
    } catch (err) {
      el.dataset.rendered = "error";
      el.textContent = "The diagram could not be shown: " + (err && err.message ? err.message : err);
    }
  }

  document.querySelectorAll("[data-bpmn-url]").forEach(render);
})();
