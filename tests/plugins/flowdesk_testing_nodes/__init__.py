"""Node types for tests, registered through the `flowdesk.nodes` entry point."""

import logging
import time

from workflows.nodes.base import NodeError, NodeType

logger = logging.getLogger(__name__)


class Flaky(NodeType):
    type = "testing.flaky"
    name = "Flaky"
    category = "Testing"
    description = "Fails its first `fail_times` attempts, then succeeds."
    config_schema = {
        "type": "object",
        "properties": {"fail_times": {"type": "integer", "minimum": 0}},
        "required": ["fail_times"],
        "additionalProperties": False,
    }

    def execute(self, ctx):
        if ctx.attempt <= ctx.config["fail_times"]:
            raise NodeError(f"attempt {ctx.attempt} failed")
        return {"attempt": ctx.attempt}


class Sleep(NodeType):
    type = "testing.sleep"
    name = "Sleep in a thread"
    category = "Testing"
    description = "Blocks its worker thread, as a CPU- or I/O-bound node would."
    config_schema = {
        "type": "object",
        "properties": {"seconds": {"type": "number", "minimum": 0}},
        "required": ["seconds"],
        "additionalProperties": False,
    }

    def execute(self, ctx):
        time.sleep(ctx.config["seconds"])
        return {"slept": ctx.config["seconds"]}


class Chatty(NodeType):
    type = "testing.chatty"
    name = "Chatty"
    category = "Testing"
    description = "Logs through Python's logging, as library code would."

    def execute(self, ctx):
        logging.getLogger("acme.client").info("connecting")
        logging.getLogger("acme.client").warning("slow answer")
        logger.debug("below the configured level")
        return None


NODE_TYPES = [Flaky, Sleep, Chatty]
