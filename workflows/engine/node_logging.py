"""What a node logs through Python's `logging` becomes log events of that node.

Configured as a handler in settings.LOGGING (so reconfiguring logging keeps
it); this module imports nothing that needs Django's apps to be ready.
"""

import logging
from collections.abc import Callable
from contextvars import ContextVar

# The log function of the node running in this context (its task, or the
# worker thread of a plain-function node, which inherits the context).
node_log: ContextVar[Callable[[str, str], None] | None] = ContextVar(
    "node_log", default=None
)
_LEVELS = {logging.DEBUG: "debug", logging.INFO: "info", logging.WARNING: "warning"}


class NodeLogHandler(logging.Handler):
    def emit(self, record: logging.LogRecord) -> None:
        log = node_log.get()
        if log is None or record.name.startswith("workflows."):
            return  # not inside a node, or the engine's own log
        try:
            log(_LEVELS.get(record.levelno, "error"), self.format(record))
        except Exception:
            self.handleError(record)
