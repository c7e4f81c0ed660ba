import { describe, expect, it } from "vitest";
import { fieldKind } from "./configFields";

describe("form field for a schema property", () => {
  it.each([
    ["url", { type: "string" }, "text"],
    ["body", { type: "string", format: "textarea" }, "textarea"],
    ["expression", { type: "string" }, "textarea"],
    ["message", { type: "string" }, "textarea"],
    ["name", { type: ["string", "null"] }, "text"],
    ["seconds", { type: "number" }, "number"],
    ["count", { type: "integer" }, "number"],
    ["enabled", { type: "boolean" }, "checkbox"],
    ["level", { type: "string", enum: ["debug", "info"] }, "select"],
    ["mode", { enum: [1, 2] }, "select"],
    ["values", { type: "object", additionalProperties: { type: "string" } }, "keyvalue"],
    ["headers", { type: "object", additionalProperties: true }, "keyvalue"],
    ["limits", { type: "object", additionalProperties: { type: "number" } }, "json"],
    ["json", { type: "object" }, "json"],
    ["auth", { type: "object", properties: { user: { type: "string" } }, additionalProperties: true }, "json"],
    ["items", { type: "array", items: { type: "string" } }, "json"],
    ["anything", {}, "json"],
  ] as const)("%s %j → %s", (property, schema, kind) => {
    expect(fieldKind(property, schema as never)).toBe(kind);
  });
});
