import { describe, expect, it } from "vitest";
import type { Spec } from "../../api/types";
import { nodeTypes, richSpec } from "../../test/fixtures";
import { withField } from "./specFields";
import { defaultConfig, flowToSpec, newFlowNode, nextNodeId, specToFlow } from "./specMapping";

describe("spec ↔ flow mapping", () => {
  it("round-trips a spec with every field unchanged", () => {
    const spec = richSpec();
    const back = flowToSpec(specToFlow(structuredClone(spec)));
    expect(back).toStrictEqual(spec);
  });

  it("round-trips byte for byte once keys are sorted", () => {
    const spec = richSpec();
    const sorted = (value: unknown): unknown =>
      Array.isArray(value)
        ? value.map(sorted)
        : value && typeof value === "object"
          ? Object.fromEntries(
              Object.keys(value)
                .sort()
                .map((k) => [k, sorted((value as Record<string, unknown>)[k])]),
            )
          : value;
    expect(JSON.stringify(sorted(flowToSpec(specToFlow(spec))))).toBe(JSON.stringify(sorted(spec)));
  });

  it("puts positions on the canvas and ports on the handles", () => {
    const flow = specToFlow(richSpec());
    const check = flow.nodes.find((n) => n.id === "check")!;
    expect(check.position).toEqual({ x: 250, y: 10.5 });
    expect(check.data.spec).not.toHaveProperty("position");
    expect(check.data.spec.config).toEqual({ expression: "inputs.amount > 100" });

    const ports = flow.edges.map((e) => [e.source, e.sourceHandle, e.target, e.targetHandle]);
    expect(ports).toEqual([
      ["start", "out", "check", "in"],
      ["check", "true", "notify", "in"],
      ["check", "false", "join", "in"],
      ["notify", "out", "join", "in"],
    ]);
    expect(new Set(flow.edges.map((e) => e.id)).size).toBe(4);
    expect(flow.extras).toStrictEqual({
      format: 1,
      inputs: richSpec().inputs,
      variables: richSpec().variables,
      settings: richSpec().settings,
    });
  });

  it("writes what the canvas changed: moves, new edges, ports", () => {
    const flow = specToFlow(richSpec());
    flow.nodes[0] = { ...flow.nodes[0], position: { x: -40, y: 60 } };
    flow.edges.push({ id: "new1", source: "start", target: "join", sourceHandle: "out", targetHandle: "in" });
    flow.edges.push({ id: "new2", source: "check", target: "row", sourceHandle: "true", targetHandle: "in" });
    const spec = flowToSpec(flow);
    expect(spec.nodes[0].position).toEqual({ x: -40, y: 60 });
    // The default port is left out of the spec; other ports are written.
    expect(spec.edges[4]).toStrictEqual({ source: "start", target: "join" });
    expect(spec.edges[5]).toStrictEqual({ source: "check", target: "row", source_port: "true" });
  });

  it("keeps an explicit `out` port and drops removed nodes and edges", () => {
    const spec = richSpec();
    spec.edges[3] = { source: "notify", target: "join", source_port: "out" };
    const flow = specToFlow(spec);
    flow.nodes = flow.nodes.filter((n) => n.id !== "row");
    flow.edges = flow.edges.filter((e) => e.source !== "start");
    const back = flowToSpec(flow);
    expect(back.nodes.map((n) => n.id)).toEqual(["start", "check", "notify", "join"]);
    expect(back.edges).toStrictEqual(spec.edges.slice(1));
  });

  /** Every execution field the side panel and the settings dialog edit, and a routed error edge. */
  function executionSpec(): Spec {
    return {
      format: 1,
      settings: { max_parallel: 4, fail_fast: true, on_crash: "restart", error_workflow: 12 },
      nodes: [
        { id: "start", type: "core.start", position: { x: 0, y: 0 } },
        {
          id: "fetch",
          type: "core.http",
          position: { x: 250, y: 0 },
          config: { url: "https://example.test" },
          trigger_rule: "all_done",
          retry: { max_attempts: 5, delay_s: 1.5, backoff: 2, max_delay_s: 60 },
          timeout_s: 30,
          on_error: "route",
          queue: "gpu",
          cache: { key: "fetch-{{ inputs.day }}", ttl_s: 3600 },
        },
        { id: "alert", type: "core.log", position: { x: 500, y: 100 }, on_error: "continue", trigger_rule: "one_failed" },
        { id: "join", type: "logic.merge", position: { x: 750, y: 0 }, trigger_rule: "none_failed_min_one_success" },
      ],
      edges: [
        { source: "start", target: "fetch" },
        { source: "fetch", target: "join" },
        { source: "fetch", source_port: "error", target: "alert" },
        { source: "alert", target: "join" },
      ],
    };
  }

  it("round-trips every execution field, the settings and an edge from the error port", () => {
    const flow = specToFlow(executionSpec());
    expect(flow.edges[2].sourceHandle).toBe("error");
    expect(flow.extras.settings).toStrictEqual(executionSpec().settings);
    expect(flowToSpec(flow)).toStrictEqual(executionSpec());
  });

  it("changes only the execution field that was edited", () => {
    const flow = specToFlow(executionSpec());
    const fetch = flow.nodes[1];
    fetch.data = { spec: withField(fetch.data.spec, "retry.max_attempts", 2) };
    flow.extras = withField(flow.extras, "settings.max_parallel", undefined);
    const expected = executionSpec();
    expected.nodes[1].retry = { max_attempts: 2, delay_s: 1.5, backoff: 2, max_delay_s: 60 };
    delete expected.settings!.max_parallel;
    expect(flowToSpec(flow)).toStrictEqual(expected);
  });

  it("lays out nodes that have no position by their depth", () => {
    const flow = specToFlow({
      nodes: [
        { id: "b", type: "core.log" },
        { id: "a", type: "core.start" },
        { id: "c", type: "core.log", position: { x: 7, y: 8 } },
      ],
      edges: [{ source: "a", target: "b" }],
    });
    const positions = Object.fromEntries(flow.nodes.map((n) => [n.id, n.position]));
    expect(positions.a.x).toBeLessThan(positions.b.x);
    expect(positions.c).toEqual({ x: 7, y: 8 });
  });
});

describe("new node ids", () => {
  it("uses the type's last segment and the smallest free number", () => {
    expect(nextNodeId("core.log", [])).toBe("log_1");
    expect(nextNodeId("core.log", ["log_1"])).toBe("log_2");
    expect(nextNodeId("core.log", ["log_1", "log_3"])).toBe("log_2");
    expect(nextNodeId("core.log", ["log_2", "set_1", "log"])).toBe("log_1");
  });

  it("handles pinned versions and types without a dot", () => {
    expect(nextNodeId("core.http@2", ["http_1"])).toBe("http_2");
    expect(nextNodeId("logic.condition", [])).toBe("condition_1");
    expect(nextNodeId("custom", [])).toBe("custom_1");
    expect(nextNodeId("acme.SendMail", [])).toBe("sendmail_1");
  });

  it("creates a node named after its type with the schema's defaults", () => {
    const log = nodeTypes.find((t) => t.type === "core.log")!;
    const node = newFlowNode(log, ["start", "log_1"], { x: 10, y: 20 });
    expect(node.id).toBe("log_2");
    expect(node.position).toEqual({ x: 10, y: 20 });
    expect(node.data.spec).toStrictEqual({
      id: "log_2",
      type: "core.log",
      name: "Log",
      config: { message: "", level: "info" },
    });
  });

  it("copies default values instead of sharing them", () => {
    const schema = { type: "object", properties: { headers: { type: "object", default: { a: "1" } } } };
    const config = defaultConfig(schema);
    expect(config).toEqual({ headers: { a: "1" } });
    expect(config.headers).not.toBe(schema.properties.headers.default);
    expect(defaultConfig(undefined)).toEqual({});
  });
});

describe("loop bodies on the canvas", () => {
  const loopSpec = (): Spec => ({
    format: 1,
    nodes: [
      { id: "start", type: "core.start", position: { x: 0, y: 0 } },
      // Listed before its loop: React Flow still gets the loop first.
      { id: "row", type: "core.set", parent: "each", position: { x: 30, y: 90 }, config: { values: {} } },
      { id: "each", type: "logic.loop", position: { x: 250, y: 0 }, config: { items: "{{ inputs.rows }}" } },
      { id: "inner", type: "logic.loop", parent: "each", position: { x: 330, y: 90 }, config: { items: [] } },
      { id: "deep", type: "core.noop", parent: "inner", position: { x: 30, y: 90 } },
    ],
    edges: [{ source: "start", target: "each" }],
  });

  it("keeps parent through the round trip", () => {
    const back = flowToSpec(specToFlow(loopSpec()));
    const parents = Object.fromEntries(back.nodes.map((n) => [n.id, n.parent]));
    expect(parents).toStrictEqual({ start: undefined, each: undefined, row: "each", inner: "each", deep: "inner" });
    for (const node of loopSpec().nodes) {
      expect(back.nodes.find((n) => n.id === node.id)).toStrictEqual(node);
    }
  });

  it("draws body nodes inside their loop, parents first, loops sized to hold their body", () => {
    const flow = specToFlow(loopSpec());
    const byId = new Map(flow.nodes.map((n) => [n.id, n]));
    expect(byId.get("row")).toMatchObject({ parentId: "each", extent: "parent", position: { x: 30, y: 90 } });
    expect(byId.get("deep")).toMatchObject({ parentId: "inner", extent: "parent" });
    expect(byId.get("start")!.parentId).toBeUndefined();
    const order = flow.nodes.map((n) => n.id);
    expect(order.indexOf("each")).toBeLessThan(order.indexOf("row"));
    expect(order.indexOf("inner")).toBeLessThan(order.indexOf("deep"));

    const inner = byId.get("inner")!.style as { width: number; height: number };
    const outer = byId.get("each")!.style as { width: number; height: number };
    expect(inner.width).toBeGreaterThanOrEqual(30 + 260);
    expect(inner.height).toBeGreaterThanOrEqual(90 + 90);
    // The outer loop holds the inner one whole, at its position.
    expect(outer.width).toBeGreaterThanOrEqual(330 + inner.width);
    expect(outer.height).toBeGreaterThanOrEqual(90 + inner.height);
    expect(byId.get("row")!.style).toBeUndefined();
  });

  it("ignores a parent that names no node of the spec", () => {
    const flow = specToFlow(richSpec());
    expect(flow.nodes.find((n) => n.id === "row")!.parentId).toBeUndefined();
  });

  it("lays out body nodes without positions inside their loop", () => {
    const spec = loopSpec();
    for (const node of spec.nodes) delete node.position;
    const flow = specToFlow(spec);
    const row = flow.nodes.find((n) => n.id === "row")!;
    expect(row.position.y).toBeGreaterThan(0); // below the loop's own card
  });
});
