"""A designer draws a two-step process with a form in the browser modeler (bpmn-js, our properties panel, the
form editor), deploys it without a restart, and a back-office user works a case on it; a broken upload is
refused with its problems listed. Headless Debian Chromium against the real server on 127.0.0.1."""
from __future__ import annotations

import json
from typing import Any

import pytest

from engine.bpmn.package import build_package
from engine.context import Context
from engine.services import auth, cases
from engine.services.parties import Customer
from tests.browser.conftest import browser, chromium_path  # noqa: F401 - fixtures
from tests.designer.models import two_step_files
from tests.ui.conftest import PASSWORD
from tests.ui.test_journeys import Tab, backend, server, tab  # noqa: F401 - fixtures

pytestmark = pytest.mark.browser

FORM = {"type": "object", "title": "Leave request review", "required": ["approved"],
        "properties": {"approved": {"type": "boolean", "title": "Approve the leave"},
                       "note": {"type": "string", "title": "Note to the employee"}}}

DRAW = """() => {
  const m = window.caseworksModeler, reg = m.get('elementRegistry'), modeling = m.get('modeling');
  const factory = m.get('elementFactory');
  const lane = reg.filter(e => e.type === 'bpmn:Lane')[0];
  const start = reg.get('start'), end = reg.get('end');
  modeling.removeElements([reg.get('Flow_start_end')]);
  const review = modeling.createShape(factory.createShape({type: 'bpmn:UserTask'}), {x: 420, y: 185}, lane);
  const approve = modeling.createShape(factory.createShape({type: 'bpmn:UserTask'}), {x: 640, y: 185}, lane);
  modeling.updateProperties(review, {id: 'review'});
  modeling.updateProperties(approve, {id: 'approve'});
  modeling.connect(start, review); modeling.connect(review, approve); modeling.connect(approve, end);
  return reg.filter(e => e.type === 'bpmn:UserTask').map(e => e.id).sort();
}"""


def select(page: Any, element_id: str) -> None:
    page.evaluate("id => { const m = window.caseworksModeler; m.get('selection').select(m.get('elementRegistry').get(id)); }",
                  element_id)


def set_field(page: Any, label: str, value: str) -> None:
    field = page.locator("#properties").get_by_label(label, exact=True)
    field.fill(value)
    field.press("Tab")  # change fires on leaving the field


def test_a_designer_draws_deploys_and_a_back_office_user_works_a_case(tab: Tab, ctx: Context) -> None:  # noqa: F811
    auth.ensure_user(ctx, "bob", ["backoffice"], password=PASSWORD)
    page = tab.page
    tab.sign_in("designer")
    tab.go("/designer")
    page.get_by_role("link", name="draw one in the modeler").click()
    page.get_by_label("Case type (a new name starts a new process)").fill("leave_request")
    page.get_by_role("button", name="Open in the modeler").click()
    page.wait_for_function("() => document.getElementById('modeler-app').dataset.ready === 'true'", timeout=20_000)
    assert page.locator("#draft-source").inner_text() == "(new process)"

    assert page.evaluate(DRAW) == ["approve", "review"]
    select(page, "review")
    set_field(page, "Name", "Review leave request")
    set_field(page, "Status text", "Your manager is reviewing your request")
    set_field(page, "Due in (SLA)", "P2D")
    assert "Work queue: back_office (from its lane)" in page.locator("#properties").inner_text()
    select(page, "approve")
    set_field(page, "Name", "Confirm leave")
    select(page, "end")
    set_field(page, "Outcome", "decided")

    page.once("dialog", lambda dialog: dialog.accept("review"))
    page.get_by_role("button", name="New form…").click()
    editor = page.get_by_label("Form schema (JSON)")
    editor.fill(json.dumps(FORM, indent=2))
    preview = page.locator("#form-preview")
    assert preview.get_by_label("Approve the leave *").is_visible()  # the live preview, required marked
    assert preview.get_by_label("Note to the employee").is_visible()
    page.get_by_role("tab", name="leave_request.bpmn").click()
    select(page, "approve")
    page.locator("#properties").get_by_label("Form").select_option("review.schema.json")
    tab.shot("m1-modeler")

    page.get_by_role("button", name="Save draft").click()
    page.get_by_text("Draft saved.").wait_for()
    page.get_by_role("button", name="Validate").click()
    page.locator("#validation-result").wait_for()
    assert page.locator("#validation-result h3").inner_text() == "No problems found."
    page.get_by_role("button", name="Compare with deployed").click()
    page.locator("#diff-result").wait_for()
    assert "Not deployed yet" in page.locator("#diff-result").inner_text()
    page.get_by_role("button", name="Deploy", exact=True).click()
    page.locator("#deploy-result").wait_for()
    assert "new cases start on it now" in page.locator("#deploy-result").inner_text()
    assert "leave_request" in ctx.processes.case_types()

    view, _ = cases.open_case(ctx, cases.OpenCase("leave_request", Customer("Eva Employee"), "web", {}), "hr-portal")
    reference = view["reference"]
    tab.sign_out()
    tab.sign_in("bob")
    tab.go(f"/cases/{reference}")
    assert page.get_by_text("Your manager is reviewing your request").first.is_visible()
    page.get_by_role("button", name="Claim and work on it").click()
    form = page.get_by_role("form", name="Review leave request form")
    form.get_by_label("Approve the leave").check()
    form.get_by_role("button", name="Complete “Review leave request”").click()
    page.get_by_role("button", name="Claim and work on it").click()
    form = page.get_by_role("form", name="Confirm leave form")
    form.get_by_label("Approve the leave").check()
    form.get_by_role("button", name="Complete “Confirm leave”").click()
    page.wait_for_load_state("load")
    tab.shot("m2-case-closed")
    case = cases.get_case(ctx, reference)
    assert (case["status"], case["outcome"]) == ("closed", "decided")


def test_a_broken_upload_is_refused_with_its_problems_listed(tab: Tab, tmp_path: Any) -> None:  # noqa: F811
    page = tab.page
    tab.sign_in("designer")
    tab.go("/designer")
    files = two_step_files(script="print(locals())")
    del files["forms/review.schema.json"]
    page.get_by_label("Zipped process folder").set_input_files(
        {"name": "twostep.zip", "mimeType": "application/zip", "buffer": build_package(files)})
    page.get_by_role("button", name="Validate and deploy").click()
    page.wait_for_load_state("load")
    refused = page.locator("#deploy-refused")
    assert "nothing was deployed" in refused.inner_text()
    items = refused.locator("li").all_inner_texts()
    assert any("twostep/twostep.bpmn:" in i and "calls 'print', 'locals'" in i for i in items)
    assert any("has no form schema" in i for i in items)
    tab.shot("m3-refused")


def test_a_decision_table_is_edited_in_dmn_js_and_compared_with_the_deployed_rules(tab: Tab, ctx: Context) -> None:  # noqa: F811
    page = tab.page
    tab.sign_in("designer")
    tab.go("/designer/modeler/claim")  # the deployed claim process, with its decision tables
    page.wait_for_function("() => document.getElementById('modeler-app').dataset.ready === 'true'", timeout=20_000)
    assert page.locator("#draft-source").inner_text() == "(the deployed version)"
    page.get_by_role("tab", name="claim_triage.dmn").click()
    page.locator("#dmn-canvas .tjs-table").wait_for(timeout=20_000)  # dmn-js' decision table editor
    assert page.locator("#dmn-canvas .tjs-table tbody tr").count() >= 2  # the rules of the deployed table
    page.get_by_role("tab", name="forms/assess.schema.json").click()
    assert page.locator("#form-preview label").count() > 0
    page.get_by_role("button", name="Compare with deployed").click()
    page.locator("#diff-result").wait_for()
    text = page.locator("#diff-result").inner_text()
    assert "Changes against the deployed version" in text
    assert "elements added" not in text and "forms changed" not in text  # nothing edited, nothing reported
    # dmn-js' bundled Inferno logs a development-build notice to the console; it is the library's, not ours.
    tab.problems[:] = [p for p in tab.problems if "development build of Inferno" not in p]
