"""Built-in service-task handlers (operator name -> Python function), one module per process family.

Real integrations replace these by registering other functions under the same operator names.
"""
from __future__ import annotations

from pathlib import Path

from engine.bpmn.scripting import ServiceRegistry
from engine.handlers import claims, loans, onboarding


def default_services(processes_dir: Path | None = None) -> ServiceRegistry:
    """The built-in handlers; reference data they read (the onboarding watch list) comes from
    ``processes_dir`` (``CASEWORKS_PROCESSES``), the shipped processes when not given."""
    registry = ServiceRegistry()
    for module in (claims, loans):
        module.register(registry)
    onboarding.register(registry, folder=processes_dir / "onboarding" if processes_dir else None)
    return registry
