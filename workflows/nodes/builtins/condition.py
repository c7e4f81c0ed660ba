from workflows.expressions import evaluate
from workflows.nodes.base import NodeType, Outcome


class Condition(NodeType):
    type = "logic.condition"
    in_engine = True
    name = "Condition"
    category = "Flow"
    description = "Sends the run down `true` or `false` by an expression."
    config_schema = {
        "type": "object",
        "properties": {
            "expression": {
                "type": "string",
                "minLength": 1,
                "description": "An expression such as inputs.amount > 100.",
                "default": "true",
            },
        },
        "required": ["expression"],
        "additionalProperties": False,
    }
    outputs = ("true", "false")
    expression_fields = ("expression",)

    async def execute(self, ctx):
        result = bool(evaluate(ctx.config["expression"], ctx.names))
        return Outcome(
            output={"result": result}, ports=("true" if result else "false",)
        )
