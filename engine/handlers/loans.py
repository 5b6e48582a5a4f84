"""Service handlers of loan applications: disbursement."""
from __future__ import annotations

from engine.bpmn.scripting import ServiceRegistry


def register(registry: ServiceRegistry) -> None:
    """Register this module's handlers (none yet)."""
