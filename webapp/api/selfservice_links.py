"""The customer's self-service link of a case: create (or get the active one) and revoke."""
from __future__ import annotations

from flask import Blueprint, Response, jsonify, request

from engine.errors import NotFound
from engine.services import selfservice
from engine.settings import Settings
from webapp.api import schemas as s
from webapp.api.common import ctx, principal, requires
from webapp.apispec import checked

bp = Blueprint("self_service_links", __name__)


def base_url() -> str:
    """Links point at CASEWORKS_PUBLIC_URL when it is set, else at the address this request came to."""
    configured = ctx().settings.public_url
    return request.host_url if configured == Settings.public_url else configured


@bp.post("/api/v1/cases/<reference>/self-service-link")
@requires("interaction.log")
@checked({201: s.SelfServiceLink}, 404)
def create(reference: str) -> tuple[Response, int]:
    """The customer's self-service link (the active one, or a new one)"""
    return jsonify(selfservice.create_link(ctx(), reference, principal().username, base_url())), 201


@bp.delete("/api/v1/cases/<reference>/self-service-link")
@requires("interaction.log")
@checked({204: None}, 404)
def revoke(reference: str) -> tuple[str, int]:
    """Withdraw the customer's link"""
    if not selfservice.revoke(ctx(), reference, principal().username):
        raise NotFound(f"case '{reference}' has no active self-service link")
    return "", 204
