import pytest

from tests.specs import chain, make_spec, node
from workflows.models import Workflow, WorkflowVersion

pytestmark = pytest.mark.django_db


def log_spec(message="hello"):
    return make_spec(
        [node("say", "core.log", config={"message": message})], chain("start", "say")
    )


def create(client, **body):
    return client.post("/api/workflows/", {"name": "Orders", **body}, format="json")


def test_creating_a_workflow_stores_version_1(as_alice):
    response = create(as_alice, spec=log_spec())
    assert response.status_code == 201, response.json()
    body = response.json()
    assert body["version"] == 1
    assert body["spec"] == log_spec()
    assert body["owner"] == "alice"


def test_a_workflow_without_spec_starts_with_a_start_node(as_alice):
    body = create(as_alice).json()
    assert [n["type"] for n in body["spec"]["nodes"]] == ["core.start"]


def test_saving_a_spec_adds_a_version_and_keeps_the_old_one(as_alice):
    workflow = create(as_alice, spec=log_spec("one")).json()
    response = as_alice.patch(
        f"/api/workflows/{workflow['id']}/",
        {"spec": log_spec("two"), "base_version": 1, "message": "v2"},
        format="json",
    )
    assert response.status_code == 200, response.json()
    assert response.json()["version"] == 2
    versions = as_alice.get(f"/api/workflows/{workflow['id']}/versions/").json()
    assert [v["number"] for v in versions] == [2, 1]
    old = as_alice.get(f"/api/workflows/{workflow['id']}/versions/1/").json()
    assert old["spec"] == log_spec("one")


def test_saving_from_an_old_version_is_a_409_and_stores_nothing(as_alice):
    workflow = create(as_alice, spec=log_spec("one")).json()
    url = f"/api/workflows/{workflow['id']}/"
    as_alice.patch(url, {"spec": log_spec("two"), "base_version": 1}, format="json")
    response = as_alice.patch(
        url, {"spec": log_spec("three"), "base_version": 1}, format="json"
    )
    assert response.status_code == 409
    assert response.json()["code"] == "version_conflict"
    assert response.json()["latest_version"] == 2
    assert WorkflowVersion.objects.filter(workflow_id=workflow["id"]).count() == 2
    assert as_alice.get(url).json()["spec"] == log_spec("two")


def test_a_spec_without_base_version_is_refused_naming_the_field(as_alice):
    workflow = create(as_alice).json()
    response = as_alice.patch(
        f"/api/workflows/{workflow['id']}/", {"spec": log_spec()}, format="json"
    )
    assert response.status_code == 400
    assert response.json()["field"] == "base_version"


def test_an_invalid_spec_is_a_400_naming_the_node_and_nothing_is_stored(as_alice):
    workflow = create(as_alice, spec=log_spec()).json()
    bad = make_spec([node("x", "acme.nothing")], chain("start", "x"))
    response = as_alice.patch(
        f"/api/workflows/{workflow['id']}/",
        {"spec": bad, "base_version": 1},
        format="json",
    )
    assert response.status_code == 400
    body = response.json()
    assert body["code"] == "invalid_spec"
    assert body["errors"][0]["node"] == "x"
    assert body["errors"][0]["field"] == "type"
    assert WorkflowVersion.objects.filter(workflow_id=workflow["id"]).count() == 1


def test_creating_with_an_invalid_spec_creates_nothing(as_alice):
    response = create(as_alice, spec={"format": 1, "nodes": [], "edges": []})
    assert response.status_code == 400
    assert response.json()["errors"][0]["code"] == "missing_start"
    assert not Workflow.objects.exists()


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"name": "x", "colour": "red"}, "colour"),
        ({"name": ""}, "name"),
        ({"name": "x", "spec": "not a spec"}, "spec"),
        ({}, "name"),
    ],
)
def test_bad_fields_are_a_400_naming_the_field(as_alice, body, field):
    response = as_alice.post("/api/workflows/", body, format="json")
    assert response.status_code == 400
    assert response.json()["field"] == field


def test_malformed_json_is_a_400_with_a_json_body(as_alice):
    response = as_alice.post(
        "/api/workflows/", "{not json", content_type="application/json"
    )
    assert response.status_code == 400
    assert response.json()["code"] == "parse_error"


def test_validate_reports_errors_without_storing(as_alice):
    bad = make_spec(
        [node("a"), node("b")],
        [*chain("start", "a", "b"), {"source": "b", "target": "a"}],
    )
    response = as_alice.post("/api/workflows/validate/", {"spec": bad}, format="json")
    assert response.status_code == 200
    assert response.json()["valid"] is False
    assert {e["node"] for e in response.json()["errors"]} == {"a", "b"}
    ok = as_alice.post("/api/workflows/validate/", {"spec": log_spec()}, format="json")
    assert ok.json() == {"valid": True, "errors": []}


def test_deleting_a_workflow(as_alice):
    workflow = create(as_alice).json()
    assert as_alice.delete(f"/api/workflows/{workflow['id']}/").status_code == 204
    assert not Workflow.objects.exists()


def test_each_user_sees_only_their_own_workflows_and_staff_see_all(
    as_alice, as_bob, as_charlie
):
    workflow = create(as_alice).json()
    url = f"/api/workflows/{workflow['id']}/"
    assert as_alice.get("/api/workflows/").json()["count"] == 1
    assert as_bob.get("/api/workflows/").json()["count"] == 1
    assert as_bob.get(url).status_code == 200
    assert as_charlie.get("/api/workflows/").json()["count"] == 0
    assert as_charlie.get(url).status_code == 404
    assert as_charlie.patch(url, {"name": "mine"}, format="json").status_code == 404
    assert as_charlie.delete(url).status_code == 404
    assert Workflow.objects.get().name == "Orders"


def test_anonymous_requests_are_refused(client):
    response = client.get("/api/workflows/")
    assert response.status_code in (401, 403)
    assert response.json()["code"] == "not_authenticated"


def test_token_auth_works_for_scripts(alice, client):
    from rest_framework.authtoken.models import Token

    token = Token.objects.create(user=alice)
    response = client.get("/api/workflows/", HTTP_AUTHORIZATION=f"Token {token.key}")
    assert response.status_code == 200


def test_node_types_are_listed_with_schema_and_ports(as_alice):
    types = {t["type"]: t for t in as_alice.get("/api/node-types/").json()}
    assert {
        "core.start",
        "core.noop",
        "core.log",
        "core.set",
        "core.fail",
        "core.delay",
        "logic.condition",
        "logic.merge",
    } <= set(types)
    assert types["logic.condition"]["ports"] == {
        "inputs": ["in"],
        "outputs": ["true", "false"],
        "from_config": None,
    }
    assert types["core.start"]["ports"]["inputs"] == []
    assert "message" in types["core.log"]["config_schema"]["properties"]
    assert types["logic.merge"]["default_trigger_rule"] == "none_failed_min_one_success"
    assert types["core.log"]["default_trigger_rule"] == "all_success"


def test_node_types_from_installed_packages_are_listed(as_alice):
    # tests/plugins holds a distribution whose `flowdesk.nodes` entry point
    # names these types, as a third-party package would.
    types = {t["type"]: t for t in as_alice.get("/api/node-types/").json()}
    assert types["testing.flaky"]["category"] == "Testing"


def test_the_openapi_schema_is_served(as_alice):
    response = as_alice.get("/api/schema/")
    assert response.status_code == 200
    assert b"/api/workflows/{id}/runs/" in response.content
