"""Service handlers of customer onboarding (KYC): screening, account opening."""
from __future__ import annotations

from engine.bpmn.scripting import ServiceRegistry


def register(registry: ServiceRegistry) -> None:
    """Register this module's handlers (none yet)."""
