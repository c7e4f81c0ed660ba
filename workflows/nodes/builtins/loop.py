from workflows.nodes.base import NodeType


class Loop(NodeType):
    type = "logic.loop"
    in_engine = True  # it drives its body through the run's own executor
    container = True
    name = "Loop"
    category = "Flow"
    description = (
        "Runs its body (the nodes whose parent it is) once for each item of a "
        "list, or while an expression holds; outputs the list of iteration outputs."
    )
    config_schema = {
        "type": "object",
        "properties": {
            "items": {
                "type": ["string", "array"],
                "description": (
                    "The list to go through, usually a template such as "
                    "{{ nodes.fetch.output.rows }}; the body sees `item` and `index`."
                ),
            },
            "while": {
                "type": "string",
                "minLength": 1,
                "description": (
                    "Instead of items: an expression checked before each "
                    "iteration, such as index < 3 or vars.more; it sees `index` "
                    "and the variables as the previous iteration left them."
                ),
            },
            "max_iterations": {
                "type": "integer",
                "minimum": 1,
                "maximum": 100000,
                "default": 1000,
                "description": "More items, or a while still true after this many "
                "iterations, fail the loop.",
            },
            "parallelism": {
                "type": "integer",
                "minimum": 1,
                "maximum": 256,
                "default": 1,
                "description": "Iterations of an items loop running at once "
                "(at most the run's max_parallel).",
            },
        },
        "additionalProperties": False,
    }
    expression_fields = ("while",)

    @classmethod
    def config_problems(cls, config: dict) -> list[tuple[str, str]]:
        if ("items" in config) == ("while" in config):
            return [("items", "set exactly one of items or while.")]
        if "while" in config and config.get("parallelism", 1) > 1:
            return [
                (
                    "parallelism",
                    "a while loop runs one iteration at a time (each one "
                    "decides whether there is a next); use items to run in parallel.",
                )
            ]
        return []

    async def execute(self, ctx):
        # Imported here: the engine imports the node registry, which imports this.
        from workflows.engine.loop import run_loop

        return await run_loop(ctx)
