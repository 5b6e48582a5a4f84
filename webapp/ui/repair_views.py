"""Repair actions on the case page (designers and admins): retry (optionally on another version), correct
data, move to a step, cancel. Each posts a form, becomes a timeline event, and returns to the case."""
from __future__ import annotations

import json
from typing import Any, Callable

from flask import flash, redirect, request, url_for

from engine.errors import CaseworksError
from engine.services import repair
from webapp.ui.base import bp
from webapp.ui.security import ctx, current_user, page, user


@bp.record_once
def _globals(state: Any) -> None:
    state.app.jinja_env.globals.update(repair_options=_options)


def _options(reference: str) -> dict[str, Any] | None:
    who = current_user()
    if who is None or not who.can("case.repair"):
        return None
    try:
        return repair.repair_options(ctx(), reference)
    except CaseworksError:
        return None


def _act(reference: str, action: Callable[[], Any], done: str) -> Any:
    back = url_for("ui.case_page", reference=reference)
    try:
        action()
    except CaseworksError as err:
        details = err.details if isinstance(err.details, dict) else {}
        extra = "; ".join(f"{k}: {v}" for k, v in details.items() if isinstance(v, str))
        flash(f"Nothing was changed: {err.message}{' (' + extra + ')' if extra else ''}.", "error")
        return redirect(back, code=303)
    flash(done, "success")
    return redirect(back, code=303)


@bp.post("/cases/<reference>/repair/retry", endpoint="repair_retry")
@page("case.repair")
def retry(reference: str) -> Any:
    raw = request.form.get("version", "")
    version = int(raw) if raw.isdigit() else None
    return _act(reference, lambda: repair.retry(ctx(), reference, user().username, version),
                "The failed step ran again." if version is None else "The case moved to the chosen version and ran on.")


@bp.post("/cases/<reference>/repair/data", endpoint="repair_data")
@page("case.repair")
def correct_data(reference: str) -> Any:
    field, raw = request.form.get("field", "").strip(), request.form.get("value", "")
    try:
        value = json.loads(raw)
    except ValueError:
        value = raw  # plain text is a string
    changes = {field: value} if field else {}
    return _act(reference, lambda: repair.correct_data(ctx(), reference, changes, request.form.get("reason"),
                                                       user().username), f"'{field}' corrected.")


@bp.post("/cases/<reference>/repair/move", endpoint="repair_move")
@page("case.repair")
def move(reference: str) -> Any:
    to = request.form.get("to", "")
    return _act(reference, lambda: repair.move(ctx(), reference, to, request.form.get("reason"), user().username),
                f"The case was moved to '{to}'.")


@bp.post("/cases/<reference>/repair/cancel", endpoint="repair_cancel")
@page("case.repair")
def cancel(reference: str) -> Any:
    return _act(reference, lambda: repair.cancel(ctx(), reference, request.form.get("reason"), user().username),
                "The case was cancelled.")
