"""Task forms: parsing both kinds of definition, and server-side validation of every rule."""
import json
from datetime import date

import pytest

from app.errors import InvalidInput, ModelError
from app.forms.feel import Compare, Literal, Path
from app.api.variables import form_to_rest
from app.forms import (EMAIL_PATTERN, PHONE_PATTERN, FormField, FormSpec, form_from_form_fields,
                       parse_camunda_form, validate_submission)

RESOURCE = "forms/resolve.form"


def camunda_form(*components, form_id="resolve-ticket"):
    return parse_camunda_form(json.dumps({"id": form_id, "type": "default", "schemaVersion": 16,
                                          "components": list(components)}), RESOURCE)


def model_error(*components) -> ModelError:
    with pytest.raises(ModelError) as caught:
        camunda_form(*components)
    return caught.value


def invalid(form, values, **kwargs) -> str:
    with pytest.raises(InvalidInput) as caught:
        validate_submission(form, values, **kwargs)
    return caught.value.message


TICKET_FORM = camunda_form(
    {"type": "text", "text": "# Resolve the ticket"},
    {"type": "textfield", "key": "diagnosis", "label": "Diagnosis",
     "validate": {"required": True, "minLength": 5, "maxLength": 20}},
    {"type": "number", "key": "rating_speed", "decimalDigits": 0, "validate": {"min": 1, "max": 5}},
    {"type": "number", "key": "hours", "validate": {"min": 0}},
    {"type": "group", "label": "Details", "components": [
        {"type": "select", "key": "category", "values": [{"label": "Hardware", "value": "hw"},
                                                         {"label": "Software", "value": "sw"}]},
        {"type": "checkbox", "key": "notify"},
    ]},
    {"type": "checklist", "key": "affected", "values": [{"label": "Mail", "value": "mail"},
                                                        {"label": "VPN", "value": "vpn"}]},
    {"type": "datetime", "key": "resolved_at", "subtype": "datetime"},
    {"type": "textfield", "key": "ticket_no", "readonly": True, "validate": {"required": True}},
    {"type": "spacer"}, {"type": "separator"}, {"type": "button", "action": "submit"},
)


# --- parse_camunda_form -----------------------------------------------------------------------------

def test_components_become_fields_and_plain_groups_are_flattened():
    assert TICKET_FORM.id == "resolve-ticket" and TICKET_FORM.source == "camunda-form"
    assert [(f.key, f.type) for f in TICKET_FORM.fields] == [
        ("diagnosis", "string"), ("rating_speed", "long"), ("hours", "double"), ("category", "enum"),
        ("notify", "boolean"), ("affected", "list"), ("resolved_at", "date"), ("ticket_no", "string")]


def test_component_rules_are_read():
    diagnosis, rating = TICKET_FORM.fields[0], TICKET_FORM.fields[1]
    assert diagnosis == FormField("diagnosis", "string", "Diagnosis", required=True, min_length=5, max_length=20)
    assert (rating.label, rating.min, rating.max, rating.required) == ("rating_speed", 1.0, 5.0, False)
    assert TICKET_FORM.fields[3].options == ("hw", "sw")
    assert TICKET_FORM.fields[5].options == ("mail", "vpn")
    assert TICKET_FORM.fields[7].readonly


def test_bytes_are_accepted_and_other_field_types_map():
    form = parse_camunda_form(json.dumps({"id": "f", "components": [
        {"type": "textarea", "key": "notes", "defaultValue": "none"},
        {"type": "radio", "key": "level", "values": [{"label": "1", "value": "1"}]},
        {"type": "taglist", "key": "tags", "values": [{"label": "A", "value": "a"}]},
        {"type": "textfield", "key": "locked", "disabled": True},
        {"type": "html", "content": "<b>x</b>"}, {"type": "image", "source": "x.png"},
        {"type": "expression", "key": "computed", "expression": "=1+1"},
    ]}).encode(), RESOURCE)
    assert [(f.key, f.type, f.readonly) for f in form.fields] == [
        ("notes", "string", False), ("level", "enum", False), ("tags", "list", False), ("locked", "string", True)]
    assert form.fields[0].default == "none"


def test_email_and_phone_validation_types_become_patterns():
    form = camunda_form({"type": "textfield", "key": "mail", "validate": {"validationType": "email"}},
                        {"type": "textfield", "key": "phone", "validate": {"validationType": "phone"}},
                        {"type": "textfield", "key": "code", "validate": {"pattern": "^[A-Z]{3}$"}})
    assert [f.pattern for f in form.fields] == [EMAIL_PATTERN, PHONE_PATTERN, "^[A-Z]{3}$"]


def test_what_only_the_browser_can_evaluate_is_left_to_it():
    form = camunda_form(
        {"type": "number", "key": "amount", "validate": {"min": "=limit", "max": 10}},
        {"type": "textfield", "key": "owner", "readonly": "=locked"},
        {"type": "select", "key": "queue", "valuesKey": "queues"})
    amount, owner, queue = form.fields
    assert (amount.min, amount.max) == (None, 10.0)
    assert not owner.readonly and queue.options == ()


def test_hide_conditions_are_parsed_and_keep_the_rules():
    form = camunda_form(
        {"type": "textfield", "key": "reason", "conditional": {"hide": "=approved"}, "validate": {"required": True}},
        {"type": "group", "conditional": {"hide": "=a = 1"}, "components": [
            {"type": "number", "key": "n", "conditional": {"hide": "=b = 2"}}]},
        {"type": "textfield", "key": "plain", "conditional": {}},
        {"type": "text", "text": "ignored", "conditional": {"hide": "=count(x) > 1"}})
    reason, n, plain = form.fields
    assert reason.required and reason.hide == (Path(("approved",)),)
    assert n.hide == (Compare("=", Path(("a",)), Literal(1)), Compare("=", Path(("b",)), Literal(2)))
    assert plain.hide == ()


def test_bad_json_is_a_model_error_naming_the_resource():
    with pytest.raises(ModelError) as caught:
        parse_camunda_form("{not json", RESOURCE)
    assert caught.value.resource == RESOURCE and RESOURCE in caught.value.message
    assert "not valid JSON" in caught.value.message


@pytest.mark.parametrize("doc, message", [([], "is a JSON object"), ({"id": "", "components": []}, "non-empty string"),
                                          ({"id": 5}, "non-empty string")])
def test_a_form_is_an_object_and_its_id_if_any_a_name(doc, message):
    with pytest.raises(ModelError, match=message):
        parse_camunda_form(json.dumps(doc), RESOURCE)


def test_a_form_without_id_parses_as_camunda_7_quickstart_forms_are_written():
    form = parse_camunda_form(json.dumps({"components": [{"type": "textfield", "key": "name"}]}), RESOURCE)
    assert form.id is None and [f.key for f in form.fields] == ["name"]


@pytest.mark.parametrize("components", [None, {"a": 1}, "x"])
def test_components_must_be_a_list(components):
    with pytest.raises(ModelError, match="'components' must be a list"):
        parse_camunda_form(json.dumps({"id": "f", "components": components}), RESOURCE)


@pytest.mark.parametrize("component,element,fragment", [
    ({"type": "textfield", "key": "code", "validate": {"pattern": "([A-Z"}}, "code", "not a valid regular expression"),
    ({"type": "number", "key": "score", "validate": {"min": 5, "max": 1}}, "score", "min 5 is greater than max 1"),
    ({"type": "textfield", "key": "t", "validate": {"minLength": 9, "maxLength": 2}}, "t", "minLength 9 is greater"),
    ({"type": "textfield", "key": "t", "validate": {"minLength": -1}}, "t", "whole number >= 0"),
    ({"type": "textfield", "key": "t", "validate": {"maxLength": 2.5}}, "t", "whole number >= 0"),
    ({"type": "number", "key": "n", "validate": {"max": "lots"}}, "n", "max must be a number"),
    ({"type": "textfield", "key": "t", "validate": {"min": 1}}, "t", "min/max apply to numbers"),
    ({"type": "number", "key": "n", "validate": {"maxLength": 3}}, "n", "apply to text"),
    ({"type": "textfield", "key": "t", "validate": "required"}, "t", "'validate' must be an object"),
    ({"type": "filepicker", "key": "upload"}, "upload", "component type 'filepicker' is not supported"),
    ({"type": "textfield", "id": "Field_1"}, "Field_1", "needs a key"),
    ({"type": "textfield", "key": "address.street"}, "address.street", "needs a key"),
    ({"type": "textfield", "key": "_secret"}, "_secret", "needs a key"),
    ({"type": "select", "key": "s", "values": [{"label": "One", "value": 1}]}, "s", "'values' must be"),
    ({"type": "group", "path": "address", "components": []}, "address", "nested data"),
    ({"type": "dynamiclist", "path": "items", "components": []}, "items", "nested data"),
    ({"type": "textfield", "key": "why", "conditional": {"hide": "=a + 1 > 2"}}, "why",
     "conditional.hide 'a + 1 > 2': '+' is not supported at position 2"),
    ({"type": "number", "key": "n", "conditional": {"hide": "=count(items) > 0"}}, "n", "function 'count'"),
    ({"type": "textfield", "key": "t", "conditional": {"hide": "approved"}}, "t", "starting with '='"),
    ({"type": "textfield", "key": "t", "conditional": {"hide": True}}, "t", "starting with '='"),
    ({"type": "textfield", "key": "t", "conditional": "=x"}, "t", "'conditional' must be an object"),
    ({"type": "group", "id": "Group_1", "conditional": {"hide": "=x in [1]"}, "components": []}, "Group_1",
     "'[' is not supported"),
])
def test_bad_components_are_model_errors_naming_resource_and_component(component, element, fragment):
    error = model_error(component)
    assert error.resource == RESOURCE and error.element_id == element
    assert fragment in error.message and RESOURCE in error.message and f"'{element}'" in error.message


def test_a_key_used_twice_is_a_model_error():
    error = model_error({"type": "textfield", "key": "name"},
                        {"type": "group", "components": [{"type": "textarea", "key": "name"}]})
    assert error.element_id == "name" and "more than one component" in error.message


def test_components_must_be_objects():
    assert "must be an object" in model_error("textfield").message


# --- form_from_form_fields ---------------------------------------------------------------------------

CAMUNDA7_FIELDS = [
    {"id": "approved", "type": "boolean", "label": "Approved?", "default": "false", "values": [],
     "constraints": [("required", None)]},
    {"id": "priority", "type": "enum", "label": None, "default": "p2",
     "values": [("p1", "Urgent"), ("p2", "Normal")], "constraints": []},
    {"id": "effort", "type": "long", "label": "Effort", "default": "2",
     "constraints": [("min", "1"), ("max", "8")]},
    {"id": "comment", "type": "string", "label": "Comment", "default": None,
     "constraints": [("minlength", "3"), ("maxlength", "10")]},
    {"id": "requester", "type": "string", "label": "Requester", "constraints": [("readonly", None)]},
    {"id": "due", "type": "date", "label": "Due"},
]


def test_form_fields_become_a_spec():
    form = form_from_form_fields("Task_Approve", CAMUNDA7_FIELDS)
    assert form.id == "Task_Approve" and form.source == "form-field"
    approved, priority, effort, comment, requester, due = form.fields
    assert approved == FormField("approved", "boolean", "Approved?", required=True, default=False)
    assert (priority.label, priority.options, priority.default) == ("priority", ("p1", "p2"), "p2")
    assert (effort.min, effort.max, effort.default) == (1.0, 8.0, 2)
    assert (comment.min_length, comment.max_length) == (3, 10)
    assert requester.readonly and due.type == "date"


@pytest.mark.parametrize("field,fragment", [
    ({"id": "x", "type": "money"}, "type 'money' is not supported"),
    ({"id": "x", "type": "string", "constraints": [("validator", "${v}")]}, "constraint 'validator' is not supported"),
    ({"id": "x", "type": "long", "constraints": [("min", "9"), ("max", "1")]}, "min 9 is greater than max 1"),
    ({"id": "x", "type": "long", "constraints": [("min", "abc")]}, "min must be a number"),
    ({"id": "x", "type": "long", "constraints": [("minlength", "2")]}, "apply to text"),
    ({"id": "x", "type": "string", "constraints": [("max", "2")]}, "apply to numbers"),
    ({"id": "x", "type": "long", "default": "many"}, "must be a number"),
    ({"id": "x", "type": "boolean", "default": "yes"}, "must be true or false"),
    ({"id": "x", "type": "string", "default": "${initiator}"}, "expression defaults are not supported"),
    ({"id": "1x", "type": "string"}, "id must be a Python identifier"),
    ("not a mapping", "must be a mapping"),
])
def test_bad_form_fields_are_model_errors_naming_the_field(field, fragment):
    with pytest.raises(ModelError) as caught:
        form_from_form_fields("Task_Approve", [field])
    assert caught.value.element_id == "Task_Approve" and fragment in caught.value.message


def test_a_form_field_declared_twice_is_a_model_error():
    with pytest.raises(ModelError, match="form field 'x' is declared twice"):
        form_from_form_fields("T", [{"id": "x", "type": "string"}, {"id": "x", "type": "long"}])


# --- validate_submission ------------------------------------------------------------------------------

def valid_ticket(**changes):
    values = {"diagnosis": "Toner empty", "ticket_no": "T-1"}
    values.update(changes)
    return values


def test_a_valid_submission_is_returned_coerced_with_checkbox_default():
    result = validate_submission(TICKET_FORM, valid_ticket(rating_speed="3", hours="1.5", category="hw",
                                                           affected=["vpn"], resolved_at="2026-11-24T10:00"))
    assert result == {"diagnosis": "Toner empty", "rating_speed": 3, "hours": 1.5, "category": "hw",
                      "affected": ["vpn"], "resolved_at": "2026-11-24T10:00", "notify": False}


@pytest.mark.parametrize("values", [{}, {"diagnosis": None}, {"diagnosis": ""}, {"diagnosis": "   "}])
def test_required_means_present_not_null_not_blank(values):
    assert invalid(TICKET_FORM, values) == "field 'diagnosis': required"


def test_every_offending_field_is_named_in_one_error():
    message = invalid(TICKET_FORM, {"rating_speed": 7, "category": "network", "hours": -1})
    assert message == ("field 'diagnosis': required; field 'rating_speed': must be <= 5; "
                       "field 'hours': must be >= 0; field 'category': must be one of: hw, sw")


@pytest.mark.parametrize("value,message", [
    (0, "must be >= 1"), (6, "must be <= 5"), ("2.5", "must be a whole number"), (True, "must be a number"),
    ("three", "must be a number"), ([3], "must be a number"), ("1_0", "must be a number"),
])
def test_number_rules(value, message):
    assert invalid(TICKET_FORM, valid_ticket(rating_speed=value)) == f"field 'rating_speed': {message}"


def test_number_coercion():
    assert validate_submission(TICKET_FORM, valid_ticket(rating_speed=5.0, hours=2))["rating_speed"] == 5
    assert validate_submission(TICKET_FORM, valid_ticket(hours=" 0.25 "))["hours"] == 0.25
    assert validate_submission(TICKET_FORM, valid_ticket(rating_speed=""))["rating_speed"] is None


def test_lengths_count_trimmed_text_in_camunda_forms():
    assert invalid(TICKET_FORM, valid_ticket(diagnosis="  abc   ")) == \
        "field 'diagnosis': must be at least 5 characters"
    assert invalid(TICKET_FORM, valid_ticket(diagnosis="x" * 21)) == \
        "field 'diagnosis': must be at most 20 characters"
    assert validate_submission(TICKET_FORM, valid_ticket(diagnosis=" " + "x" * 20 + " "))["diagnosis"] \
        == " " + "x" * 20 + " "


def test_text_fields_take_text_only():
    assert invalid(TICKET_FORM, valid_ticket(diagnosis=12345)) == "field 'diagnosis': must be text"


def test_pattern_is_searched_like_javascript_test():
    form = camunda_form({"type": "textfield", "key": "code", "validate": {"pattern": "[0-9]{3}"}},
                        {"type": "textfield", "key": "exact", "validate": {"pattern": "^[A-Z]+$"}})
    assert validate_submission(form, {"code": "INC-123-X", "exact": "ABC"}) == {"code": "INC-123-X", "exact": "ABC"}
    assert invalid(form, {"code": "INC-12", "exact": "AbC"}) == (
        "field 'code': must match pattern [0-9]{3}; field 'exact': must match pattern ^[A-Z]+$")


def test_email_and_phone_rules():
    form = camunda_form({"type": "textfield", "key": "mail", "validate": {"validationType": "email"}},
                        {"type": "textfield", "key": "phone", "validate": {"validationType": "phone"}})
    assert validate_submission(form, {"mail": "ann.lee@help-desk.example.com", "phone": "+4930664040900"})
    assert validate_submission(form, {"mail": "", "phone": "004930664040900"})
    assert invalid(form, {"mail": "ann@", "phone": "030 664040"}) == (
        "field 'mail': must be a valid email address; "
        "field 'phone': must be an international phone number like +4930664040900")


def test_select_and_checklist_values_must_be_options():
    assert invalid(TICKET_FORM, valid_ticket(affected=["mail", "printer"])) == \
        "field 'affected': must be one of: mail, vpn"
    assert invalid(TICKET_FORM, valid_ticket(affected="mail")) == "field 'affected': must be a list of text values"
    assert invalid(TICKET_FORM, valid_ticket(category=["hw"])) == "field 'category': must be text"


def test_options_from_runtime_data_accept_any_text_and_numbers_mean_their_option():
    form = camunda_form({"type": "select", "key": "queue", "valuesKey": "queues"},
                        {"type": "radio", "key": "stars", "values": [{"label": str(i), "value": str(i)}
                                                                     for i in range(1, 4)]})
    assert validate_submission(form, {"queue": "anything", "stars": 3}) == {"queue": "anything", "stars": "3"}


def test_required_multiselect_must_not_be_empty():
    form = camunda_form({"type": "checklist", "key": "areas", "validate": {"required": True},
                         "values": [{"label": "A", "value": "a"}]})
    assert invalid(form, {"areas": []}) == "field 'areas': required"
    assert validate_submission(form, {"areas": ["a"]}) == {"areas": ["a"]}


@pytest.mark.parametrize("value,expected", [(True, True), (False, False), ("true", True), ("False", False)])
def test_boolean_coercion(value, expected):
    assert validate_submission(TICKET_FORM, valid_ticket(notify=value))["notify"] is expected


@pytest.mark.parametrize("value", [1, 0, "yes", "on", [True]])
def test_boolean_rejections(value):
    assert invalid(TICKET_FORM, valid_ticket(notify=value)) == "field 'notify': must be true or false"


def test_required_checkbox_must_be_ticked_in_form_js_but_not_in_camunda7_forms():
    form_js = camunda_form({"type": "checkbox", "key": "accepted", "validate": {"required": True}})
    assert invalid(form_js, {"accepted": False}) == "field 'accepted': required (the box must be ticked)"
    assert invalid(form_js, {}) == "field 'accepted': required"
    assert validate_submission(form_js, {"accepted": "true"}) == {"accepted": True}
    camunda7 = form_from_form_fields("T", [{"id": "accepted", "type": "boolean", "constraints": [("required", None)]}])
    assert validate_submission(camunda7, {"accepted": False}) == {"accepted": False}
    assert invalid(camunda7, {}) == "field 'accepted': required"


@pytest.mark.parametrize("value,stored", [
    ("2026-11-24", "2026-11-24"), ("2026-11-24T10:00:00.000+0000", "2026-11-24T10:00:00.000+0000"),
    (" 14:30 ", "14:30"), (date(2026, 11, 24), "2026-11-24"),
])
def test_dates_are_iso_text(value, stored):
    assert validate_submission(TICKET_FORM, valid_ticket(resolved_at=value))["resolved_at"] == stored


@pytest.mark.parametrize("value", ["24/11/2026", "tomorrow", 1700000000, ["2026-11-24"]])
def test_dates_that_are_not_iso_are_refused(value):
    assert invalid(TICKET_FORM, valid_ticket(resolved_at=value)) == \
        "field 'resolved_at': must be an ISO-8601 date, date-time or time"


def test_readonly_values_are_dropped_and_not_required():
    result = validate_submission(TICKET_FORM, {"diagnosis": "Toner empty", "ticket_no": "FORGED"})
    assert "ticket_no" not in result
    assert "ticket_no" not in validate_submission(TICKET_FORM, {"diagnosis": "Toner empty"})


def test_keys_the_form_has_no_field_for_are_refused_naming_each():
    message = invalid(TICKET_FORM, valid_ticket(ticket_id=17, note={"anything": ["goes"]}))
    assert "'ticket_id'" in message and "'note'" in message
    assert "'diagnosis'" not in message  # fields the form has are not named


def test_defaults_fill_absent_fields_but_never_satisfy_required():
    form = form_from_form_fields("T", CAMUNDA7_FIELDS)
    assert validate_submission(form, {"approved": True}) == {"approved": True, "priority": "p2", "effort": 2}
    assert invalid(form, {"priority": "p1"}) == "field 'approved': required"


def test_partial_skips_required_and_defaults():
    assert validate_submission(TICKET_FORM, {"rating_speed": "4"}, partial=True) == {"rating_speed": 4}
    assert invalid(TICKET_FORM, {"rating_speed": "9"}, partial=True) == "field 'rating_speed': must be <= 5"
    form_js = camunda_form({"type": "checkbox", "key": "accepted", "validate": {"required": True}})
    assert validate_submission(form_js, {"accepted": False}, partial=True) == {"accepted": False}


def test_camunda7_lengths_count_every_character():
    form = form_from_form_fields("T", CAMUNDA7_FIELDS)
    assert invalid(form, {"approved": True, "comment": "a" + " " * 10}) == \
        "field 'comment': must be at most 10 characters"


def test_values_must_be_an_object():
    assert invalid(TICKET_FORM, ["diagnosis"]) == "form values must be an object"


def test_a_form_without_fields_accepts_no_variables():
    empty = FormSpec("empty", (), "camunda-form")
    assert validate_submission(empty, {}) == {}
    assert "'a'" in invalid(empty, {"a": 1})


# --- conditional.hide -------------------------------------------------------------------------------

CALLBACK_FORM = camunda_form(
    {"type": "radio", "key": "solved", "validate": {"required": True},
     "values": [{"label": "Yes", "value": "yes"}, {"label": "No", "value": "no"}]},
    {"type": "number", "key": "rating", "decimalDigits": 0, "conditional": {"hide": '=solved != "yes"'},
     "validate": {"required": True, "min": 1, "max": 5}},
    {"type": "checkbox", "key": "agreed", "conditional": {"hide": '=solved != "yes"'}},
    {"type": "textfield", "key": "note", "defaultValue": "-", "conditional": {"hide": '=solved != "yes"'}},
)


def test_a_hidden_field_is_not_required_and_gets_no_default():
    assert validate_submission(CALLBACK_FORM, {"solved": "no"}) == {"solved": "no"}


def test_a_value_sent_for_a_hidden_field_is_dropped_even_when_it_breaks_the_rules():
    assert validate_submission(CALLBACK_FORM, {"solved": "no", "rating": 9, "agreed": "maybe"}) == {"solved": "no"}


def test_a_shown_field_gets_every_rule():
    assert invalid(CALLBACK_FORM, {"solved": "yes"}) == "field 'rating': required"
    assert invalid(CALLBACK_FORM, {"solved": "yes", "rating": 6}) == "field 'rating': must be <= 5"
    assert validate_submission(CALLBACK_FORM, {"solved": "yes", "rating": "4"}) == \
        {"solved": "yes", "rating": 4, "agreed": False, "note": "-"}


def test_a_missing_controlling_value_is_null_and_null_is_not_yes():
    assert invalid(CALLBACK_FORM, {"rating": 9}) == "field 'solved': required"


def test_conditions_read_the_submission_over_the_context():
    assert validate_submission(CALLBACK_FORM, {"note": "x"}, partial=True, context={"solved": "no"}) == {}
    assert invalid(CALLBACK_FORM, {"solved": "yes"}, context={"solved": "no"}) == "field 'rating': required"
    assert validate_submission(CALLBACK_FORM, {"solved": "no", "rating": 3}, context={"solved": "yes"}) == \
        {"solved": "no"}


def test_conditions_compare_values_typed_as_their_fields():
    form = camunda_form(
        {"type": "number", "key": "hours"},
        {"type": "textarea", "key": "reason", "conditional": {"hide": "=hours <= 8"}, "validate": {"required": True}})
    assert validate_submission(form, {"hours": "4"}) == {"hours": 4}
    assert invalid(form, {"hours": "12"}) == "field 'reason': required"
    assert invalid(form, {"hours": "many"}) == "field 'hours': must be a number; field 'reason': required"


def test_a_readonly_value_sent_cannot_steer_visibility():
    form = camunda_form(
        {"type": "textfield", "key": "tier", "readonly": True},
        {"type": "textfield", "key": "vendor", "conditional": {"hide": '=tier != "vendor"'},
         "validate": {"required": True}})
    assert invalid(form, {"tier": "tier1"}, context={"tier": "vendor"}) == "field 'vendor': required"
    assert validate_submission(form, {"tier": "vendor"}, context={"tier": "tier1"}) == {}


def test_a_hidden_group_hides_what_is_inside():
    form = camunda_form(
        {"type": "checkbox", "key": "escalate"},
        {"type": "group", "conditional": {"hide": "=not(escalate)"}, "components": [
            {"type": "textfield", "key": "vendor", "validate": {"required": True}}]})
    assert validate_submission(form, {"escalate": False, "vendor": "ACME"}) == {"escalate": False}
    assert invalid(form, {"escalate": True}) == "field 'vendor': required"


# --- form_variables ---------------------------------------------------------------------------------

def test_form_variables_are_typed_like_camunda():
    form = form_from_form_fields("T", CAMUNDA7_FIELDS)
    variables = form_to_rest(form, {"approved": True, "comment": "ok", "due": "2026-11-24T10:00:00.000+00:00"})
    assert variables == {
        "approved": {"value": True, "type": "Boolean", "valueInfo": {}},
        "priority": {"value": "p2", "type": "String", "valueInfo": {}},
        "effort": {"value": 2, "type": "Long", "valueInfo": {}},
        "comment": {"value": "ok", "type": "String", "valueInfo": {}},
        "requester": {"value": None, "type": "String", "valueInfo": {}},
        "due": {"value": "2026-11-24T10:00:00.000+0000", "type": "Date", "valueInfo": {}},
    }


def test_form_variables_for_lists_doubles_and_values_that_do_not_fit():
    variables = form_to_rest(TICKET_FORM, {"affected": ["vpn"], "hours": 2, "rating_speed": "n/a"})
    assert variables["affected"] == {"value": '["vpn"]', "type": "Json", "valueInfo": {}}
    assert variables["hours"] == {"value": 2.0, "type": "Double", "valueInfo": {}}
    assert variables["rating_speed"] == {"value": "n/a", "type": "String", "valueInfo": {}}
    assert variables["notify"] == {"value": None, "type": "Boolean", "valueInfo": {}}
