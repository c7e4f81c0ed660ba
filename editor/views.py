"""Pages that mount the React entry points."""

from django.contrib.auth.decorators import login_required
from django.shortcuts import render
from django.views.decorators.csrf import ensure_csrf_cookie

from workflows.selectors import workflow_get


@login_required
@ensure_csrf_cookie
def workflow_list(request):
    return render(request, "workflows/list.html")


@login_required
@ensure_csrf_cookie
def workflow_editor(request, workflow_id: int):
    workflow = workflow_get(user=request.user, workflow_id=workflow_id)
    return render(request, "workflows/editor.html", {"workflow": workflow})
