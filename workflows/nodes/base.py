"""The plugin API: a node type is a subclass of NodeType."""

from collections.abc import Awaitable, Callable
from contextvars import ContextVar
from dataclasses import dataclass
from typing import Any, ClassVar

LEVELS = ("debug", "info", "warning", "error")
# What a node type may need; an administrator grants each to users.
PERMISSIONS = ("network", "filesystem", "subprocess", "code")


# Set by the engine around each node it drives: stores the node's `waiting`
# status. A context variable, so it follows the node into its own task.
waiting_hook: ContextVar[Callable[[str], Awaitable[None]]] = ContextVar("waiting_hook")


class NodeError(Exception):
    """A failure a node reports on purpose; its message is shown to the user."""


@dataclass(frozen=True)
class Outcome:
    """What a node returns when it chooses which output ports carry its output."""

    output: Any
    ports: tuple[str, ...]


class NodeContext:
    """What a running node can see and do."""

    def __init__(
        self,
        *,
        run_id: int,
        node_id: str,
        attempt: int,
        config: dict,
        names: dict[str, Any],
        log: Callable[[str, str], None],
        set_variable: Callable[[str, Any], None],
    ):
        self.run_id = run_id
        self.node_id = node_id
        self.attempt = attempt  # 1 for the first try, 2 for the first retry, ...
        self.config = config
        self.names = names
        self._log = log
        self._set_variable = set_variable

    @property
    def inputs(self) -> dict:
        return self.names["inputs"]

    @property
    def vars(self) -> dict:
        return self.names["vars"]

    def log(self, message: str, level: str = "info") -> None:
        if level not in LEVELS:
            raise ValueError(f"level must be one of {', '.join(LEVELS)}")
        self._log(level, str(message))

    def set_variable(self, name: str, value: Any) -> None:
        self._set_variable(name, value)

    async def set_waiting(self, message: str = "") -> None:
        """Show this node as `waiting` (for a person's decision, say), `message`
        saying for what; returns once that is stored. The node then waits with
        `await`, holding no thread, and its outcome is recorded as usual."""
        hook = waiting_hook.get(None)
        if hook is None:
            raise RuntimeError("only a node driven by the engine can wait")
        await hook(message)


class NodeType:
    type: ClassVar[str]
    name: ClassVar[str]
    category: ClassVar[str]
    version: ClassVar[int] = 1
    description: ClassVar[str] = ""
    config_schema: ClassVar[dict] = {
        "type": "object",
        "properties": {},
        "additionalProperties": False,
    }
    inputs: ClassVar[tuple[str, ...]] = ("in",)
    outputs: ClassVar[tuple[str, ...]] = ("out",)
    permissions: ClassVar[frozenset[str]] = frozenset()
    default_trigger_rule: ClassVar[str] = "all_success"
    # Config fields holding bare expressions, evaluated by the node itself
    # instead of being rendered as templates before it runs.
    expression_fields: ClassVar[tuple[str, ...]] = ()
    # Flow control that runs inside the executor in every mode: it is cheap,
    # needs the run's live state, or waits without holding a worker
    # (core.delay). Other types go to a worker in the distributed mode.
    in_engine: ClassVar[bool] = False
    # A container (logic.loop) has a body: the nodes whose `parent` is it.
    container: ClassVar[bool] = False

    # Output ports named by the config, declared once for the server and the
    # editor: {"field": "cases", "key": "port", "extra": ["default"]} means
    # the `port` of each item of the list `cases`, in order, then `default`.
    # None (most types): the fixed `outputs`.
    ports_from_config: ClassVar[dict | None] = None

    @classmethod
    def config_problems(cls, config: dict) -> list[tuple[str, str]]:
        """What the JSON Schema cannot say about a config (one field or another,
        not both): (field, message) pairs, checked at validation; [] when fine."""
        return []

    @classmethod
    def output_ports(cls, config: dict) -> tuple[str, ...]:
        """The output ports of a node with this config; most types have fixed ones."""
        rule = cls.ports_from_config
        if rule is None:
            return cls.outputs
        items = config.get(rule["field"])
        named = [
            item.get(rule["key"])
            for item in (items if isinstance(items, list) else [])
            if isinstance(item, dict)
        ]
        ports = [port for port in named if isinstance(port, str) and port]
        # Each port once, in order: a duplicate is a config error, not a port.
        return tuple(dict.fromkeys([*ports, *rule.get("extra", ())]))

    def execute(self, ctx: NodeContext) -> Any | Awaitable[Any]:
        """Do the work; return the output, or an Outcome choosing ports.

        May be a coroutine function: it then runs on the executor's event loop
        and must not block; a plain function runs in a worker thread.
        """
        raise NotImplementedError(f"{type(self).__name__} must define execute()")
