"""Internal notes on the case page: an event of kind ``note`` with its author, on the timeline, CSRF-protected."""
from __future__ import annotations

from engine.services import cases
from tests.ui.conftest import UiClient, open_claim


def test_a_note_goes_on_the_timeline_with_its_author(ui: UiClient, ctx) -> None:
    reference = open_claim(ctx)
    ui.login("agent")
    html = ui.get(f"/cases/{reference}").get_data(as_text=True)
    form = html.split('class="stack note-form"', 1)[1].split("</form>", 1)[0]
    assert 'name="csrf_token"' in form and '<label for="note-text">Note for colleagues</label>' in form
    added = ui.post(f"/cases/{reference}/notes", {"text": "  Garage quote looks high; ask for a second one.  "})
    assert added.status_code == 303 and added.headers["Location"] == f"/cases/{reference}#notes-title"
    [note] = [e for e in cases.timeline(ctx, reference) if e["kind"] == "note"]
    assert note["actor"] == "agent"
    assert note["payload"] == {"text": "Garage quote looks high; ask for a second one.", "author": "agent"}
    page = ui.get(f"/cases/{reference}").get_data(as_text=True)
    timeline = page.split('<ol class="timeline">', 1)[1].split("</ol>", 1)[0]
    first = timeline.split("</li>", 1)[0]
    assert "Internal note" in first and "agent" in first and "Garage quote looks high" in first
    assert "Note added to the timeline." in page


def test_a_note_needs_text_a_token_and_a_role(ui: UiClient, browser_ui, ctx) -> None:
    reference = open_claim(ctx)
    ui.login("agent")
    empty = ui.post(f"/cases/{reference}/notes", {"text": "   "})
    assert "The note was not added" in ui.get(empty.headers["Location"]).get_data(as_text=True)
    forged = ui.post(f"/cases/{reference}/notes", {"text": "no token"}, csrf=False)
    assert forged.status_code == 400
    designer = browser_ui()
    designer.login("designer")
    assert "note-form" not in designer.get(f"/cases/{reference}").get_data(as_text=True)
    assert designer.post(f"/cases/{reference}/notes", {"text": "hello"}).status_code == 403
    assert [e for e in cases.timeline(ctx, reference) if e["kind"] == "note"] == []
    assert ui.post("/cases/CLM-2026-999999/notes", {"text": "x"}).status_code == 404
