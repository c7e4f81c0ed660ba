"""core.transform, through real runs."""

import pytest

from tests.runs import node_run, run_workflow
from tests.specs import chain, make_spec, node

pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.usefixtures("engine_mode"),
]

INPUTS = {"amount": {"type": "integer"}, "customer": {"type": "string"}}


def transform(client, template, inputs=None, before=()):
    spec = make_spec(
        [*before, node("shape", "core.transform", config={"template": template})],
        chain("start", *(n["id"] for n in before), "shape"),
        inputs=INPUTS,
    )
    return run_workflow(client, spec, inputs or {"amount": 5, "customer": "Ada"})


def test_templates_are_rendered_and_whole_templates_keep_their_types(as_alice):
    run = transform(
        as_alice,
        {
            "amount": "{{ inputs.amount }}",
            "double": "{{ inputs.amount * 2 }}",
            "big": "{{ inputs.amount > 100 }}",
            "label": "order of {{ inputs.amount }} for {{ inputs.customer }}",
            "nested": {"list": ["{{ inputs.customer }}", 3, None]},
            "fixed": True,
        },
    )
    shape = node_run(run, "shape")
    assert shape["status"] == "succeeded", shape["error"]
    assert shape["output"] == {
        "amount": 5,
        "double": 10,
        "big": False,
        "label": "order of 5 for Ada",
        "nested": {"list": ["Ada", 3, None]},
        "fixed": True,
    }


def test_a_template_can_use_an_upstream_nodes_output(as_alice):
    run = transform(
        as_alice,
        {"customer": "{{ nodes.prep.output.who }}", "n": "{{ nodes.prep.output.n }}"},
        before=[
            node(
                "prep",
                "core.set",
                config={"values": {"who": "{{ inputs.customer }}", "n": 7}},
            )
        ],
    )
    assert node_run(run, "shape")["output"] == {"customer": "Ada", "n": 7}


def test_a_template_that_is_not_an_object_is_output_as_rendered(as_alice):
    run = transform(as_alice, ["{{ inputs.amount }}", "{{ inputs.customer }}"])
    assert node_run(run, "shape")["output"] == [5, "Ada"]


def test_an_unknown_name_fails_the_node_naming_it(as_alice):
    run = transform(as_alice, {"x": "{{ nodes.missing.output }}"})
    shape = node_run(run, "shape")
    assert shape["status"] == "failed"
    assert "nodes.missing.output" in shape["error"]
