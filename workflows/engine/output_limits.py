"""What a node may return: JSON, no bigger than FLOWDESK["MAX_OUTPUT_BYTES"].

Checked where an attempt's result is produced, so an output the run could
not store (or would store at the cost of every later read of the run) fails
that attempt with a message naming the node instead of failing the run.
"""

import json
from typing import Any

from django.conf import settings


class OutputTooLarge(Exception):
    pass


class OutputNotJSON(Exception):
    pass


def check_output(node_id: str, output: Any) -> None:
    """Raise OutputNotJSON or OutputTooLarge; the size is the UTF-8 JSON encoding."""
    try:
        # allow_nan=False: PostgreSQL's JSON refuses NaN and Infinity.
        encoded = json.dumps(output, allow_nan=False, ensure_ascii=False)
    except (TypeError, ValueError) as exc:
        raise OutputNotJSON(
            f"Node {node_id!r} returned an output that is not JSON: {exc}."
        ) from None
    limit = settings.FLOWDESK["MAX_OUTPUT_BYTES"]
    # Most outputs are far below the limit in characters already; only those
    # that might be over it pay for the UTF-8 encoding.
    if len(encoded) * 4 > limit and (size := len(encoded.encode())) > limit:
        raise OutputTooLarge(
            f"Node {node_id!r} returned {size:,} bytes of JSON; the limit is "
            f"{limit:,} bytes (FLOWDESK_MAX_OUTPUT_BYTES)."
        )
