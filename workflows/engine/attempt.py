"""One attempt at running a node: render its config, call it, catch what it raises."""

import asyncio
import inspect
import logging
import os
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from django.conf import settings

from workflows import expressions
from workflows.engine.core import DEFAULT_PORT
from workflows.engine.node_logging import node_log
from workflows.engine.output_limits import OutputNotJSON, OutputTooLarge, check_output
from workflows.engine.states import NodeStatus
from workflows.nodes.base import NodeContext, NodeError, NodeType, Outcome
from workflows.spec.types import ConversionError, convert

logger = logging.getLogger(__name__)


@dataclass
class NodeResult:
    status: NodeStatus = NodeStatus.SUCCEEDED
    output: Any = None
    ports: tuple[str, ...] = ()
    error: str = ""
    error_type: str = ""
    variables: dict[str, Any] = field(default_factory=dict)
    # Set by an error handler to override the node's own on_error.
    on_error: str | None = None

    @property
    def error_object(self) -> dict:
        """The output a handled failure sends downstream."""
        return {"error": {"type": self.error_type, "message": self.error}}

    def fail(self, exc: BaseException, message: str | None = None) -> "NodeResult":
        self.status = NodeStatus.FAILED
        self.error_type = type(exc).__name__
        self.error = message or str(exc) or self.error_type
        self.variables = {}
        return self


class NotFinished(Exception):
    """A node stopped before it finished because its run is pausing (a loop
    between iterations): it goes back to pending and runs again on resume."""


def retry_delay(retry: dict, attempt: int) -> float:
    """Seconds to wait before `attempt` (2, 3, ...): exponential, capped."""
    delay = retry.get("delay_s", 0) * retry.get("backoff", 1) ** (attempt - 2)
    if "max_delay_s" in retry:
        delay = min(delay, retry["max_delay_s"])
    return delay


class NodesView(Mapping):
    """`nodes.<id>.output` and `.status`, read from the run's state on access,
    so starting a node costs the same in a workflow of any size."""

    def __init__(self, state):
        self._state = state

    def __getitem__(self, node_id: str) -> dict:
        status = self._state.statuses[node_id]
        return {"output": self._state.outputs.get(node_id), "status": status}

    def __iter__(self):
        return iter(self._state.statuses)

    def __len__(self) -> int:
        return len(self._state.statuses)


def expression_names(*, run_id: int, state, variables=None) -> dict[str, Any]:
    """What templates and expressions can see while a node runs; `vars` are
    `variables` when given (a node's branch scope), else the state's."""
    return {
        "inputs": state.inputs,
        "vars": dict(state.variables if variables is None else variables),
        "nodes": NodesView(state),
        "run": {"id": run_id, "started_at": state.started_at},
        "env": allowed_env(),
    }


def allowed_env() -> dict[str, str]:
    """The environment variables of this machine that expressions may read."""
    return {
        name: os.environ[name]
        for name in settings.FLOWDESK["EXPRESSION_ENV"]
        if name in os.environ
    }


async def run_attempt(
    *,
    run_id: int,
    attempt: int,
    node: dict,
    node_type: type[NodeType],
    names: dict[str, Any],
    declared_variables: dict,
    log: Callable[[str, str], None],
) -> NodeResult:
    result = NodeResult()

    def set_variable(name: str, value: Any) -> None:
        if declared := declared_variables.get(name):
            try:
                value = convert(value, declared["type"])
            except ConversionError as exc:
                raise NodeError(f"variable {name!r}: {exc}") from None
        result.variables[name] = value

    ctx = NodeContext(
        run_id=run_id,
        node_id=node["id"],
        attempt=attempt,
        config={},
        names=names,
        log=log,
        set_variable=set_variable,
    )
    token = node_log.set(log)
    try:
        ctx.config = _render_config(node, node_type, names)
        returned = await asyncio.wait_for(
            _call(node_type().execute, ctx), timeout=node.get("timeout_s")
        )
    except TimeoutError as exc:
        return result.fail(exc, f"timed out after {node['timeout_s']} s")
    except NotFinished:
        result.status = NodeStatus.PENDING
        return result
    except (NodeError, expressions.ExpressionError, ConversionError) as exc:
        return result.fail(exc)
    except Exception as exc:  # a node's own bug must not stop the run
        logger.info("node %s of run %s raised", node["id"], run_id, exc_info=True)
        return result.fail(exc, f"{type(exc).__name__}: {exc}")
    finally:
        node_log.reset(token)
    if isinstance(returned, Outcome):
        output, ports = returned.output, tuple(returned.ports)
    else:
        output = returned
        ports = node_type.output_ports(ctx.config) or (DEFAULT_PORT,)
    try:
        check_output(node["id"], output)
    except (OutputTooLarge, OutputNotJSON) as exc:
        return result.fail(exc)
    result.output, result.ports = output, ports
    return result


def _render_config(node: dict, node_type: type[NodeType], names: dict) -> dict:
    config = {
        key: value["default"]
        for key, value in node_type.config_schema.get("properties", {}).items()
        if "default" in value
    } | node.get("config", {})
    return {
        key: value
        if key in node_type.expression_fields
        else expressions.render(value, names)
        for key, value in config.items()
    }


async def _call(execute, ctx):
    if inspect.iscoroutinefunction(execute):
        return await execute(ctx)
    return await asyncio.to_thread(execute, ctx)
