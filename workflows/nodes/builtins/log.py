from workflows.nodes.base import LEVELS, NodeType


class Log(NodeType):
    type = "core.log"
    name = "Log"
    category = "Core"
    description = "Writes a message to the run's log."
    config_schema = {
        "type": "object",
        "properties": {
            "message": {
                "type": "string",
                "description": "The text to log; may use {{ templates }}.",
                "default": "",
            },
            "level": {"type": "string", "enum": list(LEVELS), "default": "info"},
        },
        "required": ["message"],
        "additionalProperties": False,
    }

    async def execute(self, ctx):
        message = ctx.config["message"]
        ctx.log(
            message if isinstance(message, str) else repr(message),
            ctx.config.get("level", "info"),
        )
        return {"message": message}
