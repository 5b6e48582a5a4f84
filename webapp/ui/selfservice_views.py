"""The desk's side of the channels: the customer's self-service link (show, create, withdraw) and the e-mail
behind a "Route inbound e-mail" work item."""
from __future__ import annotations

from typing import Any

from flask import flash, redirect, request, url_for

from engine.services import mail_in, selfservice
from webapp.api.selfservice_links import base_url
from webapp.ui.base import bp
from webapp.ui.security import ctx, page, user


def current(reference: str) -> dict[str, Any] | None:
    """For templates: the case's active customer link, or None."""
    return selfservice.current_link(ctx(), reference, base_url())


def routed_mail(item_id: int) -> dict[str, Any] | None:
    """For the "Route inbound e-mail" item page: the mail to route."""
    return mail_in.mail_for_item(ctx(), item_id)


@bp.record_once
def _template_global(state: Any) -> None:
    state.app.jinja_env.globals.update(self_service_link=current, routed_mail=routed_mail)


def _back(reference: str) -> str:
    return request.form.get("back") or url_for("ui.case_page", reference=reference)


@bp.post("/desk/cases/<reference>/self-service-link", endpoint="self_service_link_create")
@page("interaction.log")
def create(reference: str) -> Any:
    link = selfservice.create_link(ctx(), reference, user().username, base_url())
    flash(f"Customer link for {reference}: {link['url']}", "success")
    return redirect(_safe(_back(reference), reference), code=303)


@bp.post("/desk/cases/<reference>/self-service-link/revoke", endpoint="self_service_link_revoke")
@page("interaction.log")
def revoke(reference: str) -> Any:
    ended = selfservice.revoke(ctx(), reference, user().username)
    flash(f"The customer link for {reference} was withdrawn." if ended else "There was no link to withdraw.", "info")
    return redirect(_safe(_back(reference), reference), code=303)


def _safe(target: str, reference: str) -> str:
    return target if target.startswith("/") and not target.startswith("//") else url_for("ui.case_page",
                                                                                         reference=reference)
