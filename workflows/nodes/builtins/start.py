from workflows.nodes.base import NodeType


class Start(NodeType):
    type = "core.start"
    in_engine = True
    name = "Start"
    category = "Core"
    description = "Where every run begins; its output is the run's inputs."
    inputs = ()

    async def execute(self, ctx):
        return ctx.inputs
