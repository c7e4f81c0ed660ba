// @vitest-environment jsdom
import { act, renderHook } from "@testing-library/react";
import type { NodeProps } from "@xyflow/react";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { api } from "../../api/client";
import type { Workflow } from "../../api/types";
import { nodeTypes, richSpec } from "../../test/fixtures";
import { resetEditorStore, useEditorStore } from "../editor/editorStore";
import type { FlowNode } from "./specMapping";
import { sameNodeProps, useNodeView } from "./WorkflowNode";

const workflow: Workflow = {
  id: 9, name: "Orders", description: "", owner: 1, version: 3, spec: richSpec(), created_at: "", updated_at: "",
};

const store = () => useEditorStore.getState();

beforeEach(async () => {
  resetEditorStore();
  vi.spyOn(api, "getWorkflow").mockResolvedValue(workflow);
  vi.spyOn(api, "listNodeTypes").mockResolvedValue(nodeTypes);
  await store().load(9);
});

afterEach(() => {
  vi.restoreAllMocks();
});

describe("WorkflowNode", () => {
  it("sees only its own changes in the store", () => {
    const renders = { count: 0 };
    const { result } = renderHook(() => {
      renders.count += 1;
      return useNodeView("check", "logic.condition");
    });
    const first = result.current;
    expect(first).toMatchObject({ status: "idle", usedPorts: ["true", "false"], errors: undefined });
    expect(first.nodeType?.type).toBe("logic.condition");
    const rendersBefore = renders.count;

    // Other nodes' edits, edges, errors and statuses: same view, no re-render.
    act(() => {
      store().updateNode("join", (spec) => ({ ...spec, name: "Join" }));
      store().connect({ source: "row", sourceHandle: "out", target: "join", targetHandle: "in" });
      store().onNodesChange([{ type: "position", id: "start", position: { x: 40, y: 40 } }]);
      useEditorStore.setState({
        nodeErrors: { notify: ["url is required"] },
        run: { id: 5, status: "running", substatus: "", lastSeq: 0, nodes: {}, nodeOrder: [], logs: [] },
      });
    });
    expect(result.current).toBe(first);
    expect(renders.count).toBe(rendersBefore);

    // Its own status, errors and ports: a new view.
    act(() => {
      useEditorStore.setState((s) => ({
        run: { ...s.run!, nodes: { check: { nodeId: "check", status: "running", startedAt: null, finishedAt: null } } },
      }));
    });
    expect(result.current.status).toBe("running");
    act(() => useEditorStore.setState({ nodeErrors: { check: ["expression is required"] } }));
    expect(result.current.errors).toEqual(["expression is required"]);
    act(() => store().onEdgesChange([{ type: "remove", id: "check:false->join" }]));
    expect(result.current.usedPorts).toEqual(["true"]);
  });

  it("re-renders for its data and selection, not for its size or position", () => {
    const node = store().nodes[1];
    const props = {
      id: node.id, data: node.data, type: "flowdesk", selected: false, width: 0, height: 0,
      positionAbsoluteX: 0, positionAbsoluteY: 0,
    } as unknown as NodeProps<FlowNode>;
    expect(sameNodeProps(props, { ...props, width: 220, height: 84, positionAbsoluteX: 40 })).toBe(true);
    expect(sameNodeProps(props, { ...props, selected: true })).toBe(false);
    expect(sameNodeProps(props, { ...props, data: { spec: { ...node.data.spec, name: "x" } } })).toBe(false);
  });
});
