// Renders every [data-bpmn-url] element with the bpmn-js viewer (served from node_modules) and lights the
// case's steps: data-done, data-waiting and data-current hold BPMN element ids separated by spaces.
//
// A whole process fitted into a page-wide box is too small to read, so the first view is the part that
// matters: the current (or awaited) step with the path done so far, or, with nothing lit (the designer), the
// diagram from its start at a readable size. The toolbar zooms in and out, back to that view, or to the whole.
(function () {
  "use strict";

  const READABLE = 0.8; // below this zoom the labels are hard to read
  const MAX_ZOOM = 1.4;
  const PAD = 40;

  function ids(el, name) {
    return (el.dataset[name] || "").split(/\s+/).filter(Boolean);
  }

  const CONTAINERS = ["bpmn:Participant", "bpmn:Lane", "bpmn:Process", "bpmn:Collaboration"];

  // Flow nodes only: a done "step" can be the process itself (its id is a participant's), which would
  // stretch the view to the whole pool.
  function shapes(registry, list) {
    return list.map(function (id) { return registry.get(id); })
      .filter(function (s) { return s && s.width !== undefined && !s.labelTarget && CONTAINERS.indexOf(s.type) < 0; });
  }

  function bounds(list) {
    if (!list.length) {
      return null;
    }
    const x = Math.min.apply(null, list.map(function (s) { return s.x; }));
    const y = Math.min.apply(null, list.map(function (s) { return s.y; }));
    const right = Math.max.apply(null, list.map(function (s) { return s.x + s.width; }));
    const bottom = Math.max.apply(null, list.map(function (s) { return s.y + s.height; }));
    return { x: x - PAD, y: y - PAD, width: right - x + 2 * PAD, height: bottom - y + 2 * PAD };
  }

  // Show the box at the largest zoom that fits it (at most MAX_ZOOM). When that would be unreadable, keep the
  // readable zoom and show as much of the box as fits, ending at the focus (the current step, with the path
  // that led to it on its left), or from the box's left edge at the height of the focus (the start event)
  // with ``fromStart``.
  function show(canvas, box, focus, fromStart) {
    const size = canvas.getSize();
    let zoom = Math.min(size.width / box.width, size.height / box.height, MAX_ZOOM);
    let width = size.width / zoom;
    let height = size.height / zoom;
    let x = box.x + box.width / 2 - width / 2;
    let y = box.y + box.height / 2 - height / 2;
    if (zoom < READABLE) {
      zoom = READABLE;
      width = size.width / zoom;
      height = size.height / zoom;
      x = focus && !fromStart ? Math.max(box.x, focus.x + focus.width + Math.min(width * 0.25, 240) - width) : box.x;
      const middle = focus ? focus.y + focus.height / 2 : box.y + box.height / 2;
      y = box.height <= height ? box.y + box.height / 2 - height / 2
        : Math.min(Math.max(middle - height / 2, box.y), box.y + box.height - height);
    }
    canvas.viewbox({ x: x, y: y, width: width, height: height });
  }

  // A box wider than tall fits a short container; one that spans several lanes needs more height to stay
  // readable: grow the container (within MIN_HEIGHT..MAX_HEIGHT) to the box at the zoom its width allows.
  const MIN_HEIGHT = 320;
  const MAX_HEIGHT = 640;

  function fitHeight(el, canvas, box) {
    const size = canvas.getSize();
    const zoom = Math.min(size.width / box.width, 1);
    const want = Math.round(Math.min(MAX_HEIGHT, Math.max(MIN_HEIGHT, box.height * Math.max(zoom, READABLE) + 16)));
    if (Math.abs(want - size.height) > 8) {
      el.style.height = want + "px";
      canvas.resized();
    }
  }

  function zoomBy(el, canvas, factor) {
    const box = canvas.viewbox();
    const centre = { x: box.x + box.width / 2, y: box.y + box.height / 2 };
    canvas.zoom(Math.max(0.2, Math.min(4, canvas.zoom() * factor)), centre);
    el.dataset.zoom = canvas.zoom().toFixed(2);
  }

  // Zoom buttons before the diagram (keyboard users cannot use the mouse wheel and drag).
  function addToolbar(el, canvas, focusView, hasFocus) {
    const bar = document.createElement("div");
    bar.className = "diagram-tools";
    bar.setAttribute("role", "toolbar");
    bar.setAttribute("aria-label", "Diagram zoom");
    [[hasFocus ? "Current step" : "Start", hasFocus ? "Show the current step and the path so far" :
       "Show the start of the process at a readable size", focusView],
     ["Whole", "Fit the whole diagram", function () {
       canvas.zoom("fit-viewport", "auto");
       el.dataset.zoom = canvas.zoom().toFixed(2);
     }],
     ["+", "Zoom in", function () { zoomBy(el, canvas, 1.25); }],
     ["\u2212", "Zoom out", function () { zoomBy(el, canvas, 1 / 1.25); }]].forEach(function (spec) {
      const button = document.createElement("button");
      button.type = "button";
      button.textContent = spec[0];
      button.setAttribute("aria-label", spec[1]);
      button.title = spec[1];
      button.addEventListener("click", spec[2]);
      bar.appendChild(button);
    });
    el.parentNode.insertBefore(bar, el);
  }

  function refitOnResize(canvas, view) {
    let timer = null;
    window.addEventListener("resize", function () {
      clearTimeout(timer);
      timer = setTimeout(function () {
        canvas.resized();
        view();
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
      let done = [];
      let waiting = [];
      let current = [];
      let lit = null;
      let focus = null;
      const light = function () {
        [["cw-done", done], ["cw-waiting", waiting], ["cw-current", current]].forEach(function (pair) {
          pair[1].forEach(function (id) {
            if (registry.get(id)) {
              canvas.removeMarker(id, pair[0]);
            }
          });
        });
        done = ids(el, "done");
        waiting = ids(el, "waiting");
        current = ids(el, "current");
        mark(done, "cw-done");
        mark(waiting, "cw-waiting");
        mark(current, "cw-current");
        const now = shapes(registry, current.concat(waiting));
        lit = bounds(shapes(registry, done.concat(current, waiting)));
        if (lit && now.length) {
          lit.width += 160; // a glimpse of what comes after the current step
        }
        focus = bounds(now);
      };
      light();
      const whole = bounds(registry.filter(function (e) {
        return e.width !== undefined && !e.labelTarget && e.type !== "bpmn:Participant" && e.type !== "bpmn:Lane";
      }));
      const view = function () {
        if (lit) {
          fitHeight(el, canvas, lit);
          show(canvas, lit, focus);
        } else if (whole) {
          show(canvas, whole, bounds(registry.filter(function (e) {
            return e.type === "bpmn:StartEvent" && e.parent && e.parent.type === "bpmn:Process";
          }).concat(registry.filter(function (e) {
            return e.type === "bpmn:StartEvent" && e.parent && e.parent.type === "bpmn:Participant";
          }))), true);
        } else {
          canvas.zoom("fit-viewport", "auto");
        }
        el.dataset.zoom = canvas.zoom().toFixed(2);
      };
      view();
      addToolbar(el, canvas, view, Boolean(lit));
      refitOnResize(canvas, view);
      // The case page's live updates change data-done/-waiting/-current: light the new steps and show them.
      el.addEventListener("cw:steps-changed", function () {
        light();
        view();
      });
      el.dataset.rendered = "true";
    } catch (err) {
      el.dataset.rendered = "error";
      el.textContent = "The diagram could not be shown (" + (err && err.message ? err.message : err) +
        "). Reload the page; if it stays, tell the process designer.";
    }
  }

  document.querySelectorAll("[data-bpmn-url]").forEach(render);
})();
