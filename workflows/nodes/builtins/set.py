from workflows.nodes.base import NodeType


class Set(NodeType):
    type = "core.set"
    name = "Set variables"
    category = "Data"
    description = "Sets workflow variables from templates."
    config_schema = {
        "type": "object",
        "properties": {
            "values": {
                "type": "object",
                "description": "Variable name → value or {{ template }}.",
                "additionalProperties": True,
                "propertyNames": {"pattern": "^[A-Za-z_][A-Za-z0-9_]*$"},
                "default": {},
            }
        },
        "required": ["values"],
        "additionalProperties": False,
    }

    async def execute(self, ctx):
        for name, value in ctx.config["values"].items():
            ctx.set_variable(name, value)
        return ctx.config["values"]
