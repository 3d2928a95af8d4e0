"""Model text (form labels, BPMN/DMN names, group names) is written once in Chinese and has English in the catalog."""
from __future__ import annotations

import io
import re
from pathlib import Path

import pytest
from babel.messages.pofile import read_po

from app.services.users import STANDARD_GROUPS
from app.web.model_text import extract, form_texts, translate_form

ROOT = Path(__file__).resolve().parents[2]
MODEL_FILES = sorted([*ROOT.glob("forms/*.form"), *ROOT.glob("processes/*.bpmn"), *ROOT.glob("processes/*.dmn")])
ENGLISH_HALF = re.compile(r"\([A-Za-z][^)]*\)")


def _catalog(language: str) -> dict[str, str]:
    with open(ROOT / "app" / "translations" / language / "LC_MESSAGES" / "messages.po", "rb") as file:
        return {message.id: message.string for message in read_po(file) if message.id}


def _texts(path: Path) -> list[str]:
    with open(path, "rb") as file:
        return [text for _line, _function, text, _comments in extract(file, (), (), {})]


@pytest.mark.parametrize("path", MODEL_FILES, ids=lambda path: path.name)
def test_shipped_model_text_is_chinese_only_and_has_english_in_the_catalog(path):
    english = _catalog("en")
    texts = _texts(path)
    assert texts, f"nothing extracted from {path.name}"
    for text in texts:
        assert not ENGLISH_HALF.search(text), f"{path.name}: {text!r} still carries its English"
        assert english.get(text), f"{path.name}: {text!r} has no English in the en catalog"


def test_the_extractor_reads_names_flows_options_and_form_fields():
    flow = _texts(ROOT / "processes" / "it_support_request.bpmn")
    assert {"分类与首次处理", "收到服务请求", "首次接触解决?", "已解决且无投诉", "服务台"} <= set(flow)
    form = _texts(ROOT / "forms" / "classify_request.form")
    assert form[:3] == ["请求类型", "故障", "服务请求"]
    assert "决定分派给哪个一线组" in form
    decision = _texts(ROOT / "processes" / "ticket_priority.dmn")
    assert "判定优先级" in decision and "优先级" in decision and "priority" not in decision  # output names are variables
    generated = io.BytesIO(b"""<bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL"
        xmlns:camunda="http://camunda.org/schema/1.0/bpmn"><bpmn:process id="p"><bpmn:userTask id="t" name="Loan">
        <bpmn:extensionElements><camunda:formData><camunda:formField id="kind" label="Kind" type="enum">
        <camunda:value id="a" name="Laptop" /></camunda:formField></camunda:formData></bpmn:extensionElements>
        </bpmn:userTask></bpmn:process><bpmn:message id="m" name="ticket_updated" /></bpmn:definitions>""")
    generated.name = "loan.bpmn"
    assert [text for _l, _f, text, _c in extract(generated, (), (), {})] == ["Loan", "Kind", "Laptop"]


def test_group_names_are_chinese_with_english_in_the_catalog():
    english = _catalog("en")
    for name in STANDARD_GROUPS.values():
        assert not ENGLISH_HALF.search(name) and english.get(name), name


def test_translating_a_form_changes_what_people_read_and_nothing_else():
    schema = {"components": [
        {"key": "kind", "type": "select", "label": "类别", "description": "说明",
         "values": [{"label": "硬件", "value": "hardware"}], "validate": {"required": True}},
        {"type": "group", "label": "分组", "components": [{"key": "note", "type": "textfield", "label": "备注"}]},
    ]}
    translated = translate_form(schema, lambda text: f"<{text}>")
    assert translated == {"components": [
        {"key": "kind", "type": "select", "label": "<类别>", "description": "<说明>",
         "values": [{"label": "<硬件>", "value": "hardware"}], "validate": {"required": True}},
        {"type": "group", "label": "<分组>", "components": [{"key": "note", "type": "textfield", "label": "<备注>"}]},
    ]}
    assert schema["components"][0]["label"] == "类别"  # the deployed form is not changed


def test_a_pattern_message_is_read_and_translated_like_a_label():
    schema = {"components": [{"key": "code", "type": "textfield", "label": "编号",
                              "validate": {"pattern": "^[A-Z]+$", "patternErrorMessage": "只能是大写字母"}}]}
    assert list(form_texts(schema["components"])) == ["编号", "只能是大写字母"]
    english = translate_form(schema, {"编号": "Code", "只能是大写字母": "Capital letters only"}.get)
    assert english["components"][0]["validate"] == {"pattern": "^[A-Z]+$", "patternErrorMessage": "Capital letters only"}
    assert schema["components"][0]["validate"]["patternErrorMessage"] == "只能是大写字母"  # the deployed form is kept
