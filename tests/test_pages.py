import json
import re

import pytest

from workflows.services.workflows import workflow_create

pytestmark = pytest.mark.django_db


def test_pages_ask_anonymous_users_to_log_in(client):
    for url in ("/", "/workflows/1/"):
        response = client.get(url)
        assert response.status_code == 302
        assert response["Location"].startswith("/accounts/login/")


def test_the_editor_embeds_the_workflow_and_node_types(client, alice):
    workflow = workflow_create(owner=alice, name="Embedded")
    client.force_login(alice)
    html = client.get(f"/workflows/{workflow.pk}/").content.decode()
    script = re.search(
        r'<script id="editor-initial" type="application/json">(.*?)</script>',
        html,
        re.S,
    )
    initial = json.loads(script[1])
    assert initial["workflow"]["id"] == workflow.pk
    assert initial["workflow"]["spec"]["nodes"][0]["type"] == "core.start"
    assert "logic.condition" in {t["type"] for t in initial["node_types"]}
    assert 'src="/static/assets/' in html


def test_someone_elses_workflow_is_not_found(client, alice, charlie):
    workflow = workflow_create(owner=alice, name="Private")
    client.force_login(charlie)
    assert client.get(f"/workflows/{workflow.pk}/").status_code == 404


def test_hashed_assets_are_cached_for_good(client, alice):
    client.force_login(alice)
    html = client.get("/").content.decode()
    asset = re.search(r'src="(/static/assets/[^"]+\.js)"', html)[1]
    response = client.get(asset)
    assert response.status_code == 200
    assert "immutable" in response["Cache-Control"]
