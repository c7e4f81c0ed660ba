from rest_framework import serializers

from workflows.engine import breakpoints
from workflows.events import event_payload
from workflows.models import NodeRun, Run, RunEvent, Workflow, WorkflowVersion
from workflows.services.runs import PRIORITY_RANGE

# A bound on a typo, not on capacity.
MAX_CONCURRENT_RUNS = 10_000


class StrictSerializer(serializers.Serializer):
    """Refuses fields it does not know, so a typo is an error, not a silent no-op."""

    def to_internal_value(self, data):
        if isinstance(data, dict):
            unknown = sorted(set(data) - set(self.fields))
            if unknown:
                raise serializers.ValidationError(
                    {name: ["Unknown field."] for name in unknown}
                )
        return super().to_internal_value(data)


class SpecField(serializers.JSONField):
    def to_internal_value(self, data):
        if not isinstance(data, dict):
            raise serializers.ValidationError(
                "Must be a JSON object (a workflow spec)."
            )
        return data


class WorkflowSerializer(serializers.ModelSerializer):
    owner = serializers.CharField(source="owner.get_username", read_only=True)
    version = serializers.IntegerField(source="active_version.number", read_only=True)

    class Meta:
        model = Workflow
        fields = [
            "id",
            "name",
            "description",
            "owner",
            "version",
            "max_concurrent_runs",
            "created_at",
            "updated_at",
        ]


class WorkflowDetailSerializer(WorkflowSerializer):
    spec = serializers.JSONField(source="active_version.spec", read_only=True)

    class Meta(WorkflowSerializer.Meta):
        fields = [*WorkflowSerializer.Meta.fields, "spec"]


def _max_concurrent_runs_field():
    return serializers.IntegerField(
        required=False,
        allow_null=True,
        min_value=1,
        max_value=MAX_CONCURRENT_RUNS,
        help_text="How many runs may run at once; null: no limit.",
    )


class WorkflowCreateSerializer(StrictSerializer):
    name = serializers.CharField(max_length=200)
    max_concurrent_runs = _max_concurrent_runs_field()
    description = serializers.CharField(required=False, allow_blank=True, default="")
    spec = SpecField(required=False)
    message = serializers.CharField(
        required=False, allow_blank=True, max_length=500, default=""
    )


class WorkflowUpdateSerializer(StrictSerializer):
    name = serializers.CharField(max_length=200, required=False)
    max_concurrent_runs = _max_concurrent_runs_field()
    description = serializers.CharField(required=False, allow_blank=True)
    spec = SpecField(required=False)
    base_version = serializers.IntegerField(required=False, min_value=0)
    message = serializers.CharField(
        required=False, allow_blank=True, max_length=500, default=""
    )

    def validate(self, attrs):
        if "spec" in attrs and "base_version" not in attrs:
            raise serializers.ValidationError(
                {"base_version": ["Required with spec: the version you edited."]}
            )
        return attrs


class SpecCheckSerializer(StrictSerializer):
    spec = serializers.JSONField()


class VersionSerializer(serializers.ModelSerializer):
    author = serializers.CharField(
        source="author.get_username", read_only=True, default=None
    )

    class Meta:
        model = WorkflowVersion
        fields = ["number", "checksum", "format", "author", "message", "created_at"]


class VersionDetailSerializer(VersionSerializer):
    class Meta(VersionSerializer.Meta):
        fields = [*VersionSerializer.Meta.fields, "spec"]


class RunStartSerializer(StrictSerializer):
    inputs = serializers.DictField(required=False, default=dict)
    priority = serializers.IntegerField(
        required=False,
        default=0,
        min_value=PRIORITY_RANGE[0],
        max_value=PRIORITY_RANGE[1],
        help_text="Among runs waiting to start, higher starts first.",
    )


class NodeRunSerializer(serializers.ModelSerializer):
    class Meta:
        model = NodeRun
        fields = [
            "node_id",
            "status",
            "attempt",
            "started_at",
            "finished_at",
            "error",
            "error_type",
            "output",
            "review",
        ]


class RunSerializer(serializers.ModelSerializer):
    version = serializers.IntegerField(source="version.number", read_only=True)

    class Meta:
        model = Run
        fields = [
            "id",
            "workflow",
            "version",
            "status",
            "substatus",
            "priority",
            "inputs",
            "error",
            "created_at",
            "started_at",
            "finished_at",
        ]


class ChildRunSerializer(serializers.ModelSerializer):
    """A run started by one of this run's core.subworkflow nodes."""

    class Meta:
        model = Run
        fields = ["id", "workflow", "parent_node_id", "status", "substatus"]


class RunDetailSerializer(RunSerializer):
    nodes = NodeRunSerializer(source="node_runs", many=True, read_only=True)
    children = ChildRunSerializer(many=True, read_only=True)
    # The run's variables as its writes left them (saved after every node).
    variables = serializers.DictField(source="context.vars", read_only=True)
    # The nodes a run paused at a breakpoint waits before; [] otherwise.
    stopped_before = serializers.SerializerMethodField()

    class Meta(RunSerializer.Meta):
        fields = [
            *RunSerializer.Meta.fields,
            "variables",
            "stopped_before",
            "parent",
            "parent_node_id",
            "children",
            "nodes",
        ]

    def get_stopped_before(self, run) -> list[str]:
        return breakpoints.stopped_before(run)


class ReviewDecisionSerializer(StrictSerializer):
    decision = serializers.ChoiceField(choices=["approve", "reject"])
    comment = serializers.CharField(
        required=False, allow_blank=True, max_length=2000, default=""
    )


class RunEventSerializer(serializers.ModelSerializer):
    """One event, the same in the REST answer and on the websocket."""

    run_id = serializers.IntegerField()

    class Meta:
        model = RunEvent
        fields = [
            "seq",
            "type",
            "run_id",
            "node_id",
            "scope",
            "status",
            "substatus",
            "at",
            "level",
            "message",
        ]

    def to_representation(self, instance):
        # The fields above document the shape; one function builds it for both.
        return event_payload(instance)


class NodeTypeSerializer(serializers.Serializer):
    type = serializers.CharField()
    version = serializers.IntegerField()
    name = serializers.CharField()
    category = serializers.CharField()
    description = serializers.CharField()
    config_schema = serializers.JSONField()
    # The rule a node of this type follows when it names none.
    default_trigger_rule = serializers.CharField()
    permissions = serializers.SerializerMethodField()
    ports = serializers.SerializerMethodField()

    def get_permissions(self, node_type) -> list[str]:
        return sorted(node_type.permissions)

    def get_ports(self, node_type) -> dict:
        # from_config: the rule naming the output ports from a node's config
        # (see NodeType.ports_from_config); null when `outputs` are all there is.
        rule = node_type.ports_from_config
        return {
            "inputs": list(node_type.inputs),
            "outputs": list(node_type.outputs),
            "from_config": dict(rule) if rule is not None else None,
        }
