"""The Celery task of the distributed mode: one node attempt on a worker."""

import asyncio
import logging

import redis
from celery import shared_task
from django.conf import settings

from workflows.engine import store
from workflows.engine.attempt import NodeResult, allowed_env, run_attempt
from workflows.engine.dispatch import REPLY_TTL_S, reply_message
from workflows.engine.write_queue import WriteQueue
from workflows.nodes.registry import resolve

logger = logging.getLogger(__name__)
_replies: redis.Redis | None = None


@shared_task(name="flowdesk.run_node_attempt", ignore_result=True)
def run_node_attempt(request: dict) -> None:
    """Run the attempt, store what the node logs, and reply to its executor.

    It always replies: an executor waits for every attempt it sent.
    """
    try:
        result = asyncio.run(_attempt(request))
    except Exception as exc:
        logger.exception("node %s of run %s", request["node"]["id"], request["run_id"])
        result = NodeResult().fail(exc, f"the worker could not run the node: {exc}")
    _reply(request["reply_to"], reply_message(request["id"], result))


async def _attempt(request: dict) -> NodeResult:
    node = request["node"]
    writes = WriteQueue(request["run_id"], asyncio.get_running_loop())
    try:
        return await run_attempt(
            run_id=request["run_id"],
            attempt=request["attempt"],
            node=node,
            node_type=resolve(node["type"]),
            names={**request["names"], "nodes": request["nodes"], "env": allowed_env()},
            declared_variables=request["declared_variables"],
            log=lambda level, message: writes.put_threadsafe(
                store.log, node["id"], level, message
            ),
        )
    finally:
        await writes.close()  # the log lines are stored before the reply


def _reply(key: str, message: str) -> None:
    global _replies
    if _replies is None:
        _replies = redis.Redis.from_url(settings.REDIS_URL)
    with _replies.pipeline() as pipe:
        pipe.rpush(key, message).expire(key, REPLY_TTL_S).execute()
