/** Node types and specs shaped like the API's, for tests. */
import type { NodeType, Run, Spec } from "../api/types";

const io = { inputs: ["in"], outputs: ["out"] };

export const nodeTypes: NodeType[] = [
  {
    type: "core.start",
    name: "Start",
    category: "core",
    description: "Where a run begins.",
    config_schema: { type: "object", properties: {} },
    ports: { inputs: [], outputs: ["out"] },
  },
  {
    type: "core.log",
    name: "Log",
    category: "core",
    description: "Writes a line to the run log.",
    config_schema: {
      type: "object",
      properties: {
        message: { type: "string", description: "A template.", default: "" },
        level: { type: "string", enum: ["debug", "info", "warning", "error"], default: "info" },
      },
      required: ["message"],
    },
    ports: io,
  },
  {
    type: "core.set",
    name: "Set variables",
    category: "core",
    description: "",
    config_schema: {
      type: "object",
      properties: { values: { type: "object", additionalProperties: { type: "string" }, description: "variable → template" } },
    },
    ports: io,
  },
  {
    type: "core.delay",
    name: "Delay",
    category: "core",
    description: "",
    config_schema: { type: "object", properties: { seconds: { type: "number", default: 1 } } },
    ports: io,
  },
  {
    type: "logic.condition",
    name: "Condition",
    category: "logic",
    description: "",
    config_schema: { type: "object", properties: { expression: { type: "string" } }, required: ["expression"] },
    ports: { inputs: ["in"], outputs: ["true", "false"] },
  },
  {
    type: "logic.merge",
    name: "Merge",
    category: "logic",
    description: "",
    config_schema: { type: "object", properties: {} },
    default_trigger_rule: "none_failed_min_one_success",
    ports: io,
  },
];

/** A spec using every field the canvas does not display. */
export function richSpec(): Spec {
  return {
    format: 1,
    inputs: {
      amount: { type: "number", default: 0, description: "order amount" },
      country: { type: "string", required: true },
    },
    variables: { total: { type: "number", default: 0 } },
    settings: { max_parallel: 8, timeout_s: 3600, on_crash: "resume", error_workflow: null },
    nodes: [
      { id: "start", type: "core.start", name: "Start", position: { x: 0, y: 0 } },
      {
        id: "check",
        type: "logic.condition",
        name: "Big order?",
        position: { x: 250, y: 10.5 },
        config: { expression: "inputs.amount > 100" },
      },
      {
        id: "notify",
        type: "core.http",
        name: "Notify",
        position: { x: 500, y: -80 },
        config: { method: "POST", url: "https://example.test/hook", json: { amount: "{{ inputs.amount }}" } },
        retry: { max_attempts: 3, delay_s: 2, backoff: 2.0 },
        timeout_s: 30,
        on_error: "fail",
        cache: { key: "{{ inputs.amount }}", ttl_s: 3600 },
        breakpoint: false,
        queue: "default",
      },
      {
        id: "row",
        type: "core.set",
        position: { x: 500, y: 200 },
        parent: "each",
        config: { values: { total: "{{ vars.total + item.price }}" } },
        disabled: true,
      },
      {
        id: "join",
        type: "logic.merge",
        position: { x: 750, y: 0 },
        trigger_rule: "none_failed_min_one_success",
      },
    ],
    edges: [
      { source: "start", target: "check" },
      { source: "check", source_port: "true", target: "notify" },
      { source: "check", source_port: "false", target: "join" },
      // A field this editor does not know yet still comes back.
      { source: "notify", target: "join", note: "after the hook" },
    ],
  };
}

/** A running run of workflow 1 with no nodes yet; override what a test needs. */
export function runningRun(overrides: Partial<Run> = {}): Run {
  return {
    id: 9,
    workflow: 1,
    version: 1,
    status: "running",
    substatus: "",
    inputs: {},
    error: "",
    created_at: "2026-01-01T00:00:00Z",
    started_at: "2026-01-01T00:00:00Z",
    finished_at: null,
    nodes: [],
    ...overrides,
  };
}
