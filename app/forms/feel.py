"""The FEEL subset that form conditions use, parsed once and evaluated without eval/exec.

form-js hides a component when ``conditional.hide`` evaluates to ``true``; the server must agree with
the browser or it would demand fields nobody could see, or accept forms with fields left out. The
conditions people write in Camunda Modeler compare a few form keys with literals and combine the
results, so that is all this module reads: literals (text, numbers, ``true``/``false``/``null``),
variable names with ``a.b`` paths, ``=`` ``!=`` ``<`` ``<=`` ``>`` ``>=``, ``and``, ``or``, ``not(...)``,
``is defined(...)`` and parentheses. Anything else is refused when the form is parsed, so a form the
server cannot judge never gets deployed rather than failing when someone submits it.

Values follow FEEL, not Python: ``and``/``or``/``not`` are three-valued, ``null`` is what a missing
variable or any nonsensical comparison yields (``x < 3`` with ``x`` null, ``"a" < 1``), while ``=`` and
``!=`` are total so that ``x = null`` is the null check FEEL documents. ``true`` is not ``1``.
"""
from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from functools import lru_cache
from typing import Any, NoReturn

_TOKEN = re.compile(r"""
    (?P<space>\s+)
  | (?P<string>"(?:[^"\\]|\\.)*")
  | (?P<number>[0-9]+(?:\.[0-9]+)?|\.[0-9]+)
  | (?P<op>!=|<=|>=|=|<|>)
  | (?P<punct>[().-])
  | (?P<name>[^\W\d]\w*)
""", re.VERBOSE)
_ESCAPES = {'"': '"', "'": "'", "\\": "\\", "n": "\n", "r": "\r", "t": "\t"}
_LITERALS = {"true": True, "false": False, "null": None}
#: FEEL words that start syntax beyond the subset; as a bare name they would silently mean a variable.
_RESERVED = {"and", "or", "not", "is", "in", "between", "if", "then", "else", "for", "return", "some",
             "every", "satisfies", "instance", "of", "function"}


class FeelError(ValueError):
    """The text is not FEEL, or uses FEEL this subset does not evaluate."""


@dataclass(frozen=True)
class Literal:
    value: Any


@dataclass(frozen=True)
class Path:
    names: tuple[str, ...]


@dataclass(frozen=True)
class Compare:
    op: str
    left: Expression
    right: Expression


@dataclass(frozen=True)
class Logic:
    op: str  # "and" | "or"
    left: Expression
    right: Expression


@dataclass(frozen=True)
class Not:
    operand: Expression


@dataclass(frozen=True)
class IsDefined:
    path: Path


Expression = Literal | Path | Compare | Logic | Not | IsDefined


@lru_cache(maxsize=1024)
def parse(text: str) -> Expression:
    """The tree of one FEEL expression (without form-js's leading ``=``); FeelError says what and where."""
    parser = _Parser(text, _tokens(text))
    tree = parser.disjunction()
    if parser.peek() is not None:
        parser.fail("unexpected", parser.peek())
    return tree


def evaluate(tree: Expression, variables: dict[str, Any]) -> Any:
    """The FEEL value of ``tree``: ``True``/``False``/``None`` for conditions, the value for a name."""
    if isinstance(tree, Literal):
        return tree.value
    if isinstance(tree, Path):
        return _lookup(tree, variables)
    if isinstance(tree, IsDefined):
        return _lookup(tree.path, variables) is not None  # Camunda: null counts as not defined
    if isinstance(tree, Not):
        value = evaluate(tree.operand, variables)
        return not value if isinstance(value, bool) else None
    if isinstance(tree, Logic):
        return _logic(tree, variables)
    return _COMPARE[tree.op](evaluate(tree.left, variables), evaluate(tree.right, variables))


def holds(tree: Expression, variables: dict[str, Any]) -> bool:
    """Whether a condition is met: only ``true`` is; ``null`` (unknown) is not, as in form-js."""
    return evaluate(tree, variables) is True


def _tokens(text: str) -> list[tuple[str, Any, int]]:
    """(kind, value, position) for each token; any character outside the subset is refused here."""
    tokens, position = [], 0
    while position < len(text):
        match = _TOKEN.match(text, position)
        if match is None:
            what = "text is not closed" if text[position] == '"' else f"{text[position]!r} is not supported"
            raise FeelError(f"{text!r}: {what} at position {position}")
        kind, raw = match.lastgroup, match.group()
        if kind == "string":
            tokens.append((kind, _unescape(raw, text, position), position))
        elif kind == "number":
            tokens.append((kind, float(raw) if "." in raw else int(raw), position))
        elif kind != "space":
            tokens.append((kind, raw, position))
        position = match.end()
    return tokens


def _unescape(raw: str, text: str, position: int) -> str:
    def replace(match: re.Match) -> str:
        escape = match.group(1)
        if escape in _ESCAPES:
            return _ESCAPES[escape]
        if escape.startswith("u") and len(escape) == 5:
            return chr(int(escape[1:], 16))
        raise FeelError(f"{text!r}: escape \\{escape} at position {position} is not supported")
    return re.sub(r"\\(u[0-9A-Fa-f]{4}|.)", replace, raw[1:-1])


class _Parser:
    """Recursive descent, one method per precedence level: or < and < comparison < primary."""

    def __init__(self, text: str, tokens: list[tuple[str, Any, int]]):
        self.text, self.tokens, self.index = text, tokens, 0

    def peek(self, offset: int = 0) -> tuple[str, Any, int] | None:
        index = self.index + offset
        return self.tokens[index] if index < len(self.tokens) else None

    def take(self) -> tuple[str, Any, int]:
        token = self.peek()
        if token is None:
            raise FeelError(f"{self.text!r}: the expression ends too early")
        self.index += 1
        return token

    def accept(self, kind: str, value: Any) -> bool:
        token = self.peek()
        if token is not None and token[0] == kind and token[1] == value:
            self.index += 1
            return True
        return False

    def expect(self, kind: str, value: str) -> None:
        if not self.accept(kind, value):
            self.fail(f"expected '{value}' but found", self.peek())

    def fail(self, what: str, token: tuple[str, Any, int] | None) -> NoReturn:
        if token is None:
            raise FeelError(f"{self.text!r}: {what} the end of the expression")
        raise FeelError(f"{self.text!r}: {what} {token[1]!r} at position {token[2]}")

    def disjunction(self) -> Expression:
        tree = self.conjunction()
        while self.accept("name", "or"):
            tree = Logic("or", tree, self.conjunction())
        return tree

    def conjunction(self) -> Expression:
        tree = self.comparison()
        while self.accept("name", "and"):
            tree = Logic("and", tree, self.comparison())
        return tree

    def comparison(self) -> Expression:
        left = self.primary()
        token = self.peek()
        if token is None or token[0] != "op":
            return left
        self.index += 1
        tree = Compare(token[1], left, self.primary())
        if (following := self.peek()) is not None and following[0] == "op":
            self.fail("comparisons do not chain; use 'and' before", following)
        return tree

    def primary(self) -> Expression:
        kind, value, position = self.take()
        if kind == "string" or kind == "number":
            return Literal(value)
        if (kind, value) == ("punct", "-") and (number := self.peek()) is not None and number[0] == "number":
            self.index += 1
            return Literal(-number[1])
        if (kind, value) == ("punct", "("):
            tree = self.disjunction()
            self.expect("punct", ")")
            return tree
        if kind != "name":
            self.fail("unexpected", (kind, value, position))
        if value in _LITERALS:
            return Literal(_LITERALS[value])
        if value == "not" and self.accept("punct", "("):
            tree = Not(self.disjunction())
            self.expect("punct", ")")
            return tree
        if value == "is" and self.accept("name", "defined"):
            self.expect("punct", "(")
            path = self.path(self.take())
            self.expect("punct", ")")
            return IsDefined(path)
        return self.path((kind, value, position))

    def path(self, token: tuple[str, Any, int]) -> Path:
        names = [self.name(token)]
        while self.accept("punct", "."):
            names.append(self.name(self.take()))
        if (call := self.peek()) is not None and call[:2] == ("punct", "("):
            self.fail(f"function '{'.'.join(names)}' is not supported; found", call)
        return Path(tuple(names))

    def name(self, token: tuple[str, Any, int]) -> str:
        if token[0] != "name" or token[1] in _RESERVED or token[1] in _LITERALS:
            self.fail("expected a variable name but found", token)
        return token[1]


def _lookup(path: Path, variables: dict[str, Any]) -> Any:
    """A variable or an entry inside it; anything missing on the way is null, as in FEEL."""
    value: Any = variables
    for name in path.names:
        if not isinstance(value, dict):
            return None
        value = value.get(name)
    return value


def _logic(tree: Logic, variables: dict[str, Any]) -> bool | None:
    """Three-valued and/or: a decisive operand wins, otherwise anything not boolean makes it null."""
    decisive = tree.op == "or"  # true decides an or, false decides an and
    operands = [evaluate(tree.left, variables), evaluate(tree.right, variables)]
    if any(value is decisive for value in operands):
        return decisive
    return not decisive if all(isinstance(value, bool) for value in operands) else None


def _kind(value: Any) -> str:
    if isinstance(value, bool):
        return "boolean"
    if isinstance(value, (int, float)):
        return "number"
    return type(value).__name__


def _equal(left: Any, right: Any) -> bool:
    """FEEL equality: null equals only null, values of different types are never equal."""
    if left is None or right is None:
        return left is None and right is None
    if _kind(left) != _kind(right):
        return False
    if isinstance(left, list):
        return len(left) == len(right) and all(map(_equal, left, right))
    if isinstance(left, dict):
        return left.keys() == right.keys() and all(_equal(left[key], right[key]) for key in left)
    return left == right


def _ordered(test: Callable[[Any, Any], bool]) -> Callable[[Any, Any], bool | None]:
    """An ordering comparison: numbers with numbers, text with text, anything else is null."""
    def compare(left: Any, right: Any) -> bool | None:
        kind = _kind(left)
        if kind != _kind(right) or kind not in ("number", "str"):
            return None
        return test(left, right)
    return compare


_COMPARE: dict[str, Callable[[Any, Any], bool | None]] = {
    "=": _equal,
    "!=": lambda left, right: not _equal(left, right),
    "<": _ordered(lambda left, right: left < right),
    "<=": _ordered(lambda left, right: left <= right),
    ">": _ordered(lambda left, right: left > right),
    ">=": _ordered(lambda left, right: left >= right),
}
