"""human.review: waits, holding no thread, until a person approves or rejects."""

from workflows.engine import wakeups
from workflows.engine.write_queue import db_call
from workflows.models import NodeRun
from workflows.nodes.base import NodeError, NodeType

DECISIONS = ("approve", "reject")


class ReviewRejected(NodeError):
    """A reviewer said no; unless the node's error is handled, the run fails
    with the substatus `review_failed`."""


def review_key(run_id: int, node_id: str) -> tuple:
    """What a decision for this node wakes (see `wakeups`)."""
    return ("review", run_id, node_id)


class Review(NodeType):
    type = "human.review"
    name = "Review"
    category = "Human"
    description = (
        "Waits until a person approves or rejects in the run panel or through "
        "the API; a rejection fails the node."
    )
    config_schema = {
        "type": "object",
        "properties": {
            "message": {
                "type": "string",
                "description": "What the reviewer is asked; a template.",
                "default": "Please review this run.",
            },
        },
        "additionalProperties": False,
    }
    # Waits on the engine's loop, whatever runs the other nodes.
    in_engine = True

    async def execute(self, ctx):
        run_id, node_id = ctx.run_id, ctx.node_id
        # Decided before the executor that asked stopped: not asked twice.
        review = await db_call(_decision, run_id, node_id)
        if review is None:
            await ctx.set_waiting(str(ctx.config["message"]))
            review = await wakeups.wait_until(
                review_key(run_id, node_id),
                lambda: db_call(_decision, run_id, node_id),
            )
        if review["decision"] == "reject":
            comment = f": {review['comment']}" if review["comment"] else ""
            raise ReviewRejected(f"Rejected by {review['by']}{comment}")
        return {key: review[key] for key in ("decision", "by", "comment")}


def _decision(run_id: int, node_id: str) -> dict | None:
    """The node's stored review once it holds a decision, else None."""
    review = (
        NodeRun.objects.filter(run_id=run_id, node_id=node_id)
        .values_list("review", flat=True)
        .first()
    )
    return review if review and "decision" in review else None
