// @vitest-environment jsdom
import { act, fireEvent, render, screen, waitFor } from "@testing-library/react";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { ApiError, api } from "../../api/client";
import { resetInitialData } from "../../api/initialData";
import type { Workflow } from "../../api/types";
import { nodeTypes, richSpec } from "../../test/fixtures";
import { embedInitialData, removeInitialData } from "../../test/embed";
import { mockReactFlowEnvironment } from "../../test/reactFlowMocks";
import EditorPage from "./EditorPage";
import { resetEditorStore, useEditorStore } from "./editorStore";

const workflow: Workflow = {
  id: 9,
  name: "Orders",
  description: "",
  owner: 1,
  version: 3,
  spec: richSpec(),
  created_at: "",
  updated_at: "",
};

beforeEach(() => {
  mockReactFlowEnvironment();
  vi.stubGlobal("WebSocket", class { close() {} });
  resetEditorStore();
  resetInitialData();
  vi.spyOn(api, "getWorkflow").mockResolvedValue(workflow);
  vi.spyOn(api, "listNodeTypes").mockResolvedValue(nodeTypes);
});

afterEach(() => {
  removeInitialData();
  vi.restoreAllMocks();
  vi.unstubAllGlobals();
});

async function openEditor() {
  render(<EditorPage workflowId={9} />);
  await screen.findByTestId("node-check");
}

describe("EditorPage", () => {
  it("shows the workflow, its nodes with their handles, and the palette", async () => {
    await openEditor();
    expect(screen.getByTestId("workflow-name").textContent).toBe("Orders");
    expect(screen.getByTestId("workflow-version").textContent).toBe("v3");
    expect(screen.getByTestId("node-check").textContent).toContain("Big order?");
    expect(screen.getByTestId("node-check").textContent).toContain("logic.condition");
    expect(screen.getByTestId("node-check").dataset.status).toBe("idle");

    expect(screen.queryByTestId("handle-start-in")).toBeNull();
    expect(screen.getByTestId("handle-start-out-out")).toBeTruthy();
    expect(screen.getByTestId("handle-check-in")).toBeTruthy();
    expect(screen.getByTestId("handle-check-out-true")).toBeTruthy();
    expect(screen.getByTestId("handle-check-out-false")).toBeTruthy();
    // Several ports are labelled on the canvas.
    expect(screen.getByTestId("node-check").textContent).toContain("true");

    expect(screen.getByTestId("palette-item-core.log")).toHaveProperty("draggable", true);
    fireEvent.change(screen.getByTestId("palette-search"), { target: { value: "cond" } });
    expect(screen.queryByTestId("palette-item-core.log")).toBeNull();
    expect(screen.getByTestId("palette-item-logic.condition")).toBeTruthy();
  });

  it("asks the API when the page embeds no data", async () => {
    await openEditor();
    expect(api.getWorkflow).toHaveBeenCalledWith(9);
    expect(api.listNodeTypes).toHaveBeenCalledTimes(1);
  });

  it("opens from the data embedded in the page without asking the API, and reloads from the API", async () => {
    embedInitialData({ workflow: { ...workflow, name: "Embedded" }, node_types: nodeTypes });
    await openEditor();
    expect(screen.getByTestId("workflow-name").textContent).toBe("Embedded");
    expect(screen.getByTestId("handle-check-out-false")).toBeTruthy();
    expect(screen.getByTestId("palette-item-core.log")).toBeTruthy();
    expect(api.getWorkflow).not.toHaveBeenCalled();
    expect(api.listNodeTypes).not.toHaveBeenCalled();

    // After a version conflict, the reload gets the newer version from the API.
    vi.spyOn(api, "updateWorkflow").mockRejectedValue(
      new ApiError(409, { code: "version_conflict", message: "conflict", latest_version: 4 }),
    );
    fireEvent.click(screen.getByTestId("save"));
    vi.mocked(api.getWorkflow).mockResolvedValue({ ...workflow, version: 4 });
    fireEvent.click(await screen.findByTestId("reload"));
    await waitFor(() => expect(screen.getByTestId("workflow-version").textContent).toBe("v4"));
    expect(api.getWorkflow).toHaveBeenCalledWith(9);
    expect(screen.getByTestId("workflow-name").textContent).toBe("Orders");
    expect(await screen.findByTestId("node-check")).toBeTruthy();
  });

  it("creates a node where a palette item is dropped", async () => {
    await openEditor();
    const data = new Map<string, string>();
    const dataTransfer = {
      setData: (k: string, v: string) => data.set(k, v),
      getData: (k: string) => data.get(k) ?? "",
      get types() {
        return [...data.keys()];
      },
      dropEffect: "none",
      effectAllowed: "all",
    };
    fireEvent.dragStart(screen.getByTestId("palette-item-core.log"), { dataTransfer });
    expect(data.get("application/flowdesk-node-type")).toBe("core.log");
    fireEvent.dragOver(screen.getByTestId("canvas"), { dataTransfer });
    fireEvent.drop(screen.getByTestId("canvas"), { dataTransfer, clientX: 300, clientY: 200 });
    expect(await screen.findByTestId("node-log_1")).toBeTruthy();
    // The new node is selected, so the side panel edits it.
    expect(screen.getByTestId("node-name")).toHaveProperty("value", "Log");
    expect(screen.getByTestId("config-level")).toBeTruthy();
    fireEvent.change(screen.getByTestId("node-name"), { target: { value: "Say hi" } });
    expect(screen.getByTestId("node-log_1").textContent).toContain("Say hi");
    expect(useEditorStore.getState().currentSpec().nodes.at(-1)).toMatchObject({
      id: "log_1",
      type: "core.log",
      name: "Say hi",
      config: { message: "", level: "info" },
    });
  });

  it("shows save errors on the nodes and run status live", async () => {
    await openEditor();
    vi.spyOn(api, "updateWorkflow").mockRejectedValue(
      new ApiError(400, {
        code: "invalid_spec",
        message: "invalid",
        errors: [{ code: "required", message: "expression is required", node: "check", field: null }],
      }),
    );
    fireEvent.click(screen.getByTestId("save"));
    expect((await screen.findByTestId("node-error-check")).textContent).toContain("expression is required");
    expect(screen.getByTestId("status-message").textContent).toMatch(/1 problem/);

    act(() => {
      useEditorStore.setState({
        run: { id: 5, status: "running", substatus: "", lastSeq: 0, nodes: {}, nodeOrder: [], logs: [] },
      });
      useEditorStore.getState().applyRunEvent({
        seq: 1, type: "node.status", run_id: 5, node_id: "check", status: "failed",
        substatus: "", at: "2026-11-27T21:00:00+00:00", level: "", message: "",
      });
      useEditorStore.getState().applyRunEvent({
        seq: 2, type: "log", run_id: 5, node_id: "check", status: "",
        substatus: "", at: "2026-11-27T21:00:00+00:00", level: "error", message: "boom",
      });
    });
    await waitFor(() => expect(screen.getByTestId("node-check").dataset.status).toBe("failed"));
    expect(screen.getByTestId("node-start").dataset.status).toBe("idle");
    expect(screen.getByTestId("run-status").textContent).toBe("running");
    expect(screen.getByTestId("run-node-check").textContent).toContain("failed");
    expect(screen.getByTestId("run-logs").textContent).toContain("boom");
  });
});
