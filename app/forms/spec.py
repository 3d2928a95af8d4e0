"""The one server-side shape of a form, whichever file it was read from (Camunda Form or formField)."""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from app.forms import feel


@dataclass(frozen=True)
class FormField:
    """One submitted value and its rules; ``options`` empty means any value of the type. ``hide`` holds
    the parsed ``conditional.hide`` of the component and of the groups around it: any one true hides it."""

    key: str
    type: str  # "string" | "long" | "double" | "boolean" | "date" | "enum" | "list"
    label: str
    required: bool = False
    readonly: bool = False
    min: float | None = None
    max: float | None = None
    min_length: int | None = None
    max_length: int | None = None
    pattern: str | None = None
    options: tuple[str, ...] = ()
    option_labels: tuple[str, ...] = ()  # what people read for each option (formField enums; forms keep theirs)
    default: Any = None
    hide: tuple[feel.Expression, ...] = ()


@dataclass(frozen=True)
class FormSpec:
    id: str | None  # None: a Camunda Form without an id, found by its file name
    fields: tuple[FormField, ...]
    source: str  # "camunda-form" | "form-field"
