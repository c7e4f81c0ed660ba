"""A bad configuration value stops start-up with a message naming the variable."""

import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]


def start_django(**env) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-c", "import django; django.setup()"],
        cwd=ROOT,
        env={**os.environ, "DJANGO_SETTINGS_MODULE": "editor.settings", **env},
        capture_output=True,
        text=True,
        timeout=60,
    )


@pytest.mark.parametrize(
    ("name", "value"),
    [
        ("DEBUG", "perhaps"),
        ("DATABASE_URL", "nonsense://x"),
        ("REDIS_URL", "http://127.0.0.1:6379"),
    ],
)
def test_a_bad_value_stops_start_up_naming_the_variable(name, value):
    result = start_django(**{name: value})
    assert result.returncode != 0
    assert "ImproperlyConfigured" in result.stderr
    assert name in result.stderr


def test_good_values_start():
    result = start_django(DEBUG="1", ALLOWED_HOSTS="flowdesk.example,localhost")
    assert result.returncode == 0, result.stderr
