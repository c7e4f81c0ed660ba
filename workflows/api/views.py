"""Thin HTTP interfaces over the services and selectors."""

from django.db import transaction
from django.shortcuts import get_object_or_404
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import mixins, status, viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import ValidationError
from rest_framework.response import Response
from rest_framework.views import APIView

from workflows import selectors
from workflows.api import serializers as s
from workflows.nodes.registry import sorted_node_types
from workflows.permissions import granted_node_permissions
from workflows.services import concurrency as concurrency_services
from workflows.services import reviews as review_services
from workflows.services import runs as run_services
from workflows.services import workflows as workflow_services
from workflows.services.error_workflows import error_workflow_errors
from workflows.spec.validation import validate_spec


class NodeTypeList(APIView):
    @extend_schema(responses=s.NodeTypeSerializer(many=True))
    def get(self, request):
        return Response(s.NodeTypeSerializer(sorted_node_types(), many=True).data)


def _valid(serializer_class, request):
    serializer = serializer_class(data=request.data)
    serializer.is_valid(raise_exception=True)
    return serializer.validated_data


_UNCHANGED = object()


def _pop_limit(data: dict):
    """`max_concurrent_runs` out of a request's data; null lifts the limit."""
    return data.pop("max_concurrent_runs", _UNCHANGED)


def _save_limit(workflow, limit) -> None:
    if limit is not _UNCHANGED:
        concurrency_services.workflow_set_max_concurrent_runs(
            workflow=workflow, max_concurrent_runs=limit
        )


class WorkflowViewSet(
    mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet
):
    serializer_class = s.WorkflowSerializer

    def get_queryset(self):
        workflows = selectors.workflows_visible_to(self.request.user)
        # The list answers without specs; do not load them.
        return (
            workflows.defer("active_version__spec")
            if self.action == "list"
            else workflows
        )

    def get_serializer_class(self):
        return (
            s.WorkflowSerializer
            if self.action == "list"
            else s.WorkflowDetailSerializer
        )

    @extend_schema(
        request=s.WorkflowCreateSerializer, responses={201: s.WorkflowDetailSerializer}
    )
    def create(self, request):
        data = dict(_valid(s.WorkflowCreateSerializer, request))
        limit = _pop_limit(data)
        with transaction.atomic():
            workflow = workflow_services.workflow_create(owner=request.user, **data)
            _save_limit(workflow, limit)
        return Response(
            s.WorkflowDetailSerializer(workflow).data, status=status.HTTP_201_CREATED
        )

    @extend_schema(
        request=s.WorkflowUpdateSerializer, responses=s.WorkflowDetailSerializer
    )
    def partial_update(self, request, pk=None):
        data = dict(_valid(s.WorkflowUpdateSerializer, request))
        limit = _pop_limit(data)
        with transaction.atomic():
            workflow = workflow_services.workflow_update(
                workflow=self.get_object(), user=request.user, **data
            )
            _save_limit(workflow, limit)
        return Response(s.WorkflowDetailSerializer(workflow).data)

    def destroy(self, request, pk=None):
        workflow_services.workflow_delete(workflow=self.get_object())
        return Response(status=status.HTTP_204_NO_CONTENT)

    @extend_schema(responses=s.VersionSerializer(many=True))
    @action(detail=True, methods=["get"])
    def versions(self, request, pk=None):
        versions = self.get_object().versions.select_related("author")
        return Response(s.VersionSerializer(versions, many=True).data)

    @extend_schema(responses=s.VersionDetailSerializer)
    @action(detail=True, methods=["get"], url_path=r"versions/(?P<number>\d+)")
    def version(self, request, pk=None, number=None):
        version = get_object_or_404(self.get_object().versions, number=number)
        return Response(s.VersionDetailSerializer(version).data)

    @extend_schema(request=s.SpecCheckSerializer)
    @action(detail=False, methods=["post"])
    def validate(self, request):
        spec = _valid(s.SpecCheckSerializer, request)["spec"]
        errors = validate_spec(spec, granted=granted_node_permissions(request.user))
        errors = errors or error_workflow_errors(spec, owner=request.user)
        return Response({"valid": not errors, "errors": [e.as_dict() for e in errors]})

    @extend_schema(request=s.RunStartSerializer, responses={201: s.RunDetailSerializer})
    @action(detail=True, methods=["post"])
    def runs(self, request, pk=None):
        run = run_services.run_start(
            workflow=self.get_object(),
            user=request.user,
            **_valid(s.RunStartSerializer, request),
        )
        return Response(s.RunDetailSerializer(run).data, status=status.HTTP_201_CREATED)


@extend_schema(
    parameters=[
        OpenApiParameter("workflow", int, description="only runs of this workflow"),
        OpenApiParameter("status", str, description="only runs with this status"),
    ]
)
class RunViewSet(viewsets.ReadOnlyModelViewSet):
    def get_queryset(self):
        workflow = self.request.query_params.get("workflow")
        return selectors.run_list(
            user=self.request.user,
            workflow_id=_int_param("workflow", workflow) if workflow else None,
            status=self.request.query_params.get("status"),
        )

    def get_serializer_class(self):
        return s.RunSerializer if self.action == "list" else s.RunDetailSerializer

    @extend_schema(request=None, responses=s.RunDetailSerializer)
    @action(detail=True, methods=["post"])
    def cancel(self, request, pk=None):
        return self._control(run_services.run_cancel)

    @extend_schema(request=None, responses={202: s.RunDetailSerializer})
    @action(detail=True, methods=["post"])
    def pause(self, request, pk=None):
        return self._control(run_services.run_pause, status.HTTP_202_ACCEPTED)

    @extend_schema(request=None, responses={202: s.RunDetailSerializer})
    @action(detail=True, methods=["post"])
    def resume(self, request, pk=None):
        return self._control(run_services.run_resume, status.HTTP_202_ACCEPTED)

    @extend_schema(request=None, responses={202: s.RunDetailSerializer})
    @action(detail=True, methods=["post"])
    def retry(self, request, pk=None):
        return self._control(run_services.run_retry, status.HTTP_202_ACCEPTED)

    @extend_schema(
        request=s.ReviewDecisionSerializer,
        responses=s.RunDetailSerializer,
        description="Approve or reject a waiting human.review node; it then "
        "finishes (a rejection fails it with the error type ReviewRejected).",
    )
    @action(
        detail=True,
        methods=["post"],
        url_path=r"nodes/(?P<node_id>[^/]+)/review",
        url_name="node-review",
    )
    def review(self, request, pk=None, node_id=None):
        run = self.get_object()
        review_services.review_decide(
            run=run,
            node_id=node_id,
            user=request.user,
            **_valid(s.ReviewDecisionSerializer, request),
        )
        run.refresh_from_db()
        return Response(s.RunDetailSerializer(run).data)

    def _control(self, service, status_code=status.HTTP_200_OK):
        run = service(run=self.get_object())
        return Response(s.RunDetailSerializer(run).data, status=status_code)

    @extend_schema(
        parameters=[
            OpenApiParameter("after", int, description="only events after this seq")
        ],
        responses=s.RunEventSerializer(many=True),
    )
    @action(detail=True, methods=["get"])
    def events(self, request, pk=None):
        after = _int_param("after", request.query_params.get("after", "0"))
        events = self.get_object().events.filter(seq__gt=after)
        return Response({"results": s.RunEventSerializer(events, many=True).data})


def _int_param(name: str, raw: str) -> int:
    try:
        return int(raw)
    except ValueError:
        raise ValidationError({name: ["Must be an integer."]}) from None
