"""The designer: processes and versions, instances per version, validation results, diagrams."""
from __future__ import annotations

import re
from pathlib import Path

from engine.bpmn.loader import read_process_dir
from engine.services import worklist
from tests.processcheck import CLAIM_DIR
from tests.ui.conftest import UiClient, open_claim


def test_every_version_with_its_running_instances(ui: UiClient, ctx) -> None:
    open_claim(ctx)
    open_claim(ctx, name="Elias Berg", phone="+31 6 1111 0002", amount=500)
    ui.login("designer")
    html = ui.get("/designer").get_data(as_text=True)
    assert "Insurance claim" in html and "current" in html
    row = html.split("<tbody>", 1)[1].split("</tr>", 1)[0]
    assert re.findall(r"<td>(\d+)</td>", row) == ["2", "2"]  # running, all


def test_a_version_page_has_its_diagram_validation_and_running_cases(ui: UiClient, ctx) -> None:
    reference = open_claim(ctx)
    version_id = worklist.case_diagram(ctx, reference)["version_id"]
    ui.login("designer")
    html = ui.get(f"/designer/versions/{version_id}").get_data(as_text=True)
    assert "✓ No problems found." in html
    assert f'href="/cases/{reference}#diagram"' in html
    assert f'data-bpmn-url="/processes/versions/{version_id}/diagram.bpmn"' in html
    assert "forms/assess.schema.json" in html and "claim_triage.dmn" in html
    assert ui.get("/designer/versions/999").status_code == 404


def test_validation_reports_a_broken_version_with_file_and_line(tmp_path: Path) -> None:
    broken = tmp_path / "claim"
    for source in CLAIM_DIR.rglob("*"):
        if source.is_file() and source.name != "assess.schema.json":
            target = broken / source.relative_to(CLAIM_DIR)
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_bytes(source.read_bytes())
    problems = worklist.validation_problems(read_process_dir(broken))
    assert any(p["file"] == "claim.bpmn" and p["line"] > 0 and "user task 'assess' has no form schema" in p["message"]
               for p in problems), problems
    assert worklist.validation_problems(read_process_dir(CLAIM_DIR)) == []


def test_diagrams_need_a_session(ui: UiClient, ctx) -> None:
    assert ui.get("/processes/versions/1/diagram.bpmn").status_code == 302
