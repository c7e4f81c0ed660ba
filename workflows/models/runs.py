from django.conf import settings
from django.db import models

from workflows.engine.states import FINISHED_RUN, NodeStatus, RunStatus


def _choices(enum):
    return [(member.value, member.value.replace("_", " ")) for member in enum]


RUN_STATUS_CHOICES = _choices(RunStatus)
NODE_STATUS_CHOICES = _choices(NodeStatus)


class Run(models.Model):
    workflow = models.ForeignKey(
        "workflows.Workflow", on_delete=models.CASCADE, related_name="runs"
    )
    version = models.ForeignKey(
        "workflows.WorkflowVersion", on_delete=models.PROTECT, related_name="runs"
    )
    status = models.CharField(
        max_length=20, choices=RUN_STATUS_CHOICES, default=RunStatus.PENDING
    )
    substatus = models.CharField(max_length=30, blank=True)
    inputs = models.JSONField(default=dict)
    # Among queued runs, higher priorities start first.
    priority = models.IntegerField(default=0)
    # The run of a core.subworkflow node that started this one.
    parent = models.ForeignKey(
        "self",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="children",
    )
    parent_node_id = models.CharField(max_length=64, blank=True)
    # Workflow variables as the run left them; written after every node.
    context = models.JSONField(default=dict)
    error = models.TextField(blank=True)
    started_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    # The seq of the newest RunEvent; bumped under the run's row lock.
    last_seq = models.PositiveIntegerField(default=0)
    # The executor driving the run holds a lease and renews it while alive;
    # once it expires, another executor may take the run over.
    lease_owner = models.CharField(max_length=200, blank=True)
    lease_expires_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(fields=["workflow", "status"]),
            models.Index(fields=["status", "lease_expires_at"]),
            models.Index(fields=["status", "-priority", "created_at"]),
        ]

    def __str__(self):
        return f"run {self.pk} of {self.workflow_id}"

    @property
    def is_finished(self) -> bool:
        return self.status in FINISHED_RUN


class NodeRun(models.Model):
    run = models.ForeignKey(Run, on_delete=models.CASCADE, related_name="node_runs")
    node_id = models.CharField(max_length=64)
    status = models.CharField(
        max_length=20, choices=NODE_STATUS_CHOICES, default=NodeStatus.PENDING
    )
    attempt = models.PositiveIntegerField(default=0)
    output = models.JSONField(null=True, blank=True)
    # The output ports a succeeded node sent data out of (a condition's true/false).
    ports = models.JSONField(default=list, blank=True)
    # The variables the node set, and when: the run's write counter, which
    # decides the value where branches that both set it join.
    variables = models.JSONField(null=True, blank=True)
    variables_seq = models.PositiveIntegerField(default=0)
    error = models.TextField(blank=True)
    error_type = models.CharField(max_length=100, blank=True)
    # A human.review node's decision: who, when, approve or reject, comment.
    review = models.JSONField(null=True, blank=True)
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["run", "id"]
        constraints = [
            models.UniqueConstraint(fields=["run", "node_id"], name="unique_node_run")
        ]

    def __str__(self):
        return f"{self.node_id} in run {self.run_id}"


class RunEvent(models.Model):
    class Type(models.TextChoices):
        RUN_STATUS = "run.status"
        NODE_STATUS = "node.status"
        LOG = "log"

    run = models.ForeignKey(Run, on_delete=models.CASCADE, related_name="events")
    seq = models.PositiveIntegerField()
    type = models.CharField(max_length=20, choices=Type.choices)
    node_id = models.CharField(max_length=64, blank=True)
    # Where inside the run: a loop iteration ("each[3]"); empty at the top level.
    scope = models.CharField(max_length=200, blank=True)
    status = models.CharField(max_length=20, blank=True)
    substatus = models.CharField(max_length=30, blank=True)
    level = models.CharField(max_length=10, blank=True)
    message = models.TextField(blank=True)
    at = models.DateTimeField()

    class Meta:
        ordering = ["run", "seq"]
        constraints = [
            models.UniqueConstraint(fields=["run", "seq"], name="unique_event_seq")
        ]

    def __str__(self):
        return f"#{self.seq} {self.type} of run {self.run_id}"
