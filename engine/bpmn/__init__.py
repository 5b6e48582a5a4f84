"""BPMN runtime on SpiffWorkflow: loading, serializing, scripting and running; no database here."""
