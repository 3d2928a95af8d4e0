"""Sandboxed evaluation of model expressions and scripts.

SpiffWorkflow evaluates conditions, scripts, timer expressions and DMN entries
with plain ``eval``/``exec``: a model could otherwise import ``os`` and run
anything. Everything a model says is compiled here with RestrictedPython
instead: no imports, no dunder attributes, no ``open``/``exec``/``eval``, only a
small set of safe builtins plus the helpers we choose to expose.

A model runs inside a web request or a scheduler pass, holding the database's
writer: a loop without end or a value of billions of items would stall everyone
behind it. So every loop checks a deadline (``TIME_LIMIT_SECONDS``), and ``*``,
``**``, ``<<`` and ``range`` refuse results past ``MAX_ITEMS`` items or
``MAX_INT_BITS`` bits; the step then fails as an incident, with its state kept.
"""
from __future__ import annotations

import ast
import functools
import math
import operator
import time
from contextvars import ContextVar, Token
from datetime import date, datetime, timedelta, timezone
from typing import Any, Iterator, Optional

from RestrictedPython import compile_restricted_eval, compile_restricted_exec, safe_builtins
from RestrictedPython.Eval import default_guarded_getitem
from RestrictedPython.transformer import RestrictingNodeTransformer
from RestrictedPython.Guards import (full_write_guard, guarded_iter_unpack_sequence, guarded_unpack_sequence,
                                     safer_getattr)

from app import clock, workcal


class SandboxError(Exception):
    """An expression or script was refused or failed inside the sandbox."""


#: How long one expression or script may run (the outermost one, when a helper evaluates inside it).
TIME_LIMIT_SECONDS = 2.0
#: The most items a sequence built by ``*`` or ``range`` may have (characters of a string).
MAX_ITEMS = 10_000_000
#: The most bits an integer built by ``*``, ``**`` or ``<<`` may have (about 30,000 decimal digits).
MAX_INT_BITS = 100_000

_deadline: ContextVar[float] = ContextVar("sandbox_deadline", default=math.inf)
_SEQUENCES = (str, bytes, list, tuple)


def _tick() -> None:
    if time.monotonic() > _deadline.get():
        raise SandboxError(f"the script ran longer than {TIME_LIMIT_SECONDS:g} s and was stopped")


def _iterate(iterable: Any) -> Iterator[Any]:
    """Every ``for`` and comprehension goes through here: it checks the deadline as it goes."""
    for count, item in enumerate(iterable):
        if not count % 1000:
            _tick()
        yield item


def _too_big(what: str) -> SandboxError:
    return SandboxError(f"{what} would be too large for a model (at most {MAX_ITEMS:,} items, {MAX_INT_BITS:,} bits)")


def _mul(a: Any, b: Any) -> Any:
    if isinstance(a, int) and isinstance(b, _SEQUENCES):
        a, b = b, a
    if isinstance(a, _SEQUENCES) and isinstance(b, int) and len(a) * b > MAX_ITEMS:
        raise _too_big("the repeated sequence")
    if isinstance(a, int) and isinstance(b, int) and a.bit_length() + b.bit_length() > MAX_INT_BITS:
        raise _too_big("the product")
    return a * b


def _pow(base: Any, exponent: Any, modulus: Any = None) -> Any:
    if modulus is None and isinstance(base, int) and isinstance(exponent, int) and exponent > 0 \
            and abs(base) > 1 and (base.bit_length() - 1) * exponent > MAX_INT_BITS:
        raise _too_big("the power")
    return pow(base, exponent) if modulus is None else pow(base, exponent, modulus)


def _lshift(a: Any, b: Any) -> Any:
    if isinstance(a, int) and isinstance(b, int) and a and a.bit_length() + b > MAX_INT_BITS:
        raise _too_big("the shifted number")
    return a << b


def _range(*args: int) -> range:
    numbers = range(*args)
    if len(numbers) > MAX_ITEMS:
        raise _too_big("the range")
    return numbers


_MISSING = object()


def _getattr(obj: Any, name: str) -> Any:
    """RestrictedPython's attribute guard, but a missing attribute says so (not "'NoneType' is not callable")."""
    value = safer_getattr(obj, name, _MISSING)
    if value is _MISSING:
        raise AttributeError(f"{type(obj).__name__!r} object has no attribute {name!r}")
    return value


#: Binary operators whose result can grow past any bound, and the guard each is routed through.
_GROWING = {ast.Mult: "_mul_", ast.Pow: "_pow_", ast.LShift: "_lshift_"}


class _Policy(RestrictingNodeTransformer):
    """RestrictedPython's checks, plus a deadline check in every ``while`` and size guards on ``*``, ``**``, ``<<``."""

    def visit_While(self, node: ast.While) -> ast.AST:
        node = super().visit_While(node)
        tick = ast.Expr(ast.Call(ast.Name("_tick_", ast.Load()), [], []))
        node.body.insert(0, ast.fix_missing_locations(ast.copy_location(tick, node)))
        return node

    def visit_BinOp(self, node: ast.BinOp) -> ast.AST:
        node = super().visit_BinOp(node)
        guard = _GROWING.get(type(node.op))
        if guard is None:
            return node
        call = ast.Call(ast.Name(guard, ast.Load()), [node.left, node.right], [])
        return ast.fix_missing_locations(ast.copy_location(call, node))


_INPLACE = {
    "+=": operator.iadd, "-=": operator.isub, "*=": operator.imul, "/=": operator.itruediv,
    "//=": operator.ifloordiv, "%=": operator.imod, "**=": operator.ipow,
    "|=": operator.ior, "&=": operator.iand, "^=": operator.ixor,
}
_INPLACE_GUARDED = {"*=": _mul, "**=": _pow, "<<=": _lshift}


def _inplacevar(op: str, x: Any, y: Any) -> Any:
    try:
        return _INPLACE_GUARDED.get(op, _INPLACE[op])(x, y)
    except KeyError:
        raise SandboxError(f"operator {op} is not allowed") from None


def _builtins() -> dict[str, Any]:
    allowed = dict(safe_builtins)
    for name in ("all", "any", "dict", "enumerate", "filter", "list", "map", "max", "min",
                 "reversed", "set", "sum", "sorted", "frozenset"):
        allowed[name] = __builtins__[name] if isinstance(__builtins__, dict) else getattr(__builtins__, name)
    allowed.update(pow=_pow, range=_range)
    return allowed


#: Names every expression can use besides the instance variables.
HELPERS: dict[str, Any] = {
    "now": clock.now,
    "datetime": datetime,
    "date": date,
    "timedelta": timedelta,
    "timezone": timezone,
    # the working-day calendar: is_working_day, add_working_days, add_working_hours, working_time_between
    **workcal.EXPRESSION_HELPERS,
}

_GUARDS: dict[str, Any] = {
    "__builtins__": _builtins(),
    "_getattr_": _getattr,
    "_getitem_": default_guarded_getitem,
    "_getiter_": _iterate,
    # ``a, b = x`` unpacks x; ``for a, b in xs`` unpacks each item of xs: two different guards
    "_iter_unpack_sequence_": guarded_iter_unpack_sequence,
    "_unpack_sequence_": guarded_unpack_sequence,
    "_write_": full_write_guard,
    "_inplacevar_": _inplacevar,
    "_tick_": _tick,
    "_mul_": _mul,
    "_pow_": _pow,
    "_lshift_": _lshift,
}


@functools.lru_cache(maxsize=4096)
def compile_expression(source: str):
    """Compile once per distinct expression text; raise SandboxError if refused."""
    result = compile_restricted_eval(source.strip(), "<expression>", policy=_Policy)
    if result.errors:
        raise SandboxError("; ".join(result.errors))
    return result.code


@functools.lru_cache(maxsize=1024)
def compile_script(source: str):
    """Compile once per distinct script text; raise SandboxError if refused."""
    result = compile_restricted_exec(source, "<script>", policy=_Policy)
    if result.errors:
        raise SandboxError("; ".join(result.errors))
    return result.code


def evaluate(source: str, variables: dict[str, Any], extra: dict[str, Any] | None = None) -> Any:
    """Evaluate an expression over ``variables``; never touches anything outside them."""
    scope = {**_GUARDS, **HELPERS, **(extra or {}), **variables}
    code = compile_expression(source)
    token = _start_deadline()
    try:
        return eval(code, scope)  # noqa: S307 - restricted bytecode
    finally:
        if token is not None:
            _deadline.reset(token)


def execute(source: str, variables: dict[str, Any], extra: dict[str, Any] | None = None) -> None:
    """Run a script; names it assigns become variables (helpers and guards are removed)."""
    injected = {**_GUARDS, **HELPERS, **(extra or {})}
    scope = {**injected, **variables}
    code = compile_script(source)
    token = _start_deadline()
    try:
        exec(code, scope)  # noqa: S102 - restricted bytecode
    finally:
        if token is not None:
            _deadline.reset(token)
    for key, value in scope.items():
        if key in injected and injected[key] is value:
            continue
        if callable(value) or key.startswith("_"):
            continue
        variables[key] = value
    for key in [k for k in variables if k not in scope]:
        del variables[key]


def _start_deadline() -> Optional[Token]:
    """Start the deadline, unless an outer evaluation already runs under one (its deadline stands)."""
    if _deadline.get() != math.inf:
        return None
    return _deadline.set(time.monotonic() + TIME_LIMIT_SECONDS)
