"""Every rule a form value can break is reported against its field, as an English template pages translate."""
from __future__ import annotations

import pytest

from app.errors import FieldErrors
from app.forms import EMAIL_PATTERN, PHONE_PATTERN, FormField, FormSpec, validate_submission

FORM = FormSpec("every_rule", (
    FormField("name", "string", "名称", required=True, min_length=2, max_length=5),
    FormField("code", "string", "代码", pattern=r"^[A-Z]+$"),
    FormField("mail", "string", "邮箱", pattern=EMAIL_PATTERN),
    FormField("phone", "string", "电话", pattern=PHONE_PATTERN),
    FormField("count", "long", "数量", min=1.0, max=10.0),  # parsed bounds are floats
    FormField("ratio", "double", "比例"),
    FormField("urgent", "boolean", "紧急"),
    FormField("agree", "boolean", "同意", required=True),
    FormField("day", "date", "日期"),
    FormField("kind", "enum", "类型", options=("a", "b")),
    FormField("tags", "list", "标签", options=("x", "y")),
    FormField("note", "string", "备注"),
), "camunda-form")

VALID = {"name": "abc", "agree": True}


@pytest.mark.parametrize("values, key, template, params", [
    ({"name": ""}, "name", "required", {}),
    ({"name": "a"}, "name", "must be at least {count} characters", {"count": 2}),
    ({"name": "abcdef"}, "name", "must be at most {count} characters", {"count": 5}),
    ({"code": "abc"}, "code", "must match pattern {pattern}", {"pattern": "^[A-Z]+$"}),
    ({"mail": "not-mail"}, "mail", "must be a valid email address", {"pattern": EMAIL_PATTERN}),
    ({"phone": "123"}, "phone", "must be an international phone number like +4930664040900", {"pattern": PHONE_PATTERN}),
    ({"count": 0}, "count", "must be >= {min}", {"min": "1"}),
    ({"count": 11}, "count", "must be <= {max}", {"max": "10"}),
    ({"count": 2.5}, "count", "must be a whole number", {}),
    ({"ratio": "many"}, "ratio", "must be a number", {}),
    ({"urgent": "perhaps"}, "urgent", "must be true or false", {}),
    ({"agree": False}, "agree", "required (the box must be ticked)", {}),
    ({"day": "next monday"}, "day", "must be an ISO-8601 date, date-time or time", {}),
    ({"kind": "c"}, "kind", "must be one of: {options}", {"options": "a, b"}),
    ({"tags": "x"}, "tags", "must be a list of text values", {}),
    ({"note": 5}, "note", "must be text", {}),
])
def test_each_broken_rule_names_its_field_with_a_template(values, key, template, params):
    with pytest.raises(FieldErrors) as refused:
        validate_submission(FORM, {**VALID, **values})
    assert refused.value.fields == {key: (template, params)}
    assert refused.value.message == f"field '{key}': {template.format(**params)}"
    assert refused.value.status == 400


def test_all_bad_fields_are_reported_at_once_in_form_order():
    with pytest.raises(FieldErrors) as refused:
        validate_submission(FORM, {"name": "", "count": 99, "kind": "z"})
    assert list(refused.value.fields) == ["name", "count", "agree", "kind"]
    assert refused.value.message == ("field 'name': required; field 'count': must be <= 10; "
                                     "field 'agree': required; "
                                     "field 'kind': must be one of: a, b")
