/* The Caseworks modeler page: the draft's files (BPMN in bpmn-js, decision tables in dmn-js, form schemas in a
   JSON editor with a live preview), saved, validated, compared and deployed through /designer/drafts/... */
(function () {
  "use strict";
  var app = document.getElementById("modeler-app");
  if (!app || !window.BpmnJS) { return; }
  var caseType = app.dataset.caseType, csrf = app.dataset.csrf, draftUrl = app.dataset.draftUrl;
  var services = (app.dataset.services || "").split(" ").filter(Boolean);
  var files = {}, bpmnName = null, current = null, dmnModeler = null;
  var status = document.getElementById("modeler-status"), results = document.getElementById("modeler-results");

  var modeler = new window.BpmnJS({ container: "#canvas", moddleExtensions: { spiffworkflow: window.CASEWORKS_SPIFF_MODDLE } });
  new window.CaseworksPropertiesPanel(modeler, document.getElementById("properties"), {
    services: services,
    forms: function () { return Object.keys(files).filter(function (f) { return /^forms\/.*\.json$/.test(f); }).sort(); }
  });
  window.caseworksModeler = modeler; // for people (and tests) who script the modeler from the console

  function say(text, kind) { status.textContent = text; status.className = "small " + (kind || ""); }

  function call(method, url, body) {
    return fetch(url, {
      method: method, credentials: "same-origin",
      headers: { "Content-Type": "application/json", "X-CSRF-Token": csrf, "Accept": "application/json" },
      body: body === undefined ? undefined : JSON.stringify(body)
    }).then(function (r) { return r.json().then(function (data) { return { status: r.status, data: data }; }); });
  }

  function list(title, items, id) {
    var box = document.createElement("div");
    box.className = "result";
    if (id) { box.id = id; }
    var h = document.createElement("h3"); h.textContent = title; box.appendChild(h);
    var ul = document.createElement("ul");
    items.forEach(function (t) { var li = document.createElement("li"); li.textContent = t; ul.appendChild(li); });
    if (items.length) { box.appendChild(ul); }
    return box;
  }

  function collect() {
    var saves = [modeler.saveXML({ format: true }).then(function (r) { files[bpmnName] = r.xml; })];
    if (current && /\.json$/.test(current)) { files[current] = document.getElementById("form-json").value; }
    if (dmnModeler && current && /\.dmn$/.test(current)) {
      saves.push(dmnModeler.saveXML({ format: true }).then(function (r) { files[current] = r.xml; }));
    }
    return Promise.all(saves).then(function () { return { files: files }; });
  }

  function tabs() {
    var bar = document.getElementById("file-tabs");
    bar.innerHTML = "";
    Object.keys(files).sort().forEach(function (name) {
      if (!/\.(bpmn|dmn)$/.test(name) && !/^forms\/.*\.json$/.test(name)) { return; }
      var b = document.createElement("button");
      b.type = "button"; b.setAttribute("role", "tab"); b.textContent = name;
      b.setAttribute("aria-selected", String(name === current));
      b.dataset.file = name;
      b.addEventListener("click", function () { collect().then(function () { open(name); }); });
      bar.appendChild(b);
    });
  }

  function open(name) {
    current = name;
    document.getElementById("bpmn-pane").hidden = !/\.bpmn$/.test(name);
    document.getElementById("dmn-pane").hidden = !/\.dmn$/.test(name);
    document.getElementById("form-pane").hidden = !/\.json$/.test(name);
    if (/\.dmn$/.test(name)) {
      loadDmnJs().then(function () {
        if (!dmnModeler) { dmnModeler = new window.DmnJS({ container: "#dmn-canvas" }); }
        return dmnModeler.importXML(files[name]);
      }).then(function () {
        var views = dmnModeler.getViews(), table = views.filter(function (v) { return v.type === "decisionTable"; })[0];
        if (table) { dmnModeler.open(table); }
      }).catch(function (e) { say("The decision table cannot be opened: " + e.message, "error"); });
    } else if (/\.json$/.test(name)) {
      document.getElementById("form-json").value = files[name];
      preview();
    }
    tabs();
  }

  /* dmn-js is large: load it the first time a decision table is opened */
  var dmnLoading = null;
  function loadDmnJs() {
    if (window.DmnJS) { return Promise.resolve(); }
    if (!app.dataset.dmnJs) { return Promise.reject(new Error("dmn-js is not installed: run make setup")); }
    dmnLoading = dmnLoading || new Promise(function (resolve, reject) {
      var script = document.createElement("script");
      script.src = app.dataset.dmnJs;
      script.onload = resolve;
      script.onerror = function () { reject(new Error("dmn-js could not be loaded")); };
      document.head.appendChild(script);
    });
    return dmnLoading;
  }

  /* -- the form editor's preview: the JSON schema rendered as the agent's form ------------------------- */
  function preview() {
    var text = document.getElementById("form-json").value, out = document.getElementById("form-preview");
    var err = document.getElementById("form-error");
    out.innerHTML = "";
    var schema;
    try { schema = JSON.parse(text); } catch (e) { err.textContent = "Not valid JSON: " + e.message; return; }
    err.textContent = "";
    if (schema.title) { var t = document.createElement("h4"); t.textContent = schema.title; out.appendChild(t); }
    var required = schema.required || [];
    Object.keys(schema.properties || {}).forEach(function (key) {
      var p = schema.properties[key] || {}, id = "preview-" + key, input;
      var label = document.createElement("label");
      label.setAttribute("for", id);
      label.textContent = (p.title || key) + (required.indexOf(key) >= 0 ? " *" : "");
      if (p["enum"] || p.oneOf) {
        input = document.createElement("select");
        (p["enum"] || p.oneOf.map(function (o) { return o["const"]; })).forEach(function (v) {
          var o = document.createElement("option"); o.textContent = String(v); input.appendChild(o);
        });
      } else if (p.type === "boolean") {
        input = document.createElement("input"); input.type = "checkbox";
      } else if (p.type === "integer" || p.type === "number") {
        input = document.createElement("input"); input.type = "number";
      } else if (p.format === "date") {
        input = document.createElement("input"); input.type = "date";
      } else if (p.maxLength && p.maxLength > 200) {
        input = document.createElement("textarea");
      } else {
        input = document.createElement("input"); input.type = "text";
      }
      input.id = id;
      var row = document.createElement("div"); row.className = "field";
      row.appendChild(label); row.appendChild(input);
      if (p.description) { var d = document.createElement("p"); d.className = "small muted"; d.textContent = p.description; row.appendChild(d); }
      out.appendChild(row);
    });
  }
  document.getElementById("form-json").addEventListener("input", function () {
    if (current) { files[current] = document.getElementById("form-json").value; }
    preview();
  });

  /* -- actions ------------------------------------------------------------------------------------------ */
  function problems(title, items, id) { results.innerHTML = ""; results.appendChild(list(title, items, id)); }

  document.getElementById("btn-save").addEventListener("click", function () {
    collect().then(function (body) { return call("PUT", draftUrl, body); }).then(function (r) {
      say(r.status === 200 ? "Draft saved." : r.data.error.message, r.status === 200 ? "ok" : "error");
    });
  });
  document.getElementById("btn-validate").addEventListener("click", function () {
    collect().then(function (body) { return call("POST", draftUrl + "/validate", body); }).then(function (r) {
      if (r.status !== 200) { return say(r.data.error.message, "error"); }
      var p = r.data.problems;
      problems(p.length ? p.length + " problem(s)" : "No problems found.", p, "validation-result");
      say(p.length ? "Validation found problems." : "Valid.", p.length ? "error" : "ok");
    });
  });
  document.getElementById("btn-diff").addEventListener("click", function () {
    collect().then(function (body) { return call("POST", draftUrl + "/diff", body); }).then(function (r) {
      if (r.status !== 200) { return say(r.data.error.message, "error"); }
      var lines = [];
      ["elements", "forms", "rules"].forEach(function (kind) {
        ["added", "removed", "changed"].forEach(function (what) {
          r.data[kind][what].forEach(function (name) { lines.push(kind + " " + what + ": " + name); });
        });
      });
      problems(r.data.deployed_version ? "Changes against the deployed version " + r.data.deployed_version.slice(0, 12)
               : "Not deployed yet: everything is new", lines, "diff-result");
    });
  });
  document.getElementById("btn-deploy").addEventListener("click", function () {
    say("Validating and deploying…");
    collect().then(function (body) { return call("POST", draftUrl + "/deploy", body); }).then(function (r) {
      if (r.status === 201) {
        problems("Deployed version " + r.data.version.slice(0, 12) + ": new cases start on it now.", [], "deploy-result");
        say("Deployed.", "ok");
      } else {
        problems(r.data.error.message, (r.data.error.details || {}).problems || [], "deploy-result");
        say("Not deployed.", "error");
      }
    });
  });
  document.getElementById("btn-new-form").addEventListener("click", function () {
    var id = window.prompt("Form for which task id? (forms/<id>.schema.json)");
    if (!id) { return; }
    var name = "forms/" + id.replace(/[^A-Za-z0-9_-]/g, "_") + ".schema.json";
    files[name] = files[name] || JSON.stringify({ type: "object", title: id, required: [], properties: {} }, null, 2);
    collect().then(function () { open(name); });
  });
  document.getElementById("btn-new-dmn").addEventListener("click", function () {
    var id = window.prompt("Decision id (letters, digits, _)");
    if (!id) { return; }
    id = id.replace(/[^A-Za-z0-9_]/g, "_");
    files[id + ".dmn"] = '<?xml version="1.0" encoding="UTF-8"?>\n<definitions xmlns="https://www.omg.org/spec/DMN/20191111/MODEL/" id="Definitions_' + id +
      '" name="' + id + '" namespace="http://caseworks"><decision id="' + id + '" name="' + id + '"><decisionTable id="Table_' + id +
      '" hitPolicy="FIRST"><input id="Input_1" label="Input"><inputExpression id="InputExpression_1" typeRef="string"><text>value</text></inputExpression></input>' +
      '<output id="Output_1" label="Result" name="result" typeRef="string"/></decisionTable></decision></definitions>';
    collect().then(function () { open(id + ".dmn"); });
  });

  /* -- load ----------------------------------------------------------------------------------------------- */
  call("GET", draftUrl).then(function (r) {
    if (r.status !== 200) { return say(r.data.error.message, "error"); }
    files = r.data.files;
    bpmnName = Object.keys(files).filter(function (n) { return /\.bpmn$/.test(n); })[0];
    document.getElementById("draft-source").textContent = { draft: "(saved draft)", deployed: "(the deployed version)", "new": "(new process)" }[r.data.source] || "";
    return modeler.importXML(files[bpmnName]).then(function () {
      modeler.get("canvas").zoom("fit-viewport");
      current = bpmnName;
      tabs();
      app.dataset.ready = "true";
      say("Loaded " + bpmnName + ".");
    });
  }).catch(function (e) { say("The process cannot be opened: " + e.message, "error"); });
}());
