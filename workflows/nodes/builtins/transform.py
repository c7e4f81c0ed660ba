from workflows.nodes.base import NodeType


class Transform(NodeType):
    type = "core.transform"
    name = "Transform"
    category = "Data"
    description = (
        "Builds an object from templates such as "
        '{"total": "{{ nodes.fetch.output.body.total }}"}; '
        "a value that is one {{ template }} keeps its type."
    )
    config_schema = {
        "type": "object",
        "properties": {
            "template": {
                "description": "Any JSON value; its strings may use {{ templates }}.",
                "default": {},
            },
        },
        "required": ["template"],
        "additionalProperties": False,
    }

    async def execute(self, ctx):
        # The executor has already rendered the templates in the config.
        return ctx.config["template"]
