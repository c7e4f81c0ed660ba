"""The Celery app of the distributed mode: its workers run node attempts."""

import logging
import os

from celery import Celery
from celery.signals import setup_logging

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "editor.settings")

app = Celery("editor")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()


@setup_logging.connect
def keep_django_logging(loglevel=None, **kwargs):
    """Leave logging as Django's LOGGING set it up: Celery's own set-up would
    impose the worker's --loglevel on every logger, and what a node logs
    would depend on how its worker was started. --loglevel sets the level of
    Celery's own messages only."""
    if loglevel:
        logging.getLogger("celery").setLevel(loglevel)
