// @vitest-environment jsdom
import { fireEvent, render, screen, waitFor } from "@testing-library/react";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { ApiError, api } from "../../api/client";
import type { Workflow, WorkflowSummary } from "../../api/types";
import WorkflowsPage from "./WorkflowsPage";

const summary = (id: number, name: string): WorkflowSummary => ({
  id,
  name,
  description: "",
  owner: 1,
  version: id + 1,
  created_at: "2026-11-27T21:00:00+00:00",
  updated_at: "2026-11-27T21:00:00+00:00",
});

beforeEach(() => {
  vi.spyOn(api, "listWorkflows").mockResolvedValue({
    count: 2,
    next: null,
    previous: null,
    results: [summary(1, "Orders"), summary(2, "Invoices")],
  });
});

afterEach(() => {
  vi.restoreAllMocks();
});

describe("WorkflowsPage", () => {
  it("lists workflows with links to their editors and versions", async () => {
    render(<WorkflowsPage />);
    const link = await screen.findByText("Orders");
    expect(link.getAttribute("href")).toBe("/workflows/1/");
    expect(screen.getByTestId("workflow-row-2").textContent).toContain("v3");
  });

  it("creates a workflow and opens it in the editor", async () => {
    const create = vi.spyOn(api, "createWorkflow").mockResolvedValue({ ...summary(7, "New"), spec: { nodes: [], edges: [] } } as Workflow);
    const navigate = vi.fn();
    render(<WorkflowsPage navigate={navigate} />);
    fireEvent.change(screen.getByTestId("new-workflow-name"), { target: { value: "  New  " } });
    fireEvent.click(screen.getByTestId("create-workflow"));
    await waitFor(() => expect(navigate).toHaveBeenCalledWith("/workflows/7/"));
    expect(create).toHaveBeenCalledWith({ name: "New" });
  });

  it("shows the API's error when creating fails", async () => {
    vi.spyOn(api, "createWorkflow").mockRejectedValue(
      new ApiError(400, { code: "invalid", message: "Invalid input.", field: "name", errors: { name: ["Ensure this field has no more than 200 characters."] } }),
    );
    render(<WorkflowsPage navigate={vi.fn()} />);
    fireEvent.change(screen.getByTestId("new-workflow-name"), { target: { value: "x".repeat(300) } });
    fireEvent.click(screen.getByTestId("create-workflow"));
    expect((await screen.findByTestId("error-message")).textContent).toContain("no more than 200 characters");
  });

  it("deletes a workflow only after confirmation", async () => {
    const remove = vi.spyOn(api, "deleteWorkflow").mockResolvedValue(undefined);
    const confirm = vi.spyOn(window, "confirm").mockReturnValueOnce(false).mockReturnValueOnce(true);
    render(<WorkflowsPage />);
    fireEvent.click(await screen.findByTestId("delete-workflow-1"));
    expect(confirm).toHaveBeenCalledTimes(1);
    expect(remove).not.toHaveBeenCalled();
    fireEvent.click(screen.getByTestId("delete-workflow-1"));
    await waitFor(() => expect(screen.queryByTestId("workflow-row-1")).toBeNull());
    expect(remove).toHaveBeenCalledWith(1);
    expect(screen.getByTestId("workflow-row-2")).toBeTruthy();
  });
});
