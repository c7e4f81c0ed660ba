"""Small builders for specs in tests."""


def node(node_id: str, type_: str = "core.noop", **fields) -> dict:
    return {"id": node_id, "type": type_, **fields}


def edge(source: str, target: str, port: str | None = None) -> dict:
    return {
        "source": source,
        "target": target,
        **({"source_port": port} if port else {}),
    }


def chain(*node_ids: str) -> list[dict]:
    return [edge(a, b) for a, b in zip(node_ids, node_ids[1:], strict=False)]


def make_spec(nodes: list[dict], edges: list[dict], **sections) -> dict:
    return {
        "format": 1,
        "nodes": [node("start", "core.start"), *nodes],
        "edges": edges,
        **sections,
    }
