"""Custom error handlers: code that decides what happens to a failed attempt.

A handler gets a FailedAttempt and returns a Decision, or None to leave it to
the next handler and finally to the node's own `retry` and `on_error`.
Register with `register_error_handler(fn)` or by dotted path in
FLOWDESK["ERROR_HANDLERS"]. A handler that raises is logged and skipped.
"""

import logging
from collections.abc import Callable
from dataclasses import dataclass
from enum import StrEnum

from django.conf import settings
from django.utils.module_loading import import_string

logger = logging.getLogger(__name__)
# A handler may ask for retries a node does not declare, up to this many attempts.
MAX_HANDLER_ATTEMPTS = 3


class Decision(StrEnum):
    RETRY = "retry"  # try again (within the node's retry, or MAX_HANDLER_ATTEMPTS)
    ROUTE = "route"  # send the error out of the node's `error` port
    FAIL = "fail"  # stop retrying and fail as on_error "fail" does
    IGNORE = "ignore"  # mark it failed but go on, as on_error "continue" does


@dataclass(frozen=True)
class FailedAttempt:
    run_id: int
    node_id: str
    node_type: str
    attempt: int
    error_type: str
    error: str


ErrorHandler = Callable[[FailedAttempt], Decision | None]
_registered: list[ErrorHandler] = []


def register_error_handler(handler: ErrorHandler) -> None:
    _registered.append(handler)


def unregister_error_handler(handler: ErrorHandler) -> None:
    _registered.remove(handler)


def decide(failure: FailedAttempt) -> Decision | None:
    for handler in [*settings.FLOWDESK.get("ERROR_HANDLERS", ()), *_registered]:
        try:
            function = import_string(handler) if isinstance(handler, str) else handler
            if (decision := function(failure)) is not None:
                return Decision(decision)
        except Exception:
            logger.exception(
                "error handler %r failed on node %s", handler, failure.node_id
            )
    return None
