"""The FEEL subset of form conditions: what it reads, how it evaluates (FEEL's nulls), what it refuses."""
import pytest

from app.forms.feel import Compare, FeelError, IsDefined, Literal, Logic, Not, Path, evaluate, holds, parse


# --- parsing ----------------------------------------------------------------------------------------

def test_the_modeler_condition_becomes_a_comparison():
    assert parse('callback_solved != "yes"') == Compare("!=", Path(("callback_solved",)), Literal("yes"))


@pytest.mark.parametrize("text,value", [
    ('"text"', "text"), ("42", 42), ("2.5", 2.5), (".5", 0.5), ("-3", -3), ("- 1.5", -1.5),
    ("true", True), ("false", False), ("null", None), ('"say \\"hi\\"\\n"', 'say "hi"\n'),
    ('"\\u00e9t\\u00e9"', "été"), ('"回访"', "回访"),
])
def test_literals(text, value):
    assert parse(text) == Literal(value)


def test_precedence_is_or_then_and_then_comparison_and_parentheses_override():
    a, b, c = (Compare("=", Path((name,)), Literal(1)) for name in "abc")
    assert parse("a = 1 or b = 1 and c = 1") == Logic("or", a, Logic("and", b, c))
    assert parse("(a = 1 or b = 1) and c = 1") == Logic("and", Logic("or", a, b), c)


def test_paths_not_and_is_defined():
    assert parse("not(ticket.vip)") == Not(Path(("ticket", "vip")))
    assert parse("is defined( ticket.owner )") == IsDefined(Path(("ticket", "owner")))
    assert parse("优先级 = 1") == Compare("=", Path(("优先级",)), Literal(1))


def test_parsing_is_cached_by_text():
    assert parse("amount >= 100") is parse("amount >= 100")


@pytest.mark.parametrize("text,fragment", [
    ("", "ends too early"),
    ("a +", "'+' is not supported at position 2"),
    ("a - 1", "unexpected '-' at position 2"),
    ("count(items) > 0", "function 'count' is not supported"),
    ("x in [1, 2]", "'[' is not supported"),
    ("a between 1 and 3", "unexpected 'between'"),
    ("if a then b else c", "expected a variable name but found 'if'"),
    ("not a", "expected a variable name but found 'not'"),
    ("a < b < c", "comparisons do not chain"),
    ("a == 1", "unexpected '='"),
    ("(a = 1", "expected ')' but found the end"),
    ('"open', "text is not closed at position 0"),
    ('"\\q"', "escape \\q"),
    ("is defined(1)", "expected a variable name but found 1"),
    ("a.", "ends too early"),
    ("a b", "unexpected 'b' at position 2"),
    ("{a: 1}", "'{' is not supported"),
])
def test_syntax_outside_the_subset_is_refused_with_where(text, fragment):
    with pytest.raises(FeelError) as caught:
        parse(text)
    assert fragment in str(caught.value) and repr(text) in str(caught.value)


def test_feel_errors_are_value_errors():
    assert issubclass(FeelError, ValueError)


# --- evaluation -------------------------------------------------------------------------------------

def value(text, **variables):
    return evaluate(parse(text), variables)


@pytest.mark.parametrize("text,expected", [
    ('s = "yes"', True), ('s != "yes"', False), ("n = 3", True), ("n = 3.0", True), ("n != 4", True),
    ("n < 4", True), ("n <= 3", True), ("n > 3", False), ("n >= 3.5", False),
    ('s < "z"', True), ('s >= "yes"', True), ("flag = true", True), ("flag != false", True),
    ("ticket.tier = 2", True), ("ticket.missing = null", True), ("ticket = other.ticket", True),
    ("items = other.items", True), ("items = ticket", False),
])
def test_comparisons(text, expected):
    variables = {"s": "yes", "n": 3, "flag": True, "ticket": {"tier": 2}, "items": ["a", "b"],
                 "other": {"ticket": {"tier": 2.0}, "items": ["a", "b"]}}
    assert evaluate(parse(text), variables) is expected


def test_equality_is_not_assignment_and_leaves_variables_alone():
    variables = {"x": 1}
    assert evaluate(parse("x = 2"), variables) is False
    assert variables == {"x": 1}


def test_null_checks():
    assert value("x = null") is True  # missing counts as null
    assert value("x = null", x=None) is True
    assert value("x != null", x=0) is True
    assert value("null = null") is True and value("null != null") is False
    assert value('x != "yes"') is True  # the browser hides a rating until "yes" is chosen


def test_is_defined_is_false_for_missing_and_null_values():
    assert value("is defined(x)", x=0) is True and value("is defined(x)", x="") is True
    assert value("is defined(x)") is False and value("is defined(x)", x=None) is False
    assert value("is defined(a.b)", a={"b": False}) is True and value("is defined(a.b)", a="text") is False


@pytest.mark.parametrize("text,variables", [
    ("x < 3", {}), ("x >= 3", {"x": None}), ('x < "3"', {"x": 2}), ("x > 1", {"x": True}),
    ("x < 3", {"x": [1]}), ("a.b.c > 0", {"a": {"b": 5}}),
])
def test_ordering_with_null_or_other_types_is_null(text, variables):
    assert evaluate(parse(text), variables) is None


def test_values_of_different_types_are_not_equal():
    assert value("x = 1", x=True) is False and value("x = true", x=1) is False
    assert value('x = "1"', x=1) is False and value('x != "1"', x=1) is True
    assert value("a = b", a={"k": 1}, b={"k": True}) is False
    assert value("a = b", a=["1"], b=[1]) is False and value("a = b", a=[1], b=[1, 2]) is False


@pytest.mark.parametrize("left,right,conjunction,disjunction", [
    (True, True, True, True), (True, False, False, True), (True, None, None, True),
    (False, False, False, False), (False, None, False, None), (None, None, None, None),
    (1, True, None, True), ("yes", False, False, None),
])
def test_and_or_are_three_valued_and_symmetric(left, right, conjunction, disjunction):
    for a, b in ((left, right), (right, left)):
        assert value("a and b", a=a, b=b) is conjunction
        assert value("a or b", a=a, b=b) is disjunction


@pytest.mark.parametrize("operand,expected", [(True, False), (False, True), (None, None), (1, None)])
def test_not_negates_booleans_only(operand, expected):
    assert value("not(x)", x=operand) is expected


def test_a_bare_name_yields_its_value():
    assert value("x", x={"a": 1}) == {"a": 1} and value("x.a", x={"a": 1}) == 1


def test_holds_only_for_true():
    tree = parse("x > 3")
    assert holds(tree, {"x": 4}) is True
    assert holds(tree, {"x": 2}) is False
    assert holds(tree, {}) is False  # null: unknown is not true
    assert holds(parse("x"), {"x": "yes"}) is False  # only the boolean true counts
