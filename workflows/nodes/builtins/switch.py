from workflows.expressions import ExpressionError, evaluate
from workflows.nodes.base import NodeError, NodeType, Outcome

DEFAULT = "default"
# `default` is the port taken when no case matches; `error` is the port a node
# routes its failure to (on_error: route). Neither can name a case.
RESERVED_PORTS = (DEFAULT, "error")


class Switch(NodeType):
    type = "logic.switch"
    in_engine = True
    name = "Switch"
    category = "Flow"
    description = (
        "Sends the run down the port of the first case whose expression is true "
        "(or of every such case, in `all` mode), else down `default`."
    )
    config_schema = {
        "type": "object",
        "properties": {
            "cases": {
                "type": "array",
                "description": (
                    'Each case: {"port": "name", "expression": "inputs.amount > 100"};'
                    " every case is an output port, in this order."
                ),
                "items": {
                    "type": "object",
                    "properties": {
                        "port": {
                            "type": "string",
                            "pattern": "^[a-z0-9_-]{1,32}$",
                            "not": {"enum": list(RESERVED_PORTS)},
                        },
                        "expression": {"type": "string", "minLength": 1},
                    },
                    "required": ["port", "expression"],
                    "additionalProperties": False,
                },
                "default": [{"port": "case_1", "expression": "true"}],
            },
            "mode": {
                "type": "string",
                "enum": ["first", "all"],
                "description": "first: only the first true case; all: every one.",
                "default": "first",
            },
        },
        "required": ["cases"],
        "additionalProperties": False,
    }
    outputs = (DEFAULT,)
    ports_from_config = {"field": "cases", "key": "port", "extra": [DEFAULT]}
    # The whole list is left as written: its expressions are evaluated here.
    expression_fields = ("cases",)

    async def execute(self, ctx):
        cases = ctx.config["cases"]
        ports = [case["port"] for case in cases]
        for index, port in enumerate(ports):
            if port in ports[:index]:
                raise NodeError(f"cases[{index}]: port {port!r} is used twice")
        first_only = ctx.config.get("mode", "first") == "first"
        matched: list[str] = []
        for index, (case, port) in enumerate(zip(cases, ports, strict=True)):
            try:
                taken = bool(evaluate(case["expression"], ctx.names))
            except ExpressionError as exc:
                raise NodeError(f"case {port!r} (cases[{index}]): {exc}") from None
            if taken:
                matched.append(port)
                if first_only:
                    break
        return Outcome(output={"matched": matched}, ports=tuple(matched) or (DEFAULT,))
