import asyncio

from workflows.nodes.base import NodeType


class Delay(NodeType):
    type = "core.delay"
    in_engine = True
    name = "Delay"
    category = "Flow"
    description = "Waits before passing on, without holding up other nodes."
    config_schema = {
        "type": "object",
        "properties": {
            "seconds": {"type": "number", "minimum": 0, "maximum": 86400, "default": 1},
        },
        "required": ["seconds"],
        "additionalProperties": False,
    }

    async def execute(self, ctx):
        await asyncio.sleep(float(ctx.config["seconds"]))
        return {"waited_s": ctx.config["seconds"]}
