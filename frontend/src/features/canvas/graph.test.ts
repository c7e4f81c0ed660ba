import { describe, expect, it } from "vitest";
import { canConnect } from "./graph";

const edges = [
  { source: "start", target: "check", sourceHandle: "out" },
  { source: "check", target: "a", sourceHandle: "true" },
  { source: "a", target: "b", sourceHandle: "out" },
];

describe("canConnect", () => {
  it("allows a new forward edge, also from another port", () => {
    expect(canConnect(edges, { source: "start", target: "b", sourceHandle: "out" })).toBe(true);
    expect(canConnect(edges, { source: "check", target: "a", sourceHandle: "false" })).toBe(true);
  });

  it("refuses self loops, duplicates and cycles", () => {
    expect(canConnect(edges, { source: "a", target: "a", sourceHandle: "out" })).toBe(false);
    expect(canConnect(edges, { source: "check", target: "a", sourceHandle: "true" })).toBe(false);
    expect(canConnect(edges, { source: "b", target: "start", sourceHandle: "out" })).toBe(false);
    expect(canConnect(edges, { source: null, target: "a" })).toBe(false);
  });
});
