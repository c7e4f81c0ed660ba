// @vitest-environment jsdom
import { act, fireEvent, render, screen, waitFor } from "@testing-library/react";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { ApiError, api } from "../../api/client";
import type { Spec, Workflow, WorkflowSummary } from "../../api/types";
import { nodeTypes } from "../../test/fixtures";
import { mockReactFlowEnvironment } from "../../test/reactFlowMocks";
import EditorPage from "./EditorPage";
import { resetEditorStore, useEditorStore } from "./editorStore";

const spec: Spec = {
  format: 1,
  nodes: [{ id: "start", type: "core.start", position: { x: 0, y: 0 } }],
  edges: [],
};

function workflow(settings?: Record<string, unknown>): Workflow {
  return {
    id: 7,
    name: "Nightly",
    description: "",
    owner: 1,
    version: 1,
    spec: settings ? { ...spec, settings } : spec,
    created_at: "",
    updated_at: "",
  };
}

function summary(id: number, name: string): WorkflowSummary {
  return { id, name, description: "", owner: 1, version: 1, created_at: "", updated_at: "" };
}

const store = () => useEditorStore.getState();

async function openDialog(loaded: Workflow = workflow()) {
  vi.mocked(api.getWorkflow).mockResolvedValue(loaded);
  render(<EditorPage workflowId={7} />);
  await screen.findByTestId("node-start");
  fireEvent.click(screen.getByTestId("workflow-settings"));
  await screen.findByTestId("workflow-settings-dialog");
  // The error workflow select is ready once the workflows are listed.
  await waitFor(() => expect((screen.getByTestId("settings-error_workflow") as HTMLSelectElement).disabled).toBe(false));
}

function change(testId: string, value: string) {
  fireEvent.change(screen.getByTestId(testId), { target: { value } });
}

beforeEach(() => {
  mockReactFlowEnvironment();
  vi.stubGlobal("WebSocket", class { close() {} });
  resetEditorStore();
  vi.spyOn(api, "getWorkflow");
  vi.spyOn(api, "listNodeTypes").mockResolvedValue(nodeTypes);
  vi.spyOn(api, "listAllWorkflows").mockResolvedValue([summary(7, "Nightly"), summary(12, "On failure")]);
});

afterEach(() => {
  vi.restoreAllMocks();
  vi.unstubAllGlobals();
});

describe("the workflow settings dialog", () => {
  it("edits the spec's settings as an unsaved change, and Save sends them", async () => {
    await openDialog();
    expect(store().dirty).toBe(false);
    change("settings-max_parallel", "4");
    change("settings-timeout_s", "90.5");
    fireEvent.click(screen.getByTestId("settings-fail_fast"));
    change("settings-on_crash", "restart");
    change("settings-error_workflow", "12");
    expect(store().currentSpec().settings).toStrictEqual({
      max_parallel: 4,
      timeout_s: 90.5,
      fail_fast: true,
      on_crash: "restart",
      error_workflow: 12,
    });
    expect(store().dirty).toBe(true);
    expect(screen.getByTestId("unsaved")).toBeTruthy();

    fireEvent.click(screen.getByTestId("workflow-settings-done"));
    expect(screen.queryByTestId("workflow-settings-dialog")).toBeNull();

    const update = vi.spyOn(api, "updateWorkflow").mockResolvedValue({ ...workflow(), version: 2 });
    fireEvent.click(screen.getByTestId("save"));
    await waitFor(() => expect(store().dirty).toBe(false));
    expect(update.mock.calls[0][1].spec?.settings).toStrictEqual({
      max_parallel: 4,
      timeout_s: 90.5,
      fail_fast: true,
      on_crash: "restart",
      error_workflow: 12,
    });
  });

  it("removes a setting whose input is emptied or set back to the default, and the settings once empty", async () => {
    await openDialog(workflow({ max_parallel: 2, fail_fast: true, on_crash: "fail", error_workflow: 12 }));
    expect((screen.getByTestId("settings-max_parallel") as HTMLInputElement).value).toBe("2");
    expect((screen.getByTestId("settings-error_workflow") as HTMLSelectElement).selectedOptions[0].textContent).toBe(
      "On failure (#12)",
    );
    change("settings-max_parallel", "");
    expect(store().currentSpec().settings).toStrictEqual({ fail_fast: true, on_crash: "fail", error_workflow: 12 });
    fireEvent.click(screen.getByTestId("settings-fail_fast"));
    change("settings-on_crash", "resume");
    change("settings-error_workflow", "");
    expect(store().currentSpec()).not.toHaveProperty("settings");
  });

  it("keeps an error workflow it cannot list, named by its id", async () => {
    await openDialog(workflow({ error_workflow: 99 }));
    const select = screen.getByTestId("settings-error_workflow") as HTMLSelectElement;
    expect(select.selectedOptions[0].textContent).toBe("Workflow #99 (not found)");
    expect(store().dirty).toBe(false);
  });

  it("shows the server's errors on settings next to their inputs and flags the toolbar button", async () => {
    vi.spyOn(api, "updateWorkflow").mockRejectedValue(
      new ApiError(400, {
        code: "invalid_spec",
        message: "The workflow is not valid.",
        errors: [
          { code: "schema", message: "0 is less than the minimum of 1", node: null, field: "settings.max_parallel" },
          { code: "invalid_error_workflow", message: "Workflow 'On failure' has no input failed_run.", field: "settings.error_workflow" },
          { code: "schema", message: "Unknown field 'timezone'.", node: null, field: "settings.timezone" },
        ],
      }),
    );
    await openDialog();
    await act(() => store().save());
    expect(screen.getByTestId("settings-max_parallel-error").textContent).toBe("0 is less than the minimum of 1");
    expect(screen.getByTestId("settings-error_workflow-error").textContent).toBe(
      "Workflow 'On failure' has no input failed_run.",
    );
    expect(screen.getByTestId("workflow-settings-dialog").textContent).toContain("timezone: Unknown field 'timezone'.");
    expect(screen.getByTestId("workflow-settings").className).toContain("fd-button--invalid");
  });
});
