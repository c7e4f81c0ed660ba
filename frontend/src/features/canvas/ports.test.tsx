// @vitest-environment jsdom
import { act, fireEvent, render, screen } from "@testing-library/react";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { api } from "../../api/client";
import type { JsonObject, NodeType, Workflow } from "../../api/types";
import { nodeTypes } from "../../test/fixtures";
import { mockReactFlowEnvironment } from "../../test/reactFlowMocks";
import EditorPage from "../editor/EditorPage";
import { resetEditorStore, useEditorStore } from "../editor/editorStore";
import { outputPorts, portsFromConfig } from "./ports";

const RULE = { field: "cases", key: "port", extra: ["default"] };

const switchType: NodeType = {
  type: "logic.switch",
  name: "Switch",
  category: "Flow",
  description: "",
  config_schema: {
    type: "object",
    properties: {
      cases: { type: "array", items: { type: "object" } },
      mode: { type: "string", enum: ["first", "all"], default: "first" },
    },
    required: ["cases"],
  },
  ports: { inputs: ["in"], outputs: ["default"], from_config: RULE },
};

describe("portsFromConfig", () => {
  it("names the case ports in order, then the extra ports", () => {
    const config = {
      cases: [
        { port: "high", expression: "inputs.amount > 100" },
        { port: "mid", expression: "inputs.amount > 10" },
      ],
    };
    expect(portsFromConfig(RULE, config)).toEqual(["high", "mid", "default"]);
  });

  it("lists each port once and leaves out items without a usable name", () => {
    const config: JsonObject = {
      cases: [{ port: "a" }, { port: "" }, { expression: "true" }, "b", null, [1], { port: 3 }, { port: "a" }, { port: "c" }],
    };
    expect(portsFromConfig(RULE, config)).toEqual(["a", "c", "default"]);
    expect(portsFromConfig({ ...RULE, extra: ["a"] }, config)).toEqual(["a", "c"]);
  });

  it("has only the extra ports while the field is missing or not a list", () => {
    expect(portsFromConfig(RULE, undefined)).toEqual(["default"]);
    expect(portsFromConfig(RULE, {})).toEqual(["default"]);
    expect(portsFromConfig(RULE, { cases: { port: "a" } })).toEqual(["default"]);
    expect(portsFromConfig({ field: "cases", key: "port" }, { cases: [{ port: "a" }] })).toEqual(["a"]);
  });
});

describe("outputPorts", () => {
  it("is the fixed outputs for most types, the config's for a from_config type", () => {
    const condition = nodeTypes.find((t) => t.type === "logic.condition");
    expect(outputPorts(condition, { expression: "true" })).toEqual(["true", "false"]);
    expect(outputPorts({ ...condition!, ports: { ...condition!.ports, from_config: null } }, {})).toEqual([
      "true",
      "false",
    ]);
    expect(outputPorts(switchType, { cases: [{ port: "x", expression: "true" }] })).toEqual(["x", "default"]);
    expect(outputPorts(undefined, {})).toEqual(["out"]);
  });
});

describe("a switch node on the canvas", () => {
  const workflow: Workflow = {
    id: 4,
    name: "Routing",
    description: "",
    owner: 1,
    version: 1,
    spec: {
      format: 1,
      nodes: [
        { id: "start", type: "core.start", position: { x: 0, y: 0 } },
        {
          id: "sw",
          type: "logic.switch",
          name: "Route",
          position: { x: 250, y: 0 },
          config: {
            cases: [
              { port: "high", expression: "inputs.amount > 100" },
              { port: "mid", expression: "inputs.amount > 10" },
            ],
          },
        },
        { id: "big", type: "core.log", position: { x: 500, y: -100 } },
        { id: "other", type: "core.log", position: { x: 500, y: 100 } },
      ],
      edges: [
        { source: "start", target: "sw" },
        { source: "sw", source_port: "high", target: "big" },
        { source: "sw", source_port: "default", target: "other" },
      ],
    },
    created_at: "",
    updated_at: "",
  };

  beforeEach(() => {
    mockReactFlowEnvironment();
    vi.stubGlobal("WebSocket", class { close() {} });
    resetEditorStore();
    vi.spyOn(api, "getWorkflow").mockResolvedValue(workflow);
    vi.spyOn(api, "listNodeTypes").mockResolvedValue([...nodeTypes, switchType]);
  });

  afterEach(() => {
    vi.restoreAllMocks();
    vi.unstubAllGlobals();
  });

  function handles(id: string): string[] {
    return [...screen.getByTestId(`node-${id}`).querySelectorAll<HTMLElement>("[data-testid^='handle-']")]
      .map((el) => el.dataset.testid!.replace(`handle-${id}-`, ""))
      .filter((name) => name !== "in");
  }

  it("has a labelled handle per case and `default`, redrawn as the cases are edited", async () => {
    render(<EditorPage workflowId={4} />);
    await screen.findByTestId("node-sw");
    expect(handles("sw")).toEqual(["out-high", "out-mid", "out-default"]);
    expect(screen.getByTestId("handle-sw-in")).toBeTruthy();
    expect(screen.getByTestId("node-sw").textContent).toContain("high");
    expect(screen.getByTestId("node-sw").textContent).toContain("default");
    expect(screen.getByTestId("handle-sw-out-high").dataset.stale).toBeUndefined();

    // Edit the cases in the side panel: a case added, `high` renamed while an
    // edge still leaves from it.
    act(() => {
      useEditorStore.setState((s) => ({ nodes: s.nodes.map((n) => ({ ...n, selected: n.id === "sw" })) }));
    });
    const cases = [
      { port: "huge", expression: "inputs.amount > 1000" },
      { port: "mid", expression: "inputs.amount > 10" },
      { port: "low", expression: "inputs.amount > 0" },
    ];
    fireEvent.change(await screen.findByTestId("config-cases"), { target: { value: JSON.stringify(cases) } });

    expect(handles("sw")).toEqual(["out-huge", "out-mid", "out-low", "out-default", "out-high"]);
    // The edge from `high` keeps a handle to hang on, flagged as stale.
    expect(screen.getByTestId("handle-sw-out-high").dataset.stale).toBe("true");
    expect(screen.getByTestId("handle-sw-out-low").dataset.stale).toBeUndefined();
    expect(useEditorStore.getState().currentSpec().nodes.find((n) => n.id === "sw")?.config).toEqual({ cases });

    // Once the edge is gone, so is the handle.
    act(() => {
      const edge = useEditorStore.getState().edges.find((e) => e.sourceHandle === "high")!;
      useEditorStore.getState().onEdgesChange([{ type: "remove", id: edge.id }]);
    });
    expect(handles("sw")).toEqual(["out-huge", "out-mid", "out-low", "out-default"]);
  });

  it("flags an edge's port that a fixed type does not have", async () => {
    vi.mocked(api.getWorkflow).mockResolvedValue({
      ...workflow,
      spec: {
        ...workflow.spec,
        edges: [...workflow.spec.edges, { source: "big", source_port: "nope", target: "other" }],
      },
    });
    render(<EditorPage workflowId={4} />);
    await screen.findByTestId("node-big");
    expect(screen.getByTestId("handle-big-out-out").dataset.stale).toBeUndefined();
    expect(screen.getByTestId("handle-big-out-nope").dataset.stale).toBe("true");
  });
});
