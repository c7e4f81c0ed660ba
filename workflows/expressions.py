"""Templates and expressions in a Jinja2 sandbox.

A string that is one `{{ ... }}` and nothing else keeps the type of its value
("{{ 3 }}" is the number 3); any other string with template syntax renders to
a string; a plain string is returned unchanged.
"""

import re
from collections.abc import Mapping
from functools import lru_cache
from typing import Any

from jinja2 import StrictUndefined, TemplateError
from jinja2.sandbox import SandboxedEnvironment

_WHOLE_EXPRESSION = re.compile(r"^\s*\{\{(?P<expr>(?:(?!\}\}|\{\{).)*)\}\}\s*$", re.S)


class _Sandbox(SandboxedEnvironment):
    def getattr(self, obj, attribute):
        # Data wins over dict methods: `vars.items` is the variable "items".
        if isinstance(obj, Mapping) and attribute in obj:
            return obj[attribute]
        return super().getattr(obj, attribute)


_env = _Sandbox(undefined=StrictUndefined, autoescape=False)


class ExpressionError(Exception):
    def __init__(self, source: str, detail: str, lineno: int | None = None):
        where = f" (line {lineno})" if lineno else ""
        super().__init__(f"{detail}{where} in {source!r}")
        self.source = source
        self.detail = detail
        self.lineno = lineno


def is_template(value: str) -> bool:
    return "{{" in value or "{%" in value


@lru_cache(maxsize=2048)
def _compile_expression(source: str):
    try:
        return _env.compile_expression(source, undefined_to_none=False)
    except TemplateError as exc:
        raise ExpressionError(source, str(exc), getattr(exc, "lineno", None)) from exc


@lru_cache(maxsize=2048)
def _compile_template(source: str):
    try:
        return _env.from_string(source)
    except TemplateError as exc:
        raise ExpressionError(source, str(exc), getattr(exc, "lineno", None)) from exc


def check(value: str, *, expression: bool = False) -> None:
    """Raise ExpressionError if the text does not parse."""
    if expression:
        _compile_expression(value)
    elif match := _WHOLE_EXPRESSION.match(value):
        _compile_expression(match["expr"])
    elif is_template(value):
        _compile_template(value)


def evaluate(expression: str, names: dict[str, Any]) -> Any:
    """Evaluate a bare expression such as `inputs.amount > 100`."""
    compiled = _compile_expression(expression)
    try:
        return compiled(**names)
    except Exception as exc:  # any error raised by user code in the sandbox
        raise ExpressionError(expression, _describe(exc)) from exc


def render(value: Any, names: dict[str, Any]) -> Any:
    """Render templates in a string, or in every string inside lists and dicts."""
    if isinstance(value, str):
        if match := _WHOLE_EXPRESSION.match(value):
            return evaluate(match["expr"], names)
        if not is_template(value):
            return value
        try:
            return _compile_template(value).render(**names)
        except ExpressionError:
            raise
        except Exception as exc:
            raise ExpressionError(value, _describe(exc)) from exc
    if isinstance(value, dict):
        return {key: render(item, names) for key, item in value.items()}
    if isinstance(value, list):
        return [render(item, names) for item in value]
    return value


def _describe(exc: Exception) -> str:
    return f"{type(exc).__name__}: {exc}"
