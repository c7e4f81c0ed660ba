from workflows.models.cache import CachedOutput
from workflows.models.runs import NodeRun, Run, RunEvent
from workflows.models.templates import Template
from workflows.models.workflows import Workflow, WorkflowVersion

__all__ = [
    "CachedOutput",
    "NodeRun",
    "Run",
    "RunEvent",
    "Template",
    "Workflow",
    "WorkflowVersion",
]
