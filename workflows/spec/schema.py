"""The JSON Schema of the workflow definition format.

It admits only the fields the engine honours, so a field that would be
silently ignored is refused by name instead.
"""

from workflows.engine.core import TRIGGER_RULES
from workflows.spec.types import TYPES

CURRENT_FORMAT = 1
NODE_ID_PATTERN = "^[a-z0-9_-]{1,64}$"
NAME_PATTERN = "^[A-Za-z_][A-Za-z0-9_]{0,63}$"

_value_declaration = {
    "type": "object",
    "properties": {
        "type": {"enum": list(TYPES)},
        "default": {},
        "description": {"type": "string"},
    },
    "required": ["type"],
    "additionalProperties": False,
}

SPEC_SCHEMA = {
    "$schema": "https://json-schema.org/draft/2020-12/schema",
    "type": "object",
    "properties": {
        "format": {"const": CURRENT_FORMAT},
        "inputs": {
            "type": "object",
            "propertyNames": {"pattern": NAME_PATTERN},
            "additionalProperties": {
                **_value_declaration,
                "properties": {
                    **_value_declaration["properties"],
                    "required": {"type": "boolean"},
                },
            },
        },
        "variables": {
            "type": "object",
            "propertyNames": {"pattern": NAME_PATTERN},
            "additionalProperties": _value_declaration,
        },
        "settings": {
            "type": "object",
            "properties": {
                "max_parallel": {"type": "integer", "minimum": 1, "maximum": 256},
                "fail_fast": {"type": "boolean"},
                "on_crash": {"enum": ["resume", "fail", "restart"]},
                # The whole run's time limit, counted from its first start.
                "timeout_s": {"type": "number", "exclusiveMinimum": 0},
                # The id of a workflow started with a failed run's details.
                "error_workflow": {"type": "integer", "minimum": 1},
            },
            "additionalProperties": False,
        },
        "nodes": {
            "type": "array",
            "items": {
                "type": "object",
                "properties": {
                    "id": {"type": "string", "pattern": NODE_ID_PATTERN},
                    "type": {"type": "string", "pattern": r"^[a-z0-9_.]+(@\d+)?$"},
                    "name": {"type": "string", "maxLength": 200},
                    "position": {
                        "type": "object",
                        "properties": {
                            "x": {"type": "number"},
                            "y": {"type": "number"},
                        },
                        "required": ["x", "y"],
                        "additionalProperties": False,
                    },
                    "config": {"type": "object"},
                    "timeout_s": {"type": "number", "exclusiveMinimum": 0},
                    "trigger_rule": {"enum": list(TRIGGER_RULES)},
                    "retry": {
                        "type": "object",
                        "properties": {
                            "max_attempts": {
                                "type": "integer",
                                "minimum": 1,
                                "maximum": 100,
                            },
                            "delay_s": {"type": "number", "minimum": 0},
                            "backoff": {"type": "number", "minimum": 1},
                            "max_delay_s": {"type": "number", "minimum": 0},
                        },
                        "additionalProperties": False,
                    },
                    "on_error": {"enum": ["fail", "continue", "route"]},
                    # Reuse the output of an earlier run with the same rendered
                    # key for ttl_s seconds instead of running the node.
                    "cache": {
                        "type": "object",
                        "properties": {
                            "key": {"type": "string", "minLength": 1},
                            "ttl_s": {"type": "number", "exclusiveMinimum": 0},
                        },
                        "required": ["key", "ttl_s"],
                        "additionalProperties": False,
                    },
                    # Pause the run before this node starts (top-level nodes).
                    "breakpoint": {"type": "boolean"},
                    # The container (logic.loop) whose body the node is part of.
                    "parent": {"type": "string", "pattern": NODE_ID_PATTERN},
                    # The Celery queue of the worker pool that runs the node
                    # in the distributed mode.
                    "queue": {"type": "string", "pattern": "^[A-Za-z0-9_.-]{1,100}$"},
                },
                "required": ["id", "type"],
                "additionalProperties": False,
            },
        },
        "edges": {
            "type": "array",
            "items": {
                "type": "object",
                "properties": {
                    "source": {"type": "string"},
                    "target": {"type": "string"},
                    "source_port": {"type": "string"},
                },
                "required": ["source", "target"],
                "additionalProperties": False,
            },
        },
    },
    "required": ["format", "nodes", "edges"],
    "additionalProperties": False,
}
