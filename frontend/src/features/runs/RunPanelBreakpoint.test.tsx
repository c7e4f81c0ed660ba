// @vitest-environment jsdom
import { fireEvent, render, screen, waitFor } from "@testing-library/react";
import { afterEach, describe, expect, it, vi } from "vitest";
import { api } from "../../api/client";
import type { Run, RunEvent } from "../../api/types";
import { useEditorStore } from "../editor/editorStore";
import RunPanel, { runActionLabel } from "./RunPanel";
import { runningRun } from "../../test/fixtures";
import { applyRunEvent, runStateFromRun } from "./runState";

const running: Run = runningRun();

function runStatus(seq: number, status: string, substatus: string, message = ""): RunEvent {
  return { seq, type: "run.status", run_id: 9, node_id: null, status, substatus, at: "", level: "", message };
}

afterEach(() => {
  vi.restoreAllMocks();
  useEditorStore.setState({ run: null });
});

describe("a run paused at a breakpoint in the run panel", () => {
  it("says before which node it stopped and continues with the resume control", async () => {
    const control = vi.spyOn(api, "controlRun").mockResolvedValue(running);
    const stopped = applyRunEvent(
      runStateFromRun(running),
      runStatus(1, "paused", "at_breakpoint", "Stopped at a breakpoint before node 'bp1'."),
    );
    useEditorStore.setState({ run: stopped, runPanelOpen: true });
    render(<RunPanel streamState="open" />);

    expect(screen.getByTestId("run-stopped-at").textContent).toBe("Stopped at a breakpoint before node 'bp1'.");
    expect(screen.getByTestId("resume-run").textContent).toBe("Continue");
    fireEvent.click(screen.getByTestId("resume-run"));
    await waitFor(() => expect(control).toHaveBeenCalledWith(9, "resume"));
  });

  it("forgets the stop once the run goes on, and a user's pause keeps Resume", () => {
    let state = applyRunEvent(runStateFromRun(running), runStatus(1, "paused", "at_breakpoint", "Stopped…"));
    state = applyRunEvent(state, runStatus(2, "pending", "queued"));
    expect(state.statusMessage).toBe("");
    state = applyRunEvent(state, runStatus(3, "paused", "by_user"));
    useEditorStore.setState({ run: state, runPanelOpen: true });
    render(<RunPanel streamState="open" />);
    expect(screen.queryByTestId("run-stopped-at")).toBeNull();
    expect(screen.getByTestId("resume-run").textContent).toBe("Resume");
    expect(runActionLabel("resume", "at_breakpoint")).toBe("Continue");
  });
});
