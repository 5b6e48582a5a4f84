"""Caseworks engine: cases, work items, timeline and the BPMN runtime, behind small service verbs."""
