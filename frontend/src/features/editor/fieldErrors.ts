/**
 * The last save's validation errors by the input they belong to. The server
 * names a field from the spec's root for schema errors (`nodes[2].retry.max_attempts`)
 * and from the node for its other checks (`config.url`); both come out
 * relative to the node (`retry.max_attempts`).
 */
import type { SpecError } from "../../api/types";

export type FieldErrors = Record<string, string[]>;

const NODE_PREFIX = /^nodes\[\d+\]\.?/;
const SETTINGS_PREFIX = "settings.";

function byField(pairs: [string, string][]): FieldErrors {
  const result: FieldErrors = {};
  for (const [field, message] of pairs) (result[field] ??= []).push(message);
  return result;
}

/** Messages about node `nodeId`, by field path relative to the node. */
export function nodeFieldErrors(errors: readonly SpecError[], nodeId: string): FieldErrors {
  return byField(
    errors.flatMap((e): [string, string][] => {
      const field = e.node === nodeId && e.field ? e.field.replace(NODE_PREFIX, "") : "";
      return field ? [[field, e.message]] : [];
    }),
  );
}

/** Messages about the workflow's `settings`, by setting name (`max_parallel`). */
export function settingsFieldErrors(errors: readonly SpecError[]): FieldErrors {
  return byField(
    errors.flatMap((e): [string, string][] =>
      !e.node && e.field?.startsWith(SETTINGS_PREFIX) ? [[e.field.slice(SETTINGS_PREFIX.length), e.message]] : [],
    ),
  );
}
