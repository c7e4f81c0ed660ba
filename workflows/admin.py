from django.contrib import admin, messages

from workflows.errors import InvalidState
from workflows.models import NodeRun, Run, RunEvent, Template, Workflow, WorkflowVersion
from workflows.services.concurrency import workflow_set_max_concurrent_runs
from workflows.services.runs import run_cancel


class ReadOnlyInline(admin.TabularInline):
    extra = 0
    can_delete = False
    show_change_link = False

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False


class VersionInline(ReadOnlyInline):
    model = WorkflowVersion
    fields = ["number", "author", "message", "checksum", "created_at"]
    readonly_fields = fields


@admin.register(Workflow)
class WorkflowAdmin(admin.ModelAdmin):
    list_display = [
        "name",
        "owner",
        "active_version",
        "max_concurrent_runs",
        "created_at",
        "updated_at",
    ]
    list_filter = ["owner", "created_at"]
    search_fields = ["name", "description", "owner__username"]
    raw_id_fields = ["owner"]
    readonly_fields = ["active_version", "created_at", "updated_at"]
    inlines = [VersionInline]

    def save_model(self, request, obj, form, change):
        super().save_model(request, obj, form, change)
        if change and "max_concurrent_runs" in form.changed_data:
            # A raised limit starts runs waiting for a slot.
            workflow_set_max_concurrent_runs(
                workflow=obj, max_concurrent_runs=obj.max_concurrent_runs
            )


@admin.register(WorkflowVersion)
class WorkflowVersionAdmin(admin.ModelAdmin):
    list_display = ["workflow", "number", "author", "message", "created_at"]
    list_filter = ["created_at"]
    search_fields = ["workflow__name", "message", "checksum"]

    def has_change_permission(self, request, obj=None):
        return False

    def has_add_permission(self, request):
        return False


@admin.register(Template)
class TemplateAdmin(admin.ModelAdmin):
    list_display = ["name", "category", "created_at"]
    list_filter = ["category"]
    search_fields = ["name", "description"]


class NodeRunInline(ReadOnlyInline):
    model = NodeRun
    fields = [
        "node_id",
        "status",
        "attempt",
        "started_at",
        "finished_at",
        "error",
        "review",
    ]
    readonly_fields = fields


@admin.register(Run)
class RunAdmin(admin.ModelAdmin):
    list_display = [
        "id",
        "workflow",
        "version",
        "status",
        "substatus",
        "priority",
        "started_by",
        "created_at",
        "finished_at",
    ]
    list_filter = ["status", "substatus", "created_at"]
    search_fields = ["id", "workflow__name", "error"]
    inlines = [NodeRunInline]
    actions = ["cancel_runs"]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    @admin.action(description="Cancel selected runs")
    def cancel_runs(self, request, queryset):
        cancelled = 0
        for run in queryset:
            try:
                run_cancel(run=run)
                cancelled += 1
            except InvalidState as exc:
                self.message_user(
                    request, f"Run {run.pk}: {exc.message}", messages.WARNING
                )
        if cancelled:
            self.message_user(
                request, f"Cancelled {cancelled} run(s).", messages.SUCCESS
            )


@admin.register(RunEvent)
class RunEventAdmin(admin.ModelAdmin):
    list_display = ["run", "seq", "type", "node_id", "status", "level", "message", "at"]
    list_filter = ["type", "status", "level"]
    search_fields = ["run__id", "node_id", "message"]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False
