from django.urls import path
from rest_framework.routers import DefaultRouter

from workflows.api.views import NodeTypeList, RunViewSet, WorkflowViewSet

router = DefaultRouter()
router.register("workflows", WorkflowViewSet, basename="workflow")
router.register("runs", RunViewSet, basename="run")

urlpatterns = [
    path("node-types/", NodeTypeList.as_view(), name="node-types"),
    *router.urls,
]
