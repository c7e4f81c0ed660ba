import { describe, expect, it } from "vitest";
import type { RunEvent } from "../../api/types";
import { applyRunEvent, durationMs, formatDuration, runStateFromRun } from "./runState";

function event(seq: number, fields: Partial<RunEvent>): RunEvent {
  return { seq, type: "log", run_id: 3, node_id: null, status: "", substatus: "", at: "", level: "", message: "", ...fields };
}

const run = runStateFromRun({
  id: 3,
  workflow: 1,
  version: 2,
  status: "pending",
  inputs: {},
  error: null,
  created_at: "2026-11-27T21:00:00+00:00",
  started_at: null,
  finished_at: null,
});

describe("applyRunEvent", () => {
  it("shows a loop body node's aggregate status, not one iteration's", () => {
    const events = [
      event(1, { type: "node.status", node_id: "row", status: "running" }),
      event(2, { type: "node.status", node_id: "row", scope: "each[0]", status: "succeeded" }),
      event(3, { type: "node.status", node_id: "row", scope: "each[1]", status: "running" }),
    ];
    const state = events.reduce(applyRunEvent, run);
    expect(state.nodes.row.status).toBe("running");
    expect(state.lastSeq).toBe(3);
  });

  it("builds node rows, logs and the run status from events", () => {
    const events = [
      event(1, { type: "run.status", status: "running" }),
      event(2, { type: "node.status", node_id: "log_1", status: "running", at: "2026-11-27T21:00:00.100+00:00" }),
      event(3, { type: "log", node_id: "log_1", level: "info", message: "hello", at: "2026-11-27T21:00:00.200+00:00" }),
      event(4, { type: "node.status", node_id: "log_1", status: "succeeded", at: "2026-11-27T21:00:00.350+00:00" }),
      event(5, { type: "node.status", node_id: "other", status: "skipped", at: "2026-11-27T21:00:00.400+00:00" }),
      event(6, { type: "run.status", status: "succeeded" }),
    ];
    const state = events.reduce(applyRunEvent, run);
    expect(state.status).toBe("succeeded");
    expect(state.lastSeq).toBe(6);
    expect(state.nodeOrder).toEqual(["log_1", "other"]);
    expect(state.nodes.log_1.status).toBe("succeeded");
    expect(durationMs(state.nodes.log_1.startedAt, state.nodes.log_1.finishedAt)).toBe(250);
    expect(state.nodes.other.startedAt).toBeNull();
    expect(state.logs).toEqual([{ seq: 3, at: "2026-11-27T21:00:00.200+00:00", nodeId: "log_1", level: "info", message: "hello" }]);
  });

  it("ignores events already applied and events of other runs", () => {
    const once = applyRunEvent(run, event(1, { message: "a" }));
    expect(applyRunEvent(once, event(1, { message: "a" }))).toBe(once);
    expect(applyRunEvent(once, event(2, { message: "b", run_id: 4 }))).toBe(once);
    expect(once.logs).toHaveLength(1);
  });
});

describe("formatDuration", () => {
  it("reads well at every scale", () => {
    expect(formatDuration(null)).toBe("");
    expect(formatDuration(250)).toBe("250 ms");
    expect(formatDuration(1500)).toBe("1.50 s");
    expect(formatDuration(95_000)).toBe("1 min 35 s");
  });
});
