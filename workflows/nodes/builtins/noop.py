from workflows.nodes.base import NodeType


class NoOp(NodeType):
    type = "core.noop"
    name = "No operation"
    category = "Core"
    description = "Does nothing; useful to group edges or as a placeholder."

    async def execute(self, ctx):
        return None
