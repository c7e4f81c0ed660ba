/**
 * Reading and writing one field of a spec object by its dotted path
 * (`timeout_s`, `retry.max_attempts`, `max_parallel`), the way the server's
 * validation errors name fields.
 */

type Fields = { [key: string]: unknown };

function isFields(value: unknown): value is Fields {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

/** The value at `path`, or undefined when it or a parent is missing. */
export function fieldAt(object: Fields | undefined, path: string): unknown {
  let at: unknown = object;
  for (const key of path.split(".")) {
    if (!isFields(at)) return undefined;
    at = at[key];
  }
  return at;
}

/**
 * A copy of `object` with `path` set to `value`, or removed when `value` is
 * undefined. A parent emptied by the removal goes too: the format refuses
 * `null`, and an empty `retry` or `cache` says nothing.
 */
export function withField<T extends Fields>(object: T, path: string, value: unknown): T {
  const [key, ...rest] = path.split(".");
  const next: Fields = { ...object };
  const inner = rest.length === 0 ? value : withField(isFields(object[key]) ? object[key] : {}, rest.join("."), value);
  if (inner === undefined || (rest.length > 0 && Object.keys(inner as Fields).length === 0)) delete next[key];
  else next[key] = inner;
  return next as T;
}
