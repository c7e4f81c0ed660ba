import { describe, expect, it } from "vitest";
import type { SpecError } from "../../api/types";
import { nodeFieldErrors, settingsFieldErrors } from "./fieldErrors";

// As workflows/spec/validation.py reports them: schema errors name the field
// from the spec's root, the other checks from the node.
const errors: SpecError[] = [
  { code: "schema", message: "0 is less than the minimum of 1", node: "fetch", field: "nodes[2].retry.max_attempts" },
  { code: "schema", message: "'ttl_s' is required.", node: "fetch", field: "nodes[2].cache.ttl_s" },
  { code: "template", message: "bad template", node: "fetch", field: "cache.key" },
  { code: "schema", message: "too big", node: "other", field: "nodes[3].timeout_s" },
  { code: "schema", message: "0 is less than the minimum of 1", node: null, field: "settings.max_parallel" },
  { code: "invalid_error_workflow", message: "no such workflow", field: "settings.error_workflow" },
  { code: "cycle", message: "a cycle", node: "fetch", field: "edges" },
  { code: "missing_start", message: "no start", field: "nodes" },
];

describe("field errors", () => {
  it("gives a node's errors by the field path relative to the node", () => {
    expect(nodeFieldErrors(errors, "fetch")).toStrictEqual({
      "retry.max_attempts": ["0 is less than the minimum of 1"],
      "cache.ttl_s": ["'ttl_s' is required."],
      "cache.key": ["bad template"],
      edges: ["a cycle"],
    });
    expect(nodeFieldErrors(errors, "other")).toStrictEqual({ timeout_s: ["too big"] });
    expect(nodeFieldErrors(errors, "nobody")).toStrictEqual({});
  });

  it("gives the workflow settings' errors by setting name", () => {
    expect(settingsFieldErrors(errors)).toStrictEqual({
      max_parallel: ["0 is less than the minimum of 1"],
      error_workflow: ["no such workflow"],
    });
  });
});
