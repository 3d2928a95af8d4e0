"""Sandboxed evaluation of model expressions and scripts.

SpiffWorkflow evaluates conditions, scripts, timer expressions and DMN entries
with plain ``eval``/``exec``: a model could otherwise import ``os`` and run
anything. Everything a model says is compiled here with RestrictedPython
instead: no imports, no dunder attributes, no ``open``/``exec``/``eval``, only a
small set of safe builtins plus the helpers we choose to expose.
"""
from __future__ import annotations

import functools
import operator
from datetime import date, datetime, timedelta, timezone
from typing import Any

from RestrictedPython import compile_restricted_eval, compile_restricted_exec, safe_builtins
from RestrictedPython.Eval import default_guarded_getitem, default_guarded_getiter
from RestrictedPython.Guards import (full_write_guard, guarded_iter_unpack_sequence, guarded_unpack_sequence,
                                     safer_getattr)

from app import clock, workcal


class SandboxError(Exception):
    """An expression or script was refused or failed inside the sandbox."""


_INPLACE = {
    "+=": operator.iadd, "-=": operator.isub, "*=": operator.imul, "/=": operator.itruediv,
    "//=": operator.ifloordiv, "%=": operator.imod, "**=": operator.ipow,
    "|=": operator.ior, "&=": operator.iand, "^=": operator.ixor,
}


def _inplacevar(op: str, x: Any, y: Any) -> Any:
    try:
        return _INPLACE[op](x, y)
    except KeyError:
        raise SandboxError(f"operator {op} is not allowed") from None


def _builtins() -> dict[str, Any]:
    allowed = dict(safe_builtins)
    for name in ("all", "any", "dict", "enumerate", "filter", "list", "map", "max", "min",
                 "reversed", "set", "sum", "sorted", "frozenset"):
        allowed[name] = __builtins__[name] if isinstance(__builtins__, dict) else getattr(__builtins__, name)
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
    "_getattr_": safer_getattr,
    "_getitem_": default_guarded_getitem,
    "_getiter_": default_guarded_getiter,
    # ``a, b = x`` unpacks x; ``for a, b in xs`` unpacks each item of xs: two different guards
    "_iter_unpack_sequence_": guarded_iter_unpack_sequence,
    "_unpack_sequence_": guarded_unpack_sequence,
    "_write_": full_write_guard,
    "_inplacevar_": _inplacevar,
}


@functools.lru_cache(maxsize=4096)
def compile_expression(source: str):
    """Compile once per distinct expression text; raise SandboxError if refused."""
    result = compile_restricted_eval(source.strip(), "<expression>")
    if result.errors:
        raise SandboxError("; ".join(result.errors))
    return result.code


@functools.lru_cache(maxsize=1024)
def compile_script(source: str):
    """Compile once per distinct script text; raise SandboxError if refused."""
    result = compile_restricted_exec(source, "<script>")
    if result.errors:
        raise SandboxError("; ".join(result.errors))
    return result.code


def evaluate(source: str, variables: dict[str, Any], extra: dict[str, Any] | None = None) -> Any:
    """Evaluate an expression over ``variables``; never touches anything outside them."""
    scope = {**_GUARDS, **HELPERS, **(extra or {}), **variables}
    return eval(compile_expression(source), scope)  # noqa: S307 - restricted bytecode


def execute(source: str, variables: dict[str, Any], extra: dict[str, Any] | None = None) -> None:
    """Run a script; names it assigns become variables (helpers and guards are removed)."""
    injected = {**_GUARDS, **HELPERS, **(extra or {})}
    scope = {**injected, **variables}
    exec(compile_script(source), scope)  # noqa: S102 - restricted bytecode
    for key, value in scope.items():
        if key in injected and injected[key] is value:
            continue
        if callable(value) or key.startswith("_"):
            continue
        variables[key] = value
    for key in [k for k in variables if k not in scope]:
        del variables[key]
