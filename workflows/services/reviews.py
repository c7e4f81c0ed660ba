"""Writes of review decisions: a person approves or rejects a human.review node."""

from django.db import transaction
from django.shortcuts import get_object_or_404
from django.utils import timezone

from workflows.engine import store, wakeups
from workflows.errors import InvalidState
from workflows.models import Run
from workflows.nodes.builtins.review import Review, review_key


def review_decide(*, run: Run, node_id: str, decision: str, comment: str, user):
    """Store the decision under the run's row lock; the waiting node, in
    whichever process drives the run, then finishes. The stored review."""
    node_run = get_object_or_404(run.node_runs, node_id=node_id)
    node_type = next(
        (n["type"] for n in run.version.spec["nodes"] if n["id"] == node_id), ""
    )
    if node_type.partition("@")[0] != Review.type:
        raise InvalidState(
            f"Node {node_id!r} is a {node_type} node; only {Review.type} nodes "
            "take review decisions.",
            status=node_run.status,
        )
    [review] = store.apply(
        run.pk,
        [
            (
                store.record_review,
                (
                    node_id,
                    {
                        "decision": decision,
                        "by": user.get_username(),
                        "comment": comment,
                        "at": timezone.now().isoformat(),
                    },
                ),
            )
        ],
    )
    transaction.on_commit(lambda: wakeups.wake(review_key(run.pk, node_id)))
    return review
