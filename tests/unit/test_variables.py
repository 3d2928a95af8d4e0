"""Camunda 7 REST typed variables: what is accepted, how it is stored, what is refused and why."""
from datetime import date, datetime, timedelta, timezone

import pytest

from app.errors import InvalidInput
from app.api.variables import (from_rest, is_variable_name, object_info, parse_boolean, parse_number, to_rest,
                               to_rest_as)


def typed(value, kind, **info):
    return {"value": value, "type": kind, "valueInfo": info}


def rejected(payload) -> str:
    with pytest.raises(InvalidInput) as caught:
        from_rest(payload)
    return caught.value.message


# --- from_rest: accepted types -------------------------------------------------------------------

def test_primitive_types_decode_to_plain_values():
    assert from_rest({
        "title": typed("Printer jam", "String"),
        "urgent": typed(True, "Boolean"),
        "count": typed(3, "Integer"),
        "small": typed(-7, "Short"),
        "big": typed(2 ** 40, "Long"),
        "ratio": typed(0.25, "Double"),
        "nothing": typed(None, "Null"),
    }) == {"title": "Printer jam", "urgent": True, "count": 3, "small": -7, "big": 2 ** 40,
           "ratio": 0.25, "nothing": None}


def test_type_names_are_case_insensitive():
    assert from_rest({"a": typed("x", "string"), "b": typed(1, "INTEGER"), "c": typed(False, "boolean")}) \
        == {"a": "x", "b": 1, "c": False}


def test_missing_type_keeps_the_json_value_as_sent():
    assert from_rest({"a": {"value": 5}, "b": {"value": {"k": [1]}}}) == {"a": 5, "b": {"k": [1]}}


def test_every_type_accepts_a_null_value():
    payload = {f"v{i}": typed(None, kind) for i, kind in enumerate(
        ("String", "Boolean", "Integer", "Short", "Long", "Double", "Date", "Json"))}
    assert from_rest(payload) == {name: None for name in payload}


def test_numbers_coerce_from_clean_text_and_integral_floats():
    assert from_rest({"a": typed("42", "Integer"), "b": typed(" -5 ", "Long"), "c": typed(3.0, "Integer"),
                      "d": typed("2.5", "Double"), "e": typed(2, "Double"), "f": typed("1e3", "Double")}) \
        == {"a": 42, "b": -5, "c": 3, "d": 2.5, "e": 2.0, "f": 1000.0}
    assert isinstance(from_rest({"e": typed(2, "Double")})["e"], float)


def test_boolean_accepts_true_false_text():
    assert from_rest({"a": typed("true", "Boolean"), "b": typed("FALSE", "Boolean")}) == {"a": True, "b": False}


def test_dates_are_stored_as_utc_datetimes_with_milliseconds():
    utc = timezone.utc
    assert from_rest({
        "camunda": typed("2026-11-24T10:00:00.000+0000", "Date"),
        "offset": typed("2026-11-24T12:00:00+02:00", "Date"),
        "zulu": typed("2026-11-24T10:00:00.5Z", "Date"),
        "micro": typed("2026-11-24T10:00:00.123456Z", "Date"),
        "naive": typed("2026-11-24T10:00:00", "Date"),
        "day": typed("2026-11-24", "Date"),
    }) == {
        "camunda": datetime(2026, 11, 24, 10, tzinfo=utc),
        "offset": datetime(2026, 11, 24, 10, tzinfo=utc),
        "zulu": datetime(2026, 11, 24, 10, 0, 0, 500000, tzinfo=utc),
        "micro": datetime(2026, 11, 24, 10, 0, 0, 123000, tzinfo=utc),
        "naive": datetime(2026, 11, 24, 10, tzinfo=utc),
        "day": datetime(2026, 11, 24, tzinfo=utc),
    }


def test_stored_dates_compare_as_instants():
    early = from_rest({"d": typed("2026-11-24T23:30:00.000-0500", "Date")})["d"]  # 04:30 UTC next day
    late = from_rest({"d": typed("2026-11-25T05:00:00.000+0000", "Date")})["d"]
    assert early < late


def test_json_text_is_decoded_and_decoded_json_is_kept():
    assert from_rest({"a": typed('{"items": [1, 2], "ok": true}', "Json"), "b": typed([1, "x"], "Json"),
                      "c": typed({"k": None}, "Json")}) == {"a": {"items": [1, 2], "ok": True},
                                                          "b": [1, "x"], "c": {"k": None}}


def test_object_with_json_serialization_is_decoded():
    value = typed('{"somekey": "somevalue"}', "Object", objectTypeName="com.example.Thing",
                  serializationDataFormat="application/json")
    assert from_rest({"thing": value}) == {"thing": {"somekey": "somevalue"}}


def test_empty_payload_gives_no_variables():
    assert from_rest({}) == {}


# --- from_rest: rejections ------------------------------------------------------------------------

@pytest.mark.parametrize("payload", [None, [], "x", 3])
def test_payload_must_be_an_object(payload):
    assert "must be a JSON object" in rejected(payload)


@pytest.mark.parametrize("entry", ["plain", 5, None, ["String", "x"]])
def test_entry_must_be_an_object(entry):
    assert rejected({"title": entry}).startswith("variable 'title': must be an object")


@pytest.mark.parametrize("kind", ["Strng", "Xml", 5, ""])
def test_unknown_type_is_refused(kind):
    message = rejected({"title": typed("x", kind)})
    assert "variable 'title'" in message and "unknown type" in message


@pytest.mark.parametrize("kind,value", [
    ("Integer", "abc"), ("Integer", 3.5), ("Integer", True), ("Integer", [1]), ("Integer", "1_000"),
    ("Long", "12.5"), ("Short", {}), ("Double", "nan"), ("Double", "inf"), ("Double", False), ("Double", "1e999"),
    ("Boolean", 1), ("Boolean", 0), ("Boolean", "yes"), ("String", 5), ("String", ["a"]),
    ("Date", 1700000000), ("Date", "24/11/2026"), ("Date", "tomorrow"),
])
def test_value_not_matching_its_type_is_refused(kind, value):
    assert rejected({"field": typed(value, kind)}).startswith("variable 'field': ")


@pytest.mark.parametrize("kind,value", [("Short", 2 ** 15), ("Short", -2 ** 15 - 1), ("Integer", 2 ** 31),
                                        ("Long", 2 ** 63), ("Long", -2 ** 63 - 1)])
def test_integers_out_of_range_are_refused(kind, value):
    assert "out of range" in rejected({"n": typed(value, kind)})


@pytest.mark.parametrize("kind,value", [("Short", 2 ** 15 - 1), ("Integer", -2 ** 31), ("Long", 2 ** 63 - 1)])
def test_integer_range_limits_are_inclusive(kind, value):
    assert from_rest({"n": typed(value, kind)}) == {"n": value}


def test_null_type_cannot_carry_a_value():
    assert "Null variable cannot carry a value" in rejected({"n": typed(5, "Null")})


@pytest.mark.parametrize("text", ["{bad json", "NaN", "[1, Infinity]"])
def test_json_text_must_be_valid_json(text):
    assert "not valid JSON" in rejected({"doc": typed(text, "Json")})


@pytest.mark.parametrize("info", [{}, {"serializationDataFormat": "application/x-java-serialized-object"},
                                  {"serializationDataFormat": "application/xml"}])
def test_java_serialized_and_non_json_objects_are_refused(info):
    assert "Java-serialized objects are not supported" in rejected({"o": typed("rO0ABX", "Object", **info)})


@pytest.mark.parametrize("kind", ["Bytes", "File", "bytes"])
def test_bytes_and_files_are_refused(kind):
    assert f"type {kind} is not supported" in rejected({"blob": typed("aGVsbG8=", kind)})


@pytest.mark.parametrize("name", ["_private", "__class__", "1st", "first-name", "a b", "class", "", "é-x"])
def test_variable_names_must_be_safe_identifiers(name):
    assert rejected({name: typed("x", "String")}).startswith(f"variable '{name}': name must be")


def test_value_info_must_be_an_object():
    assert "valueInfo must be an object" in rejected({"a": {"value": "x", "type": "String", "valueInfo": "no"}})


def test_every_bad_variable_is_named_in_one_error():
    message = rejected({"ok": typed("x", "String"), "bad_int": typed("abc", "Integer"),
                        "bad_bool": typed(1, "Boolean"), "_hidden": typed("x", "String")})
    assert "variable 'bad_int'" in message and "variable 'bad_bool'" in message
    assert "variable '_hidden'" in message and "'ok'" not in message


# --- to_rest ----------------------------------------------------------------------------------------

def test_to_rest_types_values_like_camunda():
    assert to_rest({"s": "x", "b": False, "i": 7, "l": 2 ** 31, "d": 1.5, "n": None}) == {
        "s": typed("x", "String"), "b": typed(False, "Boolean"), "i": typed(7, "Integer"),
        "l": typed(2 ** 31, "Long"), "d": typed(1.5, "Double"), "n": typed(None, "Null")}


def test_to_rest_picks_integer_within_int32_and_long_beyond():
    result = to_rest({"a": 2 ** 31 - 1, "b": -2 ** 31, "c": -2 ** 31 - 1, "d": 2 ** 63 - 1})
    assert [result[k]["type"] for k in "abcd"] == ["Integer", "Integer", "Long", "Long"]


def test_to_rest_keeps_numbers_wider_than_long_exact_as_json():
    assert to_rest({"huge": 2 ** 70}) == {"huge": typed(str(2 ** 70), "Json")}


def test_to_rest_sends_json_values_as_text():
    result = to_rest({"doc": {"items": [1, 2], "name": "打印机"}, "lst": [1, "a"], "tup": (1, 2)})
    assert result["doc"]["type"] == "Json" and result["doc"]["valueInfo"] == {}
    assert isinstance(result["doc"]["value"], str)
    assert from_rest(result) == {"doc": {"items": [1, 2], "name": "打印机"}, "lst": [1, "a"], "tup": [1, 2]}


def test_to_rest_formats_datetimes_in_camunda_date_format():
    aware = datetime(2026, 11, 24, 10, 0, 0, 123456, tzinfo=timezone(timedelta(hours=2)))
    assert to_rest({"a": aware, "b": datetime(2026, 11, 24, 10, 0), "c": date(2026, 11, 24)}) == {
        "a": typed("2026-11-24T10:00:00.123+0200", "Date"),
        "b": typed("2026-11-24T10:00:00.000+0000", "Date"),
        "c": typed("2026-11-24T00:00:00.000+0000", "Date")}


def test_to_rest_refuses_values_with_no_camunda_type():
    with pytest.raises(TypeError, match="set"):
        to_rest({"tags": {"a", "b"}})


def test_round_trip_keeps_plain_values():
    values = {"s": "text", "b": True, "i": -3, "l": 2 ** 40, "d": 0.5, "n": None,
              "j": {"nested": [1, {"x": "y"}]}, "lst": ["a", "b"]}
    assert from_rest(to_rest(values)) == values


def test_a_date_round_trips_as_a_date():
    due = datetime(2026, 11, 24, 10, 0, tzinfo=timezone.utc)
    stored = from_rest(to_rest({"due": due}))
    assert stored == {"due": due}
    assert to_rest(stored) == {"due": typed("2026-11-24T10:00:00.000+0000", "Date")}


def test_projected_iso_text_marked_as_date_reads_back_as_a_date():
    projected = {"due": "2026-11-24T10:00:00.123456+00:00", "note": "2026-11-24T10:00:00"}
    assert to_rest(projected, {"due": {"type": "Date"}}) == {
        "due": typed("2026-11-24T10:00:00.123+0000", "Date"), "note": typed("2026-11-24T10:00:00", "String")}


def test_objects_keep_their_value_info_and_serialize_on_request():
    info = {"objectTypeName": "com.example.Order", "serializationDataFormat": "application/json"}
    payload = {"order": typed('{"id": 7, "lines": ["纸"]}', "Object", **info), "n": typed(1, "Integer")}
    values = from_rest(payload)
    assert object_info(payload) == {"order": info}
    types = {"order": {"type": "Object", "valueInfo": info}}
    assert to_rest(values, types)["order"] == typed({"id": 7, "lines": ["纸"]}, "Object", **info)
    assert to_rest(values, types, deserialize=False)["order"] == typed('{"id": 7, "lines": ["纸"]}', "Object", **info)
    assert to_rest({"order": "replaced by a script"}, types)["order"] == typed("replaced by a script", "String")


# --- helpers ---------------------------------------------------------------------------------------

def test_to_rest_as_uses_the_declared_type_when_the_value_fits():
    assert to_rest_as(3, "Long") == typed(3, "Long")
    assert to_rest_as(3.0, "Long") == typed(3, "Long")
    assert to_rest_as(3, "Double") == typed(3.0, "Double")
    assert to_rest_as(None, "Boolean") == typed(None, "Boolean")
    assert to_rest_as(["a"], "Json") == typed('["a"]', "Json")
    assert to_rest_as("2026-11-24", "Date") == typed("2026-11-24T00:00:00.000+0000", "Date")


def test_to_rest_as_falls_back_to_the_values_own_type():
    assert to_rest_as("n/a", "Long") == typed("n/a", "String")
    assert to_rest_as(2.5, "Long") == typed(2.5, "Double")
    assert to_rest_as(True, "Long") == typed(True, "Boolean")
    assert to_rest_as("14:30", "Date") == typed("14:30", "String")


def test_parse_number_is_strict():
    assert parse_number("12") == 12 and parse_number(" 1.5 ") == 1.5 and parse_number(4) == 4
    for bad in ("1_000", "nan", "inf", "", "0x10", True, None, "١٢"):
        with pytest.raises(ValueError):
            parse_number(bad)


def test_parse_boolean_is_strict():
    assert parse_boolean(" True ") is True and parse_boolean(False) is False
    for bad in (1, 0, "yes", None, ""):
        with pytest.raises(ValueError):
            parse_boolean(bad)


def test_variable_name_rule():
    assert is_variable_name("ticket_id") and is_variable_name("优先级")
    assert not any(is_variable_name(name) for name in ("_x", "import", "a.b", None, 3))
