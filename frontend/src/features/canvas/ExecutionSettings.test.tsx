// @vitest-environment jsdom
import { act, fireEvent, render, screen } from "@testing-library/react";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { ApiError, api } from "../../api/client";
import type { SpecNode, Workflow } from "../../api/types";
import { nodeTypes } from "../../test/fixtures";
import { mockReactFlowEnvironment } from "../../test/reactFlowMocks";
import EditorPage from "../editor/EditorPage";
import { resetEditorStore, useEditorStore } from "../editor/editorStore";

const fetchNode: SpecNode = {
  id: "fetch",
  type: "core.log",
  name: "Fetch",
  position: { x: 250, y: 0 },
  config: { message: "hi" },
};

function workflow(fetch: SpecNode = fetchNode): Workflow {
  return {
    id: 5,
    name: "Retries",
    description: "",
    owner: 1,
    version: 2,
    spec: {
      format: 1,
      nodes: [
        { id: "start", type: "core.start", position: { x: 0, y: 0 } },
        fetch,
        { id: "alert", type: "core.log", position: { x: 500, y: 100 }, config: { message: "failed" } },
        { id: "join", type: "logic.merge", position: { x: 750, y: 0 } },
      ],
      edges: [
        { source: "start", target: "fetch" },
        { source: "fetch", target: "join" },
      ],
    },
    created_at: "",
    updated_at: "",
  };
}

const store = () => useEditorStore.getState();
const specOf = (id: string) => store().currentSpec().nodes.find((n) => n.id === id)!;

async function openOn(nodeId: string, loaded: Workflow = workflow()) {
  vi.mocked(api.getWorkflow).mockResolvedValue(loaded);
  render(<EditorPage workflowId={5} />);
  await screen.findByTestId(`node-${nodeId}`);
  act(() => {
    useEditorStore.setState((s) => ({ nodes: s.nodes.map((n) => ({ ...n, selected: n.id === nodeId })) }));
  });
  await screen.findByTestId("execution-settings");
}

function change(testId: string, value: string) {
  fireEvent.change(screen.getByTestId(testId), { target: { value } });
}

function selectedText(testId: string): string {
  return (screen.getByTestId(testId) as HTMLSelectElement).selectedOptions[0].textContent ?? "";
}

beforeEach(() => {
  mockReactFlowEnvironment();
  vi.stubGlobal("WebSocket", class { close() {} });
  resetEditorStore();
  vi.spyOn(api, "getWorkflow");
  vi.spyOn(api, "listNodeTypes").mockResolvedValue(nodeTypes);
});

afterEach(() => {
  vi.restoreAllMocks();
  vi.unstubAllGlobals();
});

describe("the Execution section of the side panel", () => {
  it("is folded for a node that sets none of its fields, and unfolds on a click", async () => {
    await openOn("fetch");
    expect(screen.queryByTestId("exec-trigger_rule")).toBeNull();
    expect(screen.getByTestId("execution-toggle").getAttribute("aria-expanded")).toBe("false");
    fireEvent.click(screen.getByTestId("execution-toggle"));
    expect(screen.getByTestId("exec-trigger_rule")).toBeTruthy();
  });

  it("writes every field to the node's own spec, not its config, and an emptied input removes its field", async () => {
    await openOn("fetch");
    fireEvent.click(screen.getByTestId("execution-toggle"));
    change("exec-trigger_rule", "all_done");
    change("exec-retry-max_attempts", "3");
    change("exec-retry-delay_s", "2");
    change("exec-retry-backoff", "2");
    change("exec-retry-max_delay_s", "60");
    change("exec-timeout_s", "12.5");
    change("exec-on_error", "continue");
    change("exec-queue", "gpu");
    change("exec-cache-key", "weather-{{ inputs.city }}");
    change("exec-cache-ttl_s", "3600");

    expect(specOf("fetch")).toStrictEqual({
      ...fetchNode,
      trigger_rule: "all_done",
      retry: { max_attempts: 3, delay_s: 2, backoff: 2, max_delay_s: 60 },
      timeout_s: 12.5,
      on_error: "continue",
      queue: "gpu",
      cache: { key: "weather-{{ inputs.city }}", ttl_s: 3600 },
    });
    expect(store().dirty).toBe(true);
    expect(screen.getByText(/downstream nodes get \{error/)).toBeTruthy();

    for (const field of ["retry-max_attempts", "retry-delay_s", "retry-backoff", "retry-max_delay_s", "timeout_s", "queue", "cache-key"]) {
      change(`exec-${field}`, "");
    }
    // Half a cache is refused by the server: the panel says so before saving.
    expect(screen.getByTestId("exec-cache-incomplete")).toBeTruthy();
    change("exec-cache-ttl_s", "");
    // Picking the default is the same as not setting the field.
    change("exec-trigger_rule", "all_success");
    change("exec-on_error", "fail");
    expect(specOf("fetch")).toStrictEqual(fetchNode);
    expect(screen.queryByTestId("exec-cache-incomplete")).toBeNull();
  });

  it("shows the node type's own default trigger rule", async () => {
    await openOn("join");
    fireEvent.click(screen.getByTestId("execution-toggle"));
    expect(selectedText("exec-trigger_rule")).toBe("none_failed_min_one_success (default)");
    change("exec-trigger_rule", "all_success");
    expect(specOf("join").trigger_rule).toBe("all_success");
    change("exec-trigger_rule", "none_failed_min_one_success");
    expect(specOf("join")).not.toHaveProperty("trigger_rule");
  });

  it("opens unfolded for a node with execution fields, and sums them up when folded", async () => {
    const fetch = { ...fetchNode, retry: { max_attempts: 3 }, on_error: "route", trigger_rule: "always" };
    await openOn("fetch", workflow(fetch));
    expect((screen.getByTestId("exec-retry-max_attempts") as HTMLInputElement).value).toBe("3");
    expect(selectedText("exec-on_error")).toBe("route");
    fireEvent.click(screen.getByTestId("execution-toggle"));
    expect(screen.getByTestId("execution-settings").textContent).toContain("always · 3 attempts · on error: route");
    // Looking changes nothing.
    expect(specOf("fetch")).toStrictEqual(fetch);
    expect(store().dirty).toBe(false);
  });

  it("gives the node an error output with on_error route, and removes its edges when route is dropped", async () => {
    await openOn("fetch");
    expect(screen.queryByTestId("handle-fetch-out-error")).toBeNull();
    fireEvent.click(screen.getByTestId("execution-toggle"));
    change("exec-on_error", "route");
    const handle = screen.getByTestId("handle-fetch-out-error");
    expect(handle.className).toContain("fd-handle--error");
    expect(screen.getByTestId("node-fetch").textContent).toContain("error");

    act(() => store().connect({ source: "fetch", sourceHandle: "error", target: "alert", targetHandle: "in" }));
    expect(store().currentSpec().edges).toContainEqual({ source: "fetch", target: "alert", source_port: "error" });

    change("exec-on_error", "continue");
    expect(screen.queryByTestId("handle-fetch-out-error")).toBeNull();
    expect(store().currentSpec().edges).toStrictEqual(workflow().spec.edges);
    expect(store().usedPorts.get("fetch")).toEqual(["out"]);
    expect(screen.getByTestId("status-message").textContent).toContain(
      "Removed 1 connection from the error output of “Fetch”.",
    );
  });

  it("sets a breakpoint with its checkbox, marks the node with a red dot, and unchecking removes the field", async () => {
    await openOn("fetch");
    expect(screen.queryByTestId("breakpoint-fetch")).toBeNull();
    fireEvent.click(screen.getByTestId("execution-toggle"));
    expect(screen.getByLabelText("Pause before this node (breakpoint)")).toBe(screen.getByTestId("exec-breakpoint"));
    fireEvent.click(screen.getByTestId("exec-breakpoint"));

    expect(specOf("fetch")).toStrictEqual({ ...fetchNode, breakpoint: true });
    expect(store().dirty).toBe(true);
    expect(screen.getByTestId("breakpoint-fetch").getAttribute("aria-label")).toBe("breakpoint");
    fireEvent.click(screen.getByTestId("execution-toggle"));
    expect(screen.getByTestId("execution-settings").textContent).toContain("breakpoint");

    fireEvent.click(screen.getByTestId("execution-toggle"));
    fireEvent.click(screen.getByTestId("exec-breakpoint"));
    expect(specOf("fetch")).toStrictEqual(fetchNode);
    expect(screen.queryByTestId("breakpoint-fetch")).toBeNull();
  });

  it("shows the server's errors next to their inputs, unfolding the section", async () => {
    vi.spyOn(api, "updateWorkflow").mockRejectedValue(
      new ApiError(400, {
        code: "invalid_spec",
        message: "The workflow is not valid.",
        errors: [
          { code: "schema", message: "0 is less than the minimum of 1", node: "fetch", field: "nodes[1].retry.max_attempts" },
          { code: "schema", message: "Unknown field 'jitter'.", node: "fetch", field: "nodes[1].retry.jitter" },
          { code: "template", message: "unexpected end of template", node: "fetch", field: "cache.key" },
          { code: "schema", message: "'x' is not valid", node: "alert", field: "nodes[2].queue" },
        ],
      }),
    );
    await openOn("fetch");
    expect(screen.queryByTestId("exec-retry-max_attempts")).toBeNull();
    await act(() => store().save());

    expect(screen.getByTestId("exec-retry-max_attempts-error").textContent).toBe("0 is less than the minimum of 1");
    expect(screen.getByTestId("exec-cache-key-error").textContent).toBe("unexpected end of template");
    // A field without an input of its own is listed on top of the section.
    expect(screen.getByTestId("execution-settings").textContent).toContain("retry.jitter: Unknown field 'jitter'.");
    // Another node's error stays with that node.
    expect(screen.queryByTestId("exec-queue-error")).toBeNull();
  });
});
