// @vitest-environment jsdom
import { fireEvent, render, screen, waitFor } from "@testing-library/react";
import { afterEach, describe, expect, it, vi } from "vitest";
import { ApiError, api } from "../../api/client";
import type { Run } from "../../api/types";
import { useEditorStore } from "../editor/editorStore";
import RunPanel from "./RunPanel";
import { runningRun } from "../../test/fixtures";
import { applyRunEvent, runStateFromRun } from "./runState";

const waitingRun: Run = runningRun({
  id: 7,
  nodes: [
    { node_id: "start", status: "succeeded", attempt: 1, started_at: null, finished_at: null, error: "", output: null },
    {
      node_id: "review",
      status: "waiting",
      attempt: 1,
      started_at: "2026-01-01T00:00:01Z",
      finished_at: null,
      error: "",
      output: null,
      review: { message: "Ship v2?" },
    },
  ],
});

function showRun(run: Run) {
  useEditorStore.setState({ run: runStateFromRun(run), runPanelOpen: true });
  render(<RunPanel streamState="open" />);
}

afterEach(() => {
  vi.restoreAllMocks();
  useEditorStore.setState({ run: null });
});

describe("a waiting review in the run panel", () => {
  it("shows the message and sends Approve with the comment", async () => {
    const review = vi.spyOn(api, "reviewNode").mockResolvedValue(waitingRun);
    showRun(waitingRun);
    expect(screen.getByTestId("review-review").textContent).toContain("Ship v2?");
    fireEvent.change(screen.getByTestId("review-comment-review"), { target: { value: "fine" } });
    fireEvent.click(screen.getByTestId("approve-review"));
    await waitFor(() => expect(review).toHaveBeenCalledWith(7, "review", "approve", "fine"));
  });

  it("sends Reject and shows why the server refused it", async () => {
    vi.spyOn(api, "reviewNode").mockRejectedValue(
      new ApiError(409, { code: "invalid_state", message: "Node 'review' is succeeded." }),
    );
    showRun(waitingRun);
    fireEvent.click(screen.getByTestId("reject-review"));
    expect((await screen.findByRole("alert")).textContent).toBe("Node 'review' is succeeded.");
    expect(api.reviewNode).toHaveBeenCalledWith(7, "review", "reject", "");
  });

  it("offers no decision once the node has finished", () => {
    const decided = { ...waitingRun, nodes: waitingRun.nodes!.map((n) => ({ ...n, status: "succeeded" as const })) };
    showRun(decided);
    expect(screen.queryByTestId("approve-review")).toBeNull();
  });
});

describe("run state of a waiting node", () => {
  it("takes the request from the waiting event and drops it when the node goes on", () => {
    const running = { ...waitingRun, nodes: [] };
    let state = runStateFromRun(running);
    const event = { run_id: 7, node_id: "review", substatus: "", level: "", type: "node.status" };
    state = applyRunEvent(state, { ...event, seq: 1, status: "waiting", at: "t1", message: "OK?" });
    expect(state.nodes.review).toMatchObject({ status: "waiting", waitingFor: "OK?" });
    state = applyRunEvent(state, { ...event, seq: 2, status: "succeeded", at: "t2", message: "" });
    expect(state.nodes.review.waitingFor).toBeUndefined();
  });
});
