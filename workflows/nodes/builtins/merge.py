from workflows.nodes.base import NodeType


class Merge(NodeType):
    type = "logic.merge"
    in_engine = True
    name = "Merge"
    category = "Flow"
    description = (
        "Joins branches. Runs when no branch failed and at least one succeeded, "
        "so it follows whichever side of a condition was taken."
    )
    default_trigger_rule = "none_failed_min_one_success"

    async def execute(self, ctx):
        return None
