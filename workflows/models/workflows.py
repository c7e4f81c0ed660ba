from django.conf import settings
from django.db import models


class ImmutableError(Exception):
    pass


class Workflow(models.Model):
    name = models.CharField(max_length=200)
    description = models.TextField(blank=True)
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="workflows"
    )
    active_version = models.ForeignKey(
        "WorkflowVersion",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    # How many runs may be running at once; the rest wait as awaiting_slot.
    max_concurrent_runs = models.PositiveIntegerField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-updated_at", "-id"]
        # Granted to users (or groups) in the admin; see FLOWDESK's
        # GRANTED_NODE_PERMISSIONS for what everyone has.
        permissions = [
            ("node_network", "Can use nodes that reach the network"),
            ("node_filesystem", "Can use nodes that read or write files"),
            ("node_subprocess", "Can use nodes that start processes"),
            ("node_code", "Can use nodes that run code"),
        ]

    def __str__(self):
        return self.name


class WorkflowVersion(models.Model):
    """One saved spec of a workflow; never changed once written."""

    workflow = models.ForeignKey(
        Workflow, on_delete=models.CASCADE, related_name="versions"
    )
    number = models.PositiveIntegerField()
    spec = models.JSONField()
    format = models.PositiveSmallIntegerField()
    checksum = models.CharField(max_length=64)
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    message = models.CharField(max_length=500, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["workflow", "-number"]
        constraints = [
            models.UniqueConstraint(
                fields=["workflow", "number"], name="unique_version_number"
            )
        ]

    def __str__(self):
        return f"{self.workflow} v{self.number}"

    def save(self, *args, **kwargs):
        if not self._state.adding:
            raise ImmutableError("a workflow version cannot be changed once saved")
        super().save(*args, **kwargs)
