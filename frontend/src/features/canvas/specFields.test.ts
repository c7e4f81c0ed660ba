import { describe, expect, it } from "vitest";
import { fieldAt, withField } from "./specFields";

describe("withField", () => {
  const node = { id: "a", type: "core.log", retry: { max_attempts: 3, delay_s: 2 } };

  it("sets a top-level or nested field, creating the parent, without touching the original", () => {
    expect(withField(node, "timeout_s", 30)).toStrictEqual({ ...node, timeout_s: 30 });
    expect(withField(node, "retry.backoff", 2)).toStrictEqual({ ...node, retry: { max_attempts: 3, delay_s: 2, backoff: 2 } });
    expect(withField({ id: "b" }, "cache.key", "k")).toStrictEqual({ id: "b", cache: { key: "k" } });
    expect(node).toStrictEqual({ id: "a", type: "core.log", retry: { max_attempts: 3, delay_s: 2 } });
  });

  it("removes a field set to undefined, and a parent it leaves empty, never writing null or {}", () => {
    const once = withField(node, "retry.max_attempts", undefined);
    expect(once).toStrictEqual({ id: "a", type: "core.log", retry: { delay_s: 2 } });
    expect(withField(once, "retry.delay_s", undefined)).toStrictEqual({ id: "a", type: "core.log" });
    expect(withField(node, "queue", undefined)).toStrictEqual(node);
    expect(withField({}, "settings.max_parallel", undefined)).toStrictEqual({});
  });
});

describe("fieldAt", () => {
  it("reads a dotted path, undefined where a part is missing", () => {
    const node = { retry: { max_attempts: 3 }, queue: "gpu" };
    expect(fieldAt(node, "retry.max_attempts")).toBe(3);
    expect(fieldAt(node, "queue")).toBe("gpu");
    expect(fieldAt(node, "cache.key")).toBeUndefined();
    expect(fieldAt(node, "queue.name")).toBeUndefined();
    expect(fieldAt(undefined, "queue")).toBeUndefined();
  });
});
