import pytest

from workflows.expressions import ExpressionError, evaluate, render

NAMES = {"inputs": {"amount": 150, "name": "Ada"}, "vars": {"items": [1, 2]}}


def test_a_whole_template_keeps_its_type():
    assert render("{{ inputs.amount * 2 }}", NAMES) == 300
    assert render("{{ vars.items }}", NAMES) == [1, 2]


def test_a_mixed_template_renders_to_a_string():
    assert render("Hello {{ inputs.name }}!", NAMES) == "Hello Ada!"


def test_plain_strings_and_nested_values_are_rendered_in_place():
    assert render({"a": ["{{ inputs.amount }}", "x"], "b": 1}, NAMES) == {
        "a": [150, "x"],
        "b": 1,
    }


def test_expressions_evaluate_to_python_values():
    assert evaluate("inputs.amount > 100", NAMES) is True


def test_an_undefined_name_is_an_error_naming_the_source():
    with pytest.raises(ExpressionError, match="inputs.missing"):
        render("{{ inputs.missing.deeper }}", NAMES)


def test_the_sandbox_refuses_private_attributes():
    with pytest.raises(ExpressionError):
        evaluate("inputs.__class__.__mro__", NAMES)
