"""Registering a customer at the desk (a walk-in with no case yet), by the same identity rules as every
other door (``engine.services.parties``): a known customer is found, not created twice."""
from __future__ import annotations

from typing import Any

from engine.context import Context
from engine.errors import ValidationFailed
from engine.services import duplicates
from engine.services.auth import Principal
from engine.services.instances import add_event
from engine.services.parties import Customer, normalize, resolve_party


def register_customer(ctx: Context, who: Principal, customer: Customer) -> dict[str, Any]:
    """{"id", "name", "created"}: the customer these details identify, or a new one (with a "Possible
    duplicate customer" item when they conflict with someone we know)."""
    who.require("case.create")
    errors = {}
    if not customer.name.strip():
        errors["name"] = "is required"
    elif len(customer.name) > 200:
        errors["name"] = "is too long: at most 200 characters"
    if customer.email and not normalize("email", customer.email):
        errors["email"] = "must be an e-mail address like name@example.com"
    if errors:
        raise ValidationFailed("the customer's details are not complete", details=errors)
    with ctx.write() as session:
        now = ctx.clock.now()
        resolution = resolve_party(session, customer, now, ctx.settings.default_phone_region)
        if resolution.created:
            add_event(session, None, "customer_registered", who.username, {"party_id": resolution.party.id}, now)
        if resolution.suspects:
            duplicates.open_item(session, None, resolution, now)
        return {"id": resolution.party.id, "name": resolution.party.name, "created": resolution.created}
