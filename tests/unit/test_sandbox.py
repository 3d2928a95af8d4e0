"""The sandbox runs ordinary Python the way Python does: unpacking in every position gives Python's values."""
from __future__ import annotations

import time

import pytest

from app import sandbox

UNPACKING = [
    ("a, b = [1, 2]", {"a": 1, "b": 2}),
    ('first, second = "xy", "zw"', {"first": "xy", "second": "zw"}),
    ("a, (b, c) = 1, (2, 3)", {"a": 1, "b": 2, "c": 3}),
    ("a, *rest = [1, 2, 3]", {"a": 1, "rest": [2, 3]}),
    ("pairs = []\nfor k, v in d.items():\n    pairs.append(k + str(v))", {"pairs": ["x1", "y2"]}),
    ("names = [x for x, y in pairs]", {"names": ["a", "b"]}),
    ("mapping = {k: v for k, v in pairs}", {"mapping": {"a": 1, "b": 2}}),
    ("total = 0\nfor i, (k, v) in enumerate(pairs):\n    total += i * v", {"total": 2}),
]


@pytest.mark.parametrize("script, expected", UNPACKING, ids=[s.split("\n")[0] for s, _ in UNPACKING])
def test_unpacking_gives_pythons_values(script, expected):
    variables = {"d": {"x": 1, "y": 2}, "pairs": [("a", 1), ("b", 2)]}
    sandbox.execute(script, variables)
    for name, value in expected.items():
        assert variables[name] == value


def test_unpacking_still_refuses_what_the_sandbox_refuses():
    with pytest.raises(sandbox.SandboxError):
        sandbox.compile_script("a, b = d.__class__, 1")


@pytest.fixture
def short_limit(monkeypatch):
    monkeypatch.setattr(sandbox, "TIME_LIMIT_SECONDS", 0.2)


@pytest.mark.parametrize("script", ["while True:\n    pass",
                                    "n = 0\nwhile n >= 0:\n    for i in [1, 2]:\n        n += i",
                                    "total = sum(x for x in range(10000000) for y in range(10))"])
def test_a_script_that_does_not_end_is_stopped_at_the_time_limit(short_limit, script):
    started = time.monotonic()
    with pytest.raises(sandbox.SandboxError, match="longer than 0.2 s"):
        sandbox.execute(script, {})
    assert time.monotonic() - started < 2


def test_an_expression_that_does_not_end_is_stopped_too(short_limit):
    with pytest.raises(sandbox.SandboxError, match="longer than"):
        sandbox.evaluate("[x * y for x in range(10000000) for y in range(10000000)]", {})


@pytest.mark.parametrize("script", ["s = 'a' * 10 ** 9", "s = 10 ** 9 * 'a'", "xs = [0] * 100000000",
                                    "n = 2 ** 10000000", "n = pow(10, 1000000)", "n = 1 << 10000000",
                                    "xs = list(range(10 ** 12))", "n = 7\nn **= 1000000",
                                    "s = 'ab'\ns *= 100000000", "n = 10 ** 50000\nn = n * n * n"])
def test_values_too_large_for_a_model_are_refused_before_they_are_built(script):
    with pytest.raises(sandbox.SandboxError, match="too large"):
        sandbox.execute(script, {})


def test_ordinary_arithmetic_is_unchanged():
    variables = {"hours": 1.5, "xs": [1, 2]}
    sandbox.execute("a = 2 ** 10\nb = 'ab' * 3\nc = 3 * xs\nd = hours * 2\ne = pow(2, 5, 3)\nf = 1 << 4\n"
                    "g = -2 ** 3\nh = 2 ** -1\nk = 5\nk *= 3\nr = list(range(3))\nm = 10 ** 30 * 10 ** 30", variables)
    assert {name: variables[name] for name in "abcdefghkrm"} == {
        "a": 1024, "b": "ababab", "c": [1, 2, 1, 2, 1, 2], "d": 3.0, "e": 2, "f": 16, "g": -8, "h": 0.5, "k": 15,
        "r": [0, 1, 2], "m": 10 ** 60}
    assert sandbox.evaluate("sum(x * x for x in range(4))", {}) == 14


def test_a_missing_attribute_is_named_in_the_error():
    with pytest.raises(AttributeError, match="'str' object has no attribute 'nosuch'"):
        sandbox.execute("x = name.nosuch()", {"name": "abc"})
