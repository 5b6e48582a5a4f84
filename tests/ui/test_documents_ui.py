"""The case page's document viewer: the page image served with the UI's session, the fields read on it drawn as
boxes over it (scaled to the page), page navigation, and the documents block that refreshes itself while
capture is still reading (Flask test client)."""
from __future__ import annotations

import io
import re

from PIL import Image

from engine.services import documents, scheduler
from tests.capture.documents import DOCUMENTS, text_pdf
from tests.ui.conftest import UiClient, open_claim


def claim_form(reference: str, pages: int = 1) -> bytes:
    lines = [line.replace("CLM-2026-000123", reference) for line in DOCUMENTS["claim_form"][0]]
    extra = [["Continuation sheet", f"Further notes on {reference}.", "Photos of the damage are attached."]]
    return text_pdf([lines] + extra * (pages - 1))


def upload(ctx, reference: str, data: bytes, name: str = "claim-form.pdf") -> dict:
    view, _new = documents.upload(ctx, documents.Upload(name, data, "email", reference), "upstream")
    return view


def run_jobs(ctx) -> None:
    while scheduler.run_due_jobs(ctx):
        pass


def _boxes(html: str) -> list[tuple[str, dict[str, float]]]:
    found = re.findall(r'<span class="field-box[^"]*" id="box-\d+-\d+" data-field="([a-z_]+)"\s+style="([^"]+)"', html)
    return [(name, {k.strip(): float(v.strip().rstrip("%")) for k, v in (p.split(":") for p in style.split(";"))})
            for name, style in found]


def test_the_viewer_draws_the_fields_over_the_page_image(ui: UiClient, ctx) -> None:
    reference = open_claim(ctx, documents=False)
    doc = upload(ctx, reference, claim_form(reference))
    run_jobs(ctx)
    ui.login("agent")
    html = ui.get(f"/cases/{reference}").get_data(as_text=True)
    assert f'id="viewer-{doc["id"]}"' in html and "Page 1 of 1" in html
    image_url = re.search(r'<img src="([^"]+)" alt="Page 1 of claim-form.pdf"', html).group(1)
    assert image_url == f"/documents/{doc['id']}/pages/1.png?width=900"
    boxes = dict(_boxes(html))
    assert "case_reference" in boxes
    # the boxes are the stored reference-pixel boxes in percent of the page: they scale with the shown image
    page = documents.page_words(ctx, doc["id"], 1)
    field = next(f for f in documents.get_document(ctx, doc["id"])["fields"] if f["name"] == "case_reference")
    x, y, w, h = field["box"]
    assert boxes["case_reference"]["left"] == round(100 * x / page["width"], 3)
    assert boxes["case_reference"]["top"] == round(100 * y / page["height"], 3)
    assert boxes["case_reference"]["width"] == round(100 * w / page["width"], 3)
    assert all(0 <= b["left"] < 100 and 0 <= b["top"] < 100 and b["width"] > 0 for _n, b in _boxes(html))
    # each field in the list is a button naming its box
    assert re.search(r'class="field-pick" data-box="box-%d-\d+"\s+aria-pressed="false"' % doc["id"], html)
    png = ui.get(image_url)
    assert png.status_code == 200 and png.mimetype == "image/png"
    image = Image.open(io.BytesIO(png.data))
    assert image.width == 900
    assert abs(image.height / image.width - page["height"] / page["width"]) < 0.01  # the page's proportions


def test_page_navigation_and_a_field_on_another_page(ui: UiClient, ctx) -> None:
    reference = open_claim(ctx, documents=False)
    doc = upload(ctx, reference, claim_form(reference, pages=2))
    run_jobs(ctx)
    ui.login("agent")
    html = ui.get(f"/cases/{reference}").get_data(as_text=True)
    assert "Page 1 of 2" in html and "Next page →" in html and "← Previous page" not in html
    assert f'hx-get="/documents/{doc["id"]}/viewer?page=2"' in html
    second = ui.get(f"/documents/{doc['id']}/viewer?page=2", headers={"HX-Request": "true"})
    fragment = second.get_data(as_text=True)
    assert second.status_code == 200 and "<html" not in fragment
    assert "Page 2 of 2" in fragment and "← Previous page" in fragment and "Next page →" not in fragment
    assert f"/documents/{doc['id']}/pages/2.png?width=900" in fragment
    assert _boxes(fragment) == []  # every field was read on page 1
    first_field = documents.get_document(ctx, doc["id"])["fields"][0]
    # a field read on page 1 links back to its page, with its box highlighted
    assert f"/documents/{doc['id']}/viewer?page=1&amp;field=0" in fragment
    back = ui.get(f"/documents/{doc['id']}/viewer?page=1&field=0").get_data(as_text=True)
    assert re.search(r'class="field-box active" id="box-%d-0" data-field="%s"' % (doc["id"], first_field["name"]), back)
    # without JavaScript: the case page itself opens the viewer at a page
    assert "Page 2 of 2" in ui.get(f"/cases/{reference}?doc={doc['id']}&page=2").get_data(as_text=True)
    assert ui.get(f"/documents/{doc['id']}/pages/3.png").status_code == 404


def test_page_images_need_a_signed_in_user(ui: UiClient, ctx) -> None:
    reference = open_claim(ctx, documents=False)
    doc = upload(ctx, reference, claim_form(reference))
    run_jobs(ctx)
    anonymous = ui.get(f"/documents/{doc['id']}/pages/1.png")
    assert anonymous.status_code == 302 and "/login" in anonymous.headers["Location"]
    ui.login("agent")
    assert ui.get(f"/documents/{doc['id']}/pages/1.png?width=50").status_code == 422


def test_documents_block_polls_while_a_document_is_being_read(ui: UiClient, ctx) -> None:
    reference = open_claim(ctx, documents=False)
    doc = upload(ctx, reference, claim_form(reference))
    ui.login("agent")
    html = ui.get(f"/cases/{reference}").get_data(as_text=True)
    assert f'hx-get="/cases/{reference}/documents" hx-trigger="every 2s"' in html
    assert 'data-pending="true"' in html and "Reading documents" in html
    fragment = ui.get(f"/cases/{reference}/documents", headers={"HX-Request": "true"}).get_data(as_text=True)
    assert "<html" not in fragment and 'data-status="queued"' in fragment and "every 2s" in fragment
    run_jobs(ctx)
    done = ui.get(f"/cases/{reference}/documents", headers={"HX-Request": "true"}).get_data(as_text=True)
    assert 'data-status="indexed"' in done and "hx-trigger" not in done  # read: polling stops
    assert f'id="viewer-{doc["id"]}"' in done
