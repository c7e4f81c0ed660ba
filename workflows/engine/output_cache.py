"""Output caching: a node with `cache: {key, ttl_s}` reuses the output (and
ports) an earlier run of the workflow stored under the same rendered key,
until it expires, instead of running.

Rows are keyed by (workflow, node id, sha256 of the rendered key); a newer
output replaces an older or expired one in place.
"""

import hashlib
import json
from datetime import timedelta
from typing import Any

from django.db.models import F
from django.utils import timezone

from workflows import expressions
from workflows.models import CachedOutput, NodeRun, Run


def cache_key(node: dict, names: dict[str, Any]) -> str:
    """The sha256 of the node's `cache.key` rendered with what its config sees.

    Raises ExpressionError when the key does not render.
    """
    template = node["cache"]["key"]
    rendered = expressions.render(template, names)
    try:
        text = (
            rendered
            if isinstance(rendered, str)
            else json.dumps(rendered, sort_keys=True, default=str)
        )
    except Exception as exc:  # an undefined name only raises once it is used
        raise expressions.ExpressionError(
            template, f"{type(exc).__name__}: {exc}"
        ) from exc
    return hashlib.sha256(text.encode()).hexdigest()


def lookup(workflow_id: int, node_id: str, key: str) -> CachedOutput | None:
    """The cached output, unless there is none or it has expired."""
    return CachedOutput.objects.filter(
        workflow_id=workflow_id,
        node_id=node_id,
        key=key,
        expires_at__gt=timezone.now(),
    ).first()


def hit_message(entry: CachedOutput) -> str:
    return (
        f"Output taken from the cache (stored {entry.created_at:%Y-%m-%d %H:%M:%S} "
        f"UTC, expires {entry.expires_at:%Y-%m-%d %H:%M:%S} UTC); the node did not run."
    )


def uncount_attempt(run: Run, node_id: str) -> None:
    """A write-queue operation: the node's `running` counted an attempt that
    a cache hit did not make."""
    NodeRun.objects.filter(run=run, node_id=node_id).update(attempt=F("attempt") - 1)


def remember(
    run: Run, node_id: str, key: str, ttl_s: float, output: Any, ports
) -> None:
    """A write-queue operation: store the output under the key, replacing what
    was there. One upsert, so runs finishing together cannot collide."""
    now = timezone.now()
    CachedOutput.objects.bulk_create(
        [
            CachedOutput(
                workflow_id=run.workflow_id,
                node_id=node_id,
                key=key,
                output=output,
                ports=list(ports),
                created_at=now,
                expires_at=now + timedelta(seconds=ttl_s),
            )
        ],
        update_conflicts=True,
        unique_fields=["workflow", "node_id", "key"],
        update_fields=["output", "ports", "created_at", "expires_at"],
    )
