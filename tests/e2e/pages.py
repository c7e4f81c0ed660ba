"""Steps the browser tests share."""


def csrf_token(page) -> str:
    return next(c["value"] for c in page.context.cookies() if c["name"] == "csrftoken")


def open_new_workflow(page, name: str, spec: dict) -> dict:
    """Create a workflow through the API as the logged-in user and open it."""
    workflow = page.request.post(
        "/api/workflows/",
        data={"name": name, "spec": spec},
        headers={"X-CSRFToken": csrf_token(page)},
    ).json()
    page.goto(f"/workflows/{workflow['id']}/")
    return workflow
