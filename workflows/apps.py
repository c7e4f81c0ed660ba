import logging

from django.apps import AppConfig


class WorkflowsConfig(AppConfig):
    name = "workflows"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self):
        from workflows.engine.attempt import NodeLogHandler

        root = logging.getLogger()
        if not any(isinstance(h, NodeLogHandler) for h in root.handlers):
            root.addHandler(NodeLogHandler())
