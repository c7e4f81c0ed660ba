from django.db import models


class CachedOutput(models.Model):
    """A node's output kept for reuse by later runs with the same cache key."""

    workflow = models.ForeignKey(
        "workflows.Workflow", on_delete=models.CASCADE, related_name="+"
    )
    node_id = models.CharField(max_length=64)
    # sha256 of the rendered `cache.key` template.
    key = models.CharField(max_length=64)
    output = models.JSONField(null=True)
    ports = models.JSONField(default=list)
    created_at = models.DateTimeField(auto_now_add=True)
    expires_at = models.DateTimeField()

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["workflow", "node_id", "key"], name="unique_cached_output"
            )
        ]

    def __str__(self):
        return f"{self.node_id} [{self.key[:8]}] of {self.workflow_id}"
