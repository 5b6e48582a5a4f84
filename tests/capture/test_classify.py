"""Classification rules: a designer's file is validated with errors naming file and entry, and an
unclear document is never a confident guess."""
from __future__ import annotations

import json
from pathlib import Path

import pytest

import capture
from capture import ClassificationRules, RulesError, classify, load_rules
from capture.classify import default_rules

RULES_FILE = Path(capture.__file__).parent / "rules" / "classification.toml"


def test_shipped_rules_cover_every_document_type() -> None:
    rules = default_rules()
    assert {rule.name for rule in rules.types} == set(capture.DOCUMENT_TYPES) - {"other"}
    assert rules.source == str(RULES_FILE)
    assert 0 < rules.threshold <= 1


def test_rules_round_trip_through_plain_data() -> None:
    rules = default_rules()
    again = ClassificationRules.from_mapping(json.loads(json.dumps(rules.to_dict())), rules.source)
    assert again == rules


def test_json_rules_file(tmp_path: Path) -> None:
    path = tmp_path / "rules.json"
    path.write_text(json.dumps({"threshold": 0.5, "types": {"payslip": {"keywords": {"Net  Pay:": 3}}}}))
    rules = load_rules(path)
    assert rules.types[0].keywords == (("net pay", 3.0),)  # case, spaces and punctuation ignored
    assert classify("NET PAY 100", rules).doc_type == "payslip"


@pytest.mark.parametrize(("content", "message"), [
    ('threshold = 2\n[types.x]\nkeywords = {a = 1}', "threshold: must be between 0.0 and 1.0, got 2"),
    ('[types.payslip]\nkeywords = {"net pay" = "high"}',
     "types.payslip.keywords['net pay']: expected a number, got 'high'"),
    ('[types.payslip]\nkeywords = {"net pay" = -1}', "types.payslip.keywords['net pay']: must be greater than 0.0"),
    ('[types.payslip]\nkeyword = {"net pay" = 1}', "types.payslip: unknown key 'keyword'"),
    ('[types.Payslip]\nkeywords = {"net pay" = 1}', "types.Payslip: a type name is lower case"),
    ('[types.other]\nkeywords = {"x" = 1}', "types.other: 'other' is what matches nothing"),
    ('[types.payslip]\nkeywords = {}', "types.payslip.keywords: give at least one phrase"),
    ('[types.payslip]\nkeywords = {"net pay" = 1, "Net Pay" = 2}',
     "types.payslip.keywords['Net Pay']: the phrase appears twice"),
    ('[types.invoice]\nkeywords = {"total" = 1}\nnegative = {"total" = 1}',
     "types.invoice: 'total' is both a keyword and a negative"),
    ('types = 3', "'types' must be a non-empty table"),
    ('[types.x\n', "not valid TOML"),
])
def test_invalid_rules_name_the_file_and_the_entry(tmp_path: Path, content: str, message: str) -> None:
    path = tmp_path / "classification.toml"
    path.write_text(content)
    with pytest.raises(RulesError) as err:
        load_rules(path)
    assert str(err.value).startswith(f"{path}: ")
    assert message in str(err.value)


def test_missing_rules_file_is_named(tmp_path: Path) -> None:
    with pytest.raises(RulesError, match="missing.toml: cannot read the rules file"):
        load_rules(tmp_path / "missing.toml")


def test_nothing_matching_is_other_and_not_confident() -> None:
    result = classify("Lorem ipsum dolor sit amet.", default_rules())
    assert (result.doc_type, result.confidence, result.confident) == ("other", 0.0, False)


def test_two_types_alike_is_not_a_confident_guess() -> None:
    # Half payslip, half bank statement: whichever wins, a person must check it.
    text = "Payslip. Net pay EUR 2,000.00. Bank statement. Opening balance EUR 10.00."
    result = classify(text, default_rules())
    assert result.doc_type in {"payslip", "bank_statement"}
    assert not result.confident
    assert result.confidence < default_rules().threshold


def test_weak_evidence_is_not_confident() -> None:
    result = classify("Please find the total below.", default_rules())  # one weak word
    assert not result.confident


def test_negative_keywords_keep_look_alikes_apart() -> None:
    rules = default_rules()
    assert classify("Invoice number 7. Patient: J. Smith. Diagnosis: flu. Total EUR 80.00", rules).doc_type \
        == "medical_invoice"
    assert classify("Invoice number 7. Bill to ACME. Due date 1 May 2026. Total EUR 80.00", rules).doc_type \
        == "invoice"


def test_matched_phrases_explain_the_decision() -> None:
    result = classify("PAYSLIP — Gross pay 3,000 — Net pay 2,100", default_rules())
    assert result.doc_type == "payslip" and result.confident
    assert set(result.matched) >= {"payslip", "gross pay", "net pay"}
    assert dict(result.scores)["payslip"] == pytest.approx(11.0)
