"""Service verbs over a unit of work: cases, work items, timeline, timers, users and tokens."""
