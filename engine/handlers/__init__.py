"""Built-in service-task handlers (operator name -> Python function), one module per process family.

Real integrations replace these by registering other functions under the same operator names.
"""
from __future__ import annotations

from engine.bpmn.scripting import ServiceRegistry
from engine.handlers import claims, loans, onboarding


def default_services() -> ServiceRegistry:
    registry = ServiceRegistry()
    for module in (claims, onboarding, loans):
        module.register(registry)
    return registry
