from workflows.nodes.base import NodeError, NodeType


class Fail(NodeType):
    type = "core.fail"
    name = "Fail"
    category = "Core"
    description = "Fails with a message; use it to stop a branch on purpose."
    config_schema = {
        "type": "object",
        "properties": {
            "message": {"type": "string", "default": "Failed on purpose"},
        },
        "additionalProperties": False,
    }

    async def execute(self, ctx):
        raise NodeError(ctx.config.get("message") or "Failed on purpose")
