import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { ApiError, api } from "../../api/client";
import type { Run, Workflow } from "../../api/types";
import { nodeTypes, richSpec } from "../../test/fixtures";
import { resetEditorStore, useEditorStore } from "./editorStore";

function workflow(version = 3, spec = richSpec()): Workflow {
  return { id: 9, name: "Orders", description: "", owner: 1, version, spec, created_at: "", updated_at: "" };
}

function run(id = 11): Run {
  return { id, workflow: 9, version: 4, status: "pending", inputs: {}, error: null, created_at: "", started_at: null, finished_at: null, nodes: [] };
}

const store = () => useEditorStore.getState();

beforeEach(async () => {
  resetEditorStore();
  vi.spyOn(api, "getWorkflow").mockResolvedValue(workflow());
  vi.spyOn(api, "listNodeTypes").mockResolvedValue(nodeTypes);
  await store().load(9);
});

afterEach(() => {
  vi.restoreAllMocks();
});

describe("editor store", () => {
  it("loads the workflow onto the canvas, clean", () => {
    expect(store().version).toBe(3);
    expect(store().nodes.map((n) => n.id)).toEqual(["start", "check", "notify", "row", "join"]);
    expect(store().dirty).toBe(false);
    expect(store().currentSpec()).toStrictEqual(richSpec());
  });

  it("adds dropped nodes with fresh ids and selects them", () => {
    expect(store().addNode("core.log", { x: 10, y: 20 })).toBe("log_1");
    expect(store().addNode("core.log", { x: 10, y: 90 })).toBe("log_2");
    expect(store().addNode("no.such", { x: 0, y: 0 })).toBeNull();
    const selected = store().nodes.filter((n) => n.selected).map((n) => n.id);
    expect(selected).toEqual(["log_2"]);
    expect(store().dirty).toBe(true);
  });

  it("connects handles into edges with their port", () => {
    store().connect({ source: "check", sourceHandle: "true", target: "row", targetHandle: "in" });
    store().connect({ source: "start", sourceHandle: "out", target: "row", targetHandle: "in" });
    store().connect({ source: "join", sourceHandle: "out", target: "start", targetHandle: "in" }); // a cycle
    expect(store().currentSpec().edges.slice(4)).toStrictEqual([
      { source: "check", target: "row", source_port: "true" },
      { source: "start", target: "row" },
    ]);
  });

  it("saves the spec with its base version and takes the new version", async () => {
    const update = vi.spyOn(api, "updateWorkflow").mockResolvedValue(workflow(4));
    store().updateNode("join", (spec) => ({ ...spec, name: "Join" }));
    expect(await store().save()).toBe(true);
    const [id, body] = update.mock.calls[0];
    expect(id).toBe(9);
    expect(body.base_version).toBe(3);
    expect(body.spec?.nodes[4]).toStrictEqual({ ...richSpec().nodes[4], name: "Join" });
    expect(store().version).toBe(4);
    expect(store().dirty).toBe(false);
  });

  it("puts validation errors on their nodes and the rest in the message", async () => {
    vi.spyOn(api, "updateWorkflow").mockRejectedValue(
      new ApiError(400, {
        code: "invalid_spec",
        message: "The workflow is not valid.",
        errors: [
          { code: "required", message: "expression is required", node: "check", field: "config.expression" },
          { code: "cycle", message: "The graph has a cycle." },
          { code: "unknown", message: "gone", node: "ghost" },
        ],
      }),
    );
    expect(await store().save()).toBe(false);
    expect(store().nodeErrors).toEqual({ check: ["config.expression: expression is required"] });
    expect(store().message?.kind).toBe("error");
    expect(store().message?.details).toEqual(["The graph has a cycle.", "ghost: gone"]);
    expect(store().version).toBe(3);
  });

  it("reports a conflict with the version someone else saved", async () => {
    vi.spyOn(api, "updateWorkflow").mockRejectedValue(
      new ApiError(409, { code: "version_conflict", message: "conflict", latest_version: 5 }),
    );
    await store().save();
    expect(store().conflictVersion).toBe(5);
    expect(store().message?.text).toMatch(/someone else saved version 5/i);
  });

  it("asks for inputs when the spec declares them, then saves unsaved edits before running", async () => {
    const calls: string[] = [];
    vi.spyOn(api, "updateWorkflow").mockImplementation(async () => {
      calls.push("save");
      return workflow(4);
    });
    const start = vi.spyOn(api, "startRun").mockImplementation(async () => {
      calls.push("run");
      return run();
    });
    store().updateNode("join", (spec) => ({ ...spec, name: "Join" }));
    store().requestRun();
    expect(store().inputsDialogOpen).toBe(true);
    expect(start).not.toHaveBeenCalled();

    await store().startRun({ amount: 5, country: "NL" });
    expect(calls).toEqual(["save", "run"]);
    expect(start).toHaveBeenCalledWith(9, { amount: 5, country: "NL" });
    expect(store().run?.id).toBe(11);
    expect(store().inputsDialogOpen).toBe(false);
  });

  it("runs at once with no inputs, and does not run when the save fails", async () => {
    vi.spyOn(api, "getWorkflow").mockResolvedValue(workflow(3, { nodes: [{ id: "start", type: "core.start" }], edges: [] }));
    await store().load(9);
    const start = vi.spyOn(api, "startRun").mockResolvedValue(run());
    store().requestRun();
    await vi.waitFor(() => expect(start).toHaveBeenCalledWith(9, {}));

    vi.spyOn(api, "updateWorkflow").mockRejectedValue(new ApiError(400, { code: "invalid_spec", message: "bad", errors: [] }));
    store().addNode("core.log", { x: 0, y: 0 });
    await store().startRun({});
    expect(start).toHaveBeenCalledTimes(1);
  });

  it("shows live node statuses from run events", async () => {
    vi.spyOn(api, "startRun").mockResolvedValue(run());
    await store().startRun({});
    store().applyRunEvent({ seq: 1, type: "node.status", run_id: 11, node_id: "check", status: "running", substatus: "", at: "", level: "", message: "" });
    expect(store().run?.nodes.check.status).toBe("running");
    store().applyRunEvent({ seq: 2, type: "run.status", run_id: 11, node_id: null, status: "failed", substatus: "", at: "", level: "", message: "" });
    expect(store().run?.status).toBe("failed");
    expect(store().message?.text).toBe("Run #11 failed.");
  });

  it("sends run controls to the run's endpoint and says what happens", async () => {
    vi.spyOn(api, "startRun").mockResolvedValue(run());
    await store().startRun({});
    const control = vi.spyOn(api, "controlRun").mockResolvedValue(run());
    await store().controlRun("pause");
    expect(control).toHaveBeenCalledWith(11, "pause");
    expect(store().message?.text).toContain("Pausing");
    control.mockRejectedValue(new ApiError(409, { code: "invalid_state", message: "The run is paused." }));
    await store().controlRun("retry");
    expect(store().message).toEqual({ kind: "error", text: expect.stringContaining("Could not retry") });
  });
});

describe("editor store: canvas bookkeeping", () => {
  /** The used ports by a scan of every edge, to check the index against. */
  function scanPorts(): Record<string, string[]> {
    const result: Record<string, string[]> = {};
    for (const edge of store().edges) {
      const list = (result[edge.source] ??= []);
      const port = edge.sourceHandle ?? "out";
      if (!list.includes(port)) list.push(port);
    }
    return result;
  }

  function indexed(): Record<string, readonly string[]> {
    return Object.fromEntries(store().usedPorts);
  }

  it("keeps the ports index right as edges are added and removed", () => {
    expect(indexed()).toEqual({ start: ["out"], check: ["true", "false"], notify: ["out"] });

    const checkPorts = store().usedPorts.get("check");
    store().connect({ source: "row", sourceHandle: "out", target: "join", targetHandle: "in" });
    store().connect({ source: "notify", sourceHandle: "error", target: "row", targetHandle: "in" });
    expect(indexed()).toEqual(scanPorts());
    expect(indexed()).toEqual({ start: ["out"], check: ["true", "false"], notify: ["out", "error"], row: ["out"] });
    // Nodes whose ports did not change keep their list, so they do not re-render.
    expect(store().usedPorts.get("check")).toBe(checkPorts);

    store().onEdgesChange([{ type: "remove", id: "check:false->join" }]);
    expect(store().usedPorts.get("check")).toEqual(["true"]);
    store().onEdgesChange([
      { type: "remove", id: "notify:out->join" },
      { type: "remove", id: "notify:error->row" },
    ]);
    expect(store().usedPorts.has("notify")).toBe(false);
    expect(indexed()).toEqual(scanPorts());

    // Selecting an edge changes no ports: the index stays as it is.
    const before = store().usedPorts;
    store().onEdgesChange([{ type: "select", id: "start:out->check", selected: true }]);
    expect(store().usedPorts).toBe(before);

    // Deleting a node: React Flow removes its edges through onEdgesChange.
    store().onNodesChange([{ type: "remove", id: "row" }]);
    store().onEdgesChange([{ type: "remove", id: "row:out->join" }]);
    expect(indexed()).toEqual(scanPorts());
    expect(indexed()).toEqual({ start: ["out"], check: ["true"] });
  });

  it("rebuilds the ports index on a reload", async () => {
    store().connect({ source: "row", sourceHandle: "out", target: "join", targetHandle: "in" });
    await store().load(9);
    expect(indexed()).toEqual({ start: ["out"], check: ["true", "false"], notify: ["out"] });
  });

  it("records measured sizes on the nodes without a store update", () => {
    const nodes = store().nodes;
    const listener = vi.fn();
    const unsubscribe = useEditorStore.subscribe(listener);
    store().onNodesChange([
      { type: "dimensions", id: "start", dimensions: { width: 200, height: 60 } },
      { type: "dimensions", id: "check", dimensions: { width: 220, height: 84 } },
    ]);
    unsubscribe();
    expect(listener).not.toHaveBeenCalled();
    expect(store().nodes).toBe(nodes);
    expect(store().nodes[0].measured).toEqual({ width: 200, height: 60 });
    expect(store().nodes[1].measured).toEqual({ width: 220, height: 84 });
    expect(store().dirty).toBe(false);

    // A node replaced later (selected, edited) keeps its size for React Flow.
    store().onNodesChange([{ type: "select", id: "start", selected: true }]);
    expect(store().nodes[0]).not.toBe(nodes[0]);
    expect(store().nodes[0].measured).toEqual({ width: 200, height: 60 });
    expect(store().currentSpec()).toStrictEqual(richSpec());

    // A resize is not just a measurement: it goes through applyNodeChanges.
    store().onNodesChange([{ type: "dimensions", id: "join", dimensions: { width: 300, height: 90 }, resizing: true }]);
    expect(store().nodes[4].measured).toEqual({ width: 300, height: 90 });
    expect(store().nodes).not.toBe(nodes);
  });
});
