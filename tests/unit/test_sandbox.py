"""The sandbox runs ordinary Python the way Python does: unpacking in every position gives Python's values."""
from __future__ import annotations

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
