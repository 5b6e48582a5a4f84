/* The properties panel of the Caseworks modeler: the SpiffWorkflow extensions Caseworks reads (lane -> queue,
   forms, status texts, due dates, service operators, timers, scripts, conditions), edited on the selected
   element through bpmn-js' own modeling API, so undo/redo and the saved XML include every change. */
(function () {
  "use strict";

  var SPIFF_URI = "http://spiffworkflow.org/bpmn/schema/1.0/core";
  var body = function (name) { return { name: name, superClass: ["Element"], properties: [{ name: "value", isBody: true, type: "String" }] }; };
  window.CASEWORKS_SPIFF_MODDLE = {
    name: "SpiffWorkflow", uri: SPIFF_URI, prefix: "spiffworkflow", xml: { tagAlias: "lowerCase" },
    types: [
      { name: "Properties", superClass: ["Element"], properties: [{ name: "properties", type: "Property", isMany: true }] },
      { name: "Property", superClass: ["Element"], properties: [
        { name: "name", isAttr: true, type: "String" }, { name: "value", isAttr: true, type: "String" }] },
      { name: "ServiceTaskOperator", superClass: ["Element"], properties: [
        { name: "id", isAttr: true, type: "String" }, { name: "resultVariable", isAttr: true, type: "String" },
        { name: "parameterList", type: "Parameters" }] },
      { name: "Parameters", superClass: ["Element"], properties: [{ name: "parameters", type: "Parameter", isMany: true }] },
      { name: "Parameter", superClass: ["Element"], properties: [
        { name: "id", isAttr: true, type: "String" }, { name: "type", isAttr: true, type: "String" },
        { name: "value", isAttr: true, type: "String" }] },
      body("PreScript"), body("PostScript"), body("CalledDecisionId"), body("MessagePayload"), body("MessageVariable")
    ]
  };

  function queueName(lane) {
    return (lane || "unassigned").toLowerCase().replace(/[^a-z0-9]+/g, "_").replace(/^_+|_+$/g, "") || "unassigned";
  }

  function el(tag, attrs, children) {
    var node = document.createElement(tag);
    Object.keys(attrs || {}).forEach(function (k) {
      if (k === "text") { node.textContent = attrs[k]; } else { node.setAttribute(k, attrs[k]); }
    });
    (children || []).forEach(function (c) { node.appendChild(c); });
    return node;
  }

  function PropertiesPanel(modeler, container, context) {
    this.modeler = modeler;
    this.container = container;
    this.context = context; // {forms(): [names], services: [names]}
    this.modeling = modeler.get("modeling");
    this.moddle = modeler.get("moddle");
    var self = this;
    modeler.on("selection.changed", function (e) { self.show(e.newSelection.length === 1 ? e.newSelection[0] : null); });
    modeler.on("element.changed", function (e) { if (self.element && e.element === self.element && !self.editing) { self.show(self.element); } });
  }

  PropertiesPanel.prototype.extension = function (bo, type, create) {
    var ext = bo.extensionElements;
    var found = ext && (ext.values || []).filter(function (v) { return v.$type === type; })[0];
    if (found || !create) { return found; }
    if (!ext) { ext = this.moddle.create("bpmn:ExtensionElements", { values: [] }); }
    found = this.moddle.create(type, {});
    ext.values = (ext.values || []).concat([found]);
    found.$parent = ext;
    this.modeling.updateProperties(this.element, { extensionElements: ext });
    return found;
  };

  PropertiesPanel.prototype.property = function (name) {
    var props = this.extension(this.element.businessObject, "spiffworkflow:Properties", false);
    var p = props && (props.properties || []).filter(function (x) { return x.name === name; })[0];
    return p ? p.value : "";
  };

  PropertiesPanel.prototype.setProperty = function (name, value) {
    var props = this.extension(this.element.businessObject, "spiffworkflow:Properties", true);
    var list = (props.properties || []).filter(function (x) { return x.name !== name; });
    if (value) {
      var p = this.moddle.create("spiffworkflow:Property", { name: name, value: value });
      p.$parent = props;
      list.push(p);
    }
    props.properties = list;
    this.touch();
  };

  PropertiesPanel.prototype.touch = function () {
    // a no-op update so the change is a command (undo, dirty state, element.changed)
    this.modeling.updateProperties(this.element, { extensionElements: this.element.businessObject.extensionElements });
  };

  PropertiesPanel.prototype.field = function (label, id, value, onChange, options) {
    options = options || {};
    var input;
    if (options.choices) {
      input = el("select", { id: id });
      options.choices.forEach(function (c) {
        var o = el("option", { value: c[0], text: c[1] });
        if (c[0] === value) { o.selected = true; }
        input.appendChild(o);
      });
    } else if (options.multiline) {
      input = el("textarea", { id: id, rows: "4", spellcheck: "false" });
      input.value = value || "";
    } else {
      input = el("input", { id: id, type: "text" });
      input.value = value || "";
    }
    if (options.placeholder) { input.setAttribute("placeholder", options.placeholder); }
    var self = this;
    input.addEventListener("change", function () {
      self.editing = true;
      try { onChange(input.value.trim()); } finally { self.editing = false; }
      self.show(self.element);
    });
    var wrap = el("div", { "class": "prop" }, [el("label", { "for": id, text: label }), input]);
    if (options.hint) { wrap.appendChild(el("p", { "class": "small muted", text: options.hint })); }
    this.form.appendChild(wrap);
    return input;
  };

  PropertiesPanel.prototype.show = function (element) {
    this.element = element;
    this.container.innerHTML = "";
    if (!element || element.type === "label") {
      this.container.appendChild(el("p", { "class": "muted", text: "Select an element to edit its properties." }));
      return;
    }
    var bo = element.businessObject, type = element.type.replace("bpmn:", ""), self = this, modeling = this.modeling;
    this.form = el("div", { "class": "props" });
    this.container.appendChild(el("h2", { text: type.replace(/([A-Z])/g, " $1").trim() }));
    this.container.appendChild(this.form);
    this.field("Id", "prop-id", bo.id, function (v) { if (v) { modeling.updateProperties(element, { id: v }); } },
               { hint: "Forms are found by id: forms/<id>.schema.json" });
    this.field("Name", "prop-name", bo.name, function (v) { modeling.updateLabel(element, v); });

    if (type === "Lane" || type === "Participant") {
      this.form.appendChild(el("p", { "class": "small", text: "Work queue: " + queueName(bo.name) }));
    }
    var human = ["UserTask", "ManualTask", "Task"].indexOf(type) >= 0;
    if (human) {
      var lane = (element.parent && element.parent.type === "bpmn:Lane") ? element.parent.businessObject.name : null;
      var laneOf = this.modeler.get("elementRegistry").filter(function (e) {
        return e.type === "bpmn:Lane" && (e.businessObject.flowNodeRef || []).indexOf(bo) >= 0;
      })[0];
      lane = lane || (laneOf && laneOf.businessObject.name);
      this.form.appendChild(el("p", { "class": "small", text: "Work queue: " + queueName(lane) + " (from its lane)" }));
      var forms = [["", "forms/" + bo.id + ".schema.json (by id)"]].concat(this.context.forms().map(function (f) {
        return [f.replace(/^forms\//, ""), f];
      }));
      this.field("Form", "prop-form", this.property("formJsonSchemaFilename"),
                 function (v) { self.setProperty("formJsonSchemaFilename", v); }, { choices: forms });
      this.field("Status text", "prop-status", this.property("statusText"), function (v) { self.setProperty("statusText", v); },
                 { placeholder: "We are reviewing your request", hint: "{field} inserts case data" });
      this.field("Due in (SLA)", "prop-due", this.property("dueIn"), function (v) { self.setProperty("dueIn", v); },
                 { placeholder: "P2D or PT4H" });
      this.field("Priority", "prop-priority", this.property("priority"), function (v) { self.setProperty("priority", v); });
      this.field("Four eyes: not by whoever did", "prop-separate", this.property("separateFrom"),
                 function (v) { self.setProperty("separateFrom", v); }, { placeholder: "task ids, comma-separated" });
    }
    if (/Event$/.test(type) && type !== "StartEvent") {
      this.field("Status text", "prop-status", this.property("statusText"), function (v) { self.setProperty("statusText", v); });
    }
    if (type === "EndEvent") {
      this.field("Outcome", "prop-outcome", this.property("outcome"), function (v) { self.setProperty("outcome", v); },
                 { placeholder: "approved, rejected, paid..." });
    }
    if (human || type === "EndEvent" || /Event$/.test(type)) {
      this.field("Stage", "prop-stage", this.property("stage"), function (v) { self.setProperty("stage", v); });
    }
    var timer = (bo.eventDefinitions || []).filter(function (d) { return d.$type === "bpmn:TimerEventDefinition"; })[0];
    if (timer) {
      var duration = timer.timeDuration ? timer.timeDuration.body : "";
      this.field("Timer (ISO 8601 duration, as a string)", "prop-timer", duration, function (v) {
        var expr = self.moddle.create("bpmn:FormalExpression", { body: v });
        modeling.updateModdleProperties(element, timer, { timeDuration: expr, timeDate: undefined, timeCycle: undefined });
      }, { placeholder: "\"P7D\"", hint: "SLA or escalation: a boundary timer on a task; reminders: a timer event" });
    }
    if (type === "ServiceTask") {
      var op = this.extension(bo, "spiffworkflow:ServiceTaskOperator", false);
      var choices = [["", "(choose an operator)"]].concat(this.context.services.map(function (s) { return [s, s]; }));
      this.field("Service operator", "prop-operator", op ? op.id : "", function (v) {
        var o = self.extension(bo, "spiffworkflow:ServiceTaskOperator", true);
        o.id = v;
        self.touch();
      }, { choices: choices });
    }
    if (type === "ScriptTask") {
      this.field("Script (Python)", "prop-script", bo.script || "", function (v) { modeling.updateProperties(element, { script: v, scriptFormat: "python" }); },
                 { multiline: true });
    }
    if (type === "SequenceFlow") {
      var cond = bo.conditionExpression ? bo.conditionExpression.body : "";
      this.field("Condition (Python)", "prop-condition", cond, function (v) {
        modeling.updateProperties(element, { conditionExpression: v ? self.moddle.create("bpmn:FormalExpression", { body: v }) : undefined });
      });
    }
    if (type === "BusinessRuleTask") {
      var ref = this.extension(bo, "spiffworkflow:CalledDecisionId", false);
      this.field("Decision id (from a .dmn file)", "prop-decision", ref ? ref.value : "", function (v) {
        self.extension(bo, "spiffworkflow:CalledDecisionId", true).value = v;
        self.touch();
      });
    }
  };

  window.CaseworksPropertiesPanel = PropertiesPanel;
  window.caseworksQueueName = queueName;
}());
