// Renders every [data-bpmn-url] element with the bpmn-js viewer (served from node_modules) and lights the
// case's steps: data-done, data-waiting and data-current hold BPMN element ids separated by spaces.
(function () {
  "use strict";

  function ids(el, name) {
    return (el.dataset[name] || "").split(/\s+/).filter(Boolean);
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
      el.dataset.rendered = "true";
    } catch (err) {
      el.dataset.rendered = "error";
      el.textContent = "The diagram could not be shown: " + (err && err.message ? err.message : err);
    }
  }

  document.querySelectorAll("[data-bpmn-url]").forEach(render);
})();
