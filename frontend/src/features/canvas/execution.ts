/**
 * What the editor knows about a node's execution fields (the spec's
 * `trigger_rule`, `retry`, `timeout_s`, `on_error`, `queue`, `cache`,
 * `breakpoint`): the
 * choices, their defaults and what they mean, in the words of
 * docs/workflow-format.md.
 */
import type { NodeType, SpecNodeBody } from "../../api/types";

/** The port a node with `on_error: "route"` sends its error object out of. */
export const ERROR_PORT = "error";

/** The trigger rules, in the order of docs/workflow-format.md, with Airflow's meaning. */
export const TRIGGER_RULES = [
  ["all_success", "Runs when every upstream node succeeded."],
  ["all_failed", "Runs when every upstream node failed; skipped if one succeeded."],
  ["all_done", "Runs once every upstream node finished, whatever the outcome."],
  ["one_success", "Runs as soon as one upstream node succeeded."],
  ["one_failed", "Runs as soon as one upstream node failed (an alert, a clean-up)."],
  ["one_done", "Runs as soon as one upstream node succeeded or failed."],
  ["none_failed", "Runs once no upstream node failed: each succeeded or was skipped."],
  [
    "none_failed_min_one_success",
    "Runs once no upstream node failed and at least one succeeded (joins branches).",
  ],
  ["none_skipped", "Runs once every upstream node finished and none was skipped."],
  ["always", "Runs at once, without waiting for upstream nodes."],
] as const satisfies readonly (readonly [string, string])[];

export type TriggerRule = (typeof TRIGGER_RULES)[number][0];

/** The rule a node of this type follows without a `trigger_rule` (all_success for an unknown type). */
export function defaultTriggerRule(nodeType: NodeType | undefined): TriggerRule {
  const rule = TRIGGER_RULES.find(([name]) => name === nodeType?.default_trigger_rule);
  return rule ? rule[0] : "all_success";
}

export const ON_ERROR_CHOICES = [
  ["fail", "Stop this branch: downstream nodes become upstream_failed and the run fails."],
  [
    "continue",
    "Mark the node failed but carry on: downstream nodes get {error: {type, message}} as its output, and the run can succeed.",
  ],
  [
    "route",
    "Send the error object out of a separate “error” output instead; connect it to the nodes that handle the failure.",
  ],
] as const satisfies readonly (readonly [string, string])[];

export const DEFAULT_ON_ERROR = "fail";

/** Whether the node has the `error` output port. */
export function routesErrors(spec: SpecNodeBody): boolean {
  return spec.on_error === "route";
}

/** The spec fields the Execution section edits; errors under them are shown there. */
export const EXECUTION_FIELDS = ["trigger_rule", "retry", "timeout_s", "on_error", "queue", "cache", "breakpoint"] as const;

/** Whether a run pauses before this node starts (`breakpoint: true`). */
export function hasBreakpoint(spec: SpecNodeBody): boolean {
  return spec.breakpoint === true;
}

/** A few words per execution field the node sets, for the section's folded header. */
export function executionSummary(spec: SpecNodeBody): string[] {
  const parts: string[] = [];
  if (typeof spec.trigger_rule === "string") parts.push(spec.trigger_rule);
  const retry = spec.retry as { max_attempts?: unknown } | undefined;
  if (retry && typeof retry.max_attempts === "number") parts.push(`${retry.max_attempts} attempts`);
  else if (retry) parts.push("retry");
  if (typeof spec.timeout_s === "number") parts.push(`timeout ${spec.timeout_s} s`);
  if (typeof spec.on_error === "string") parts.push(`on error: ${spec.on_error}`);
  if (typeof spec.queue === "string") parts.push(`queue ${spec.queue}`);
  if (spec.cache) parts.push("cached");
  if (hasBreakpoint(spec)) parts.push("breakpoint");
  return parts;
}
