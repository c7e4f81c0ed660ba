"""Pages that mount the React entry points."""

from django.contrib.auth.decorators import login_required
from django.shortcuts import render
from django.views.decorators.csrf import ensure_csrf_cookie

from workflows.api.serializers import NodeTypeSerializer, WorkflowDetailSerializer
from workflows.nodes.registry import sorted_node_types
from workflows.selectors import workflow_get


@login_required
@ensure_csrf_cookie
def workflow_list(request):
    return render(request, "workflows/list.html")


@login_required
@ensure_csrf_cookie
def workflow_editor(request, workflow_id: int):
    workflow = workflow_get(user=request.user, workflow_id=workflow_id)
    # The editor's first API answers, embedded so the canvas renders without
    # waiting for two round trips after the script has loaded.
    initial = {
        "workflow": WorkflowDetailSerializer(workflow).data,
        "node_types": NodeTypeSerializer(sorted_node_types(), many=True).data,
    }
    return render(
        request, "workflows/editor.html", {"workflow": workflow, "initial": initial}
    )
