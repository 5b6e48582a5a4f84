"""Version pinning: an edited process folder is a new version; running instances stay on theirs."""
from __future__ import annotations

import shutil
from pathlib import Path

from engine.bpmn.loader import read_process_dir

PROCESSES = Path(__file__).resolve().parents[1] / "processes"


def edit(folder: Path, old: str, new: str) -> None:
    bpmn = folder / "decision.bpmn"
    text = bpmn.read_text()
    assert old in text
    bpmn.write_text(text.replace(old, new))


def test_edited_folder_is_a_new_version_and_old_instances_finish_on_the_old_one(new_case, tmp_path):
    folder = tmp_path / "decision"
    shutil.copytree(PROCESSES / "decision", folder)
    v1 = read_process_dir(folder)
    old_case = new_case(folder)
    old_case.start(claim_type="glass", amount=5000)
    assert old_case.task("assess").title == "Assess claim" and old_case.task("assess").queue == "claims_handlers"

    edit(folder, 'name="Assess claim"', 'name="Assess the claim"')
    edit(folder, 'name="Claims handlers"', 'name="Senior handlers"')
    edit(folder, 'value="accepted"', 'value="approved"')
    v2 = read_process_dir(folder)
    assert v2.version != v1.version and v2.key == v1.key == "decision"
    assert read_process_dir(folder).version == v2.version  # the hash depends on content only

    new = new_case(folder)
    assert new.parsed.definition.version == v2.version
    assert old_case.parsed.definition.version == v1.version
    new.start(claim_type="glass", amount=5000)
    assert new.task("assess").title == "Assess the claim" and new.task("assess").queue == "senior_handlers"

    assert old_case.inspect().open_tasks[0].title == "Assess claim"
    assert old_case.complete("assess", assessment="accept").outcome == "accepted"
    assert new.complete("assess", assessment="accept").outcome == "approved"


def test_the_version_does_not_depend_on_where_the_folder_is(tmp_path):
    shutil.copytree(PROCESSES / "decision", tmp_path / "elsewhere")
    assert read_process_dir(tmp_path / "elsewhere").version == read_process_dir(PROCESSES / "decision").version


def test_a_changed_form_or_decision_table_is_a_new_version(tmp_path):
    folder = tmp_path / "decision"
    shutil.copytree(PROCESSES / "decision", folder)
    v1 = read_process_dir(folder).version
    (folder / "forms" / "assess.schema.json").write_text('{"type": "object"}')
    v2 = read_process_dir(folder).version
    dmn = folder / "route.dmn"
    dmn.write_text(dmn.read_text().replace("&lt; 1000", "&lt; 2000"))
    v3 = read_process_dir(folder).version
    assert len({v1, v2, v3}) == 3
