"""Value types of inputs and variables, and the conversions allowed between them."""

from datetime import datetime
from typing import Any

TYPES = ("string", "number", "integer", "boolean", "object", "array", "datetime", "any")
_BOOLEAN_WORDS = {
    "true": True,
    "1": True,
    "yes": True,
    "false": False,
    "0": False,
    "no": False,
}


class ConversionError(ValueError):
    pass


def convert(value: Any, type_name: str) -> Any:
    """Return value as type_name, converting the obvious cases ("12" to 12)."""
    converter = _CONVERTERS[type_name]
    try:
        return converter(value)
    except (TypeError, ValueError, OverflowError):
        raise ConversionError(f"expected {type_name}, got {value!r}") from None


def initial_variables(spec: dict) -> dict:
    """The spec's variables at their declared defaults (None where there is none)."""
    return {
        name: None
        if declaration.get("default") is None
        else convert(declaration["default"], declaration["type"])
        for name, declaration in spec.get("variables", {}).items()
    }


def _string(value):
    if isinstance(value, str):
        return value
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise TypeError
    return str(value)


def _number(value):
    if isinstance(value, bool):
        raise TypeError
    if isinstance(value, int | float):
        return value
    if isinstance(value, str):
        number = float(value.strip())
        return int(number) if number.is_integer() and "." not in value else number
    raise TypeError


def _integer(value):
    if isinstance(value, bool):
        raise TypeError
    if isinstance(value, int):
        return value
    if isinstance(value, float) and value.is_integer():
        return int(value)
    if isinstance(value, str):
        return int(value.strip())
    raise TypeError


def _boolean(value):
    if isinstance(value, bool):
        return value
    if isinstance(value, str) and value.strip().lower() in _BOOLEAN_WORDS:
        return _BOOLEAN_WORDS[value.strip().lower()]
    raise TypeError


def _of(kind):
    def check(value):
        if not isinstance(value, kind):
            raise TypeError
        return value

    return check


def _datetime(value):
    if not isinstance(value, str):
        raise TypeError
    return datetime.fromisoformat(value).isoformat()


_CONVERTERS = {
    "string": _string,
    "number": _number,
    "integer": _integer,
    "boolean": _boolean,
    "object": _of(dict),
    "array": _of(list),
    "datetime": _datetime,
    "any": lambda value: value,
}
