import { describe, expect, it } from "vitest";
import { NO_PORTS, indexSourcePorts, portsOf } from "./portIndex";

describe("indexSourcePorts", () => {
  it("lists each node's used output ports once, in edge order, `out` by default", () => {
    const index = indexSourcePorts([
      { source: "check", sourceHandle: "true" },
      { source: "start" },
      { source: "check", sourceHandle: "false" },
      { source: "check", sourceHandle: "true" },
      { source: "start", sourceHandle: null },
    ]);
    expect(portsOf(index, "check")).toEqual(["true", "false"]);
    expect(portsOf(index, "start")).toEqual(["out"]);
    expect(portsOf(index, "join")).toBe(NO_PORTS);
    expect(portsOf(index, "constructor")).toBe(NO_PORTS);
  });

  it("keeps the same list for a node whose ports did not change", () => {
    const before = indexSourcePorts([
      { source: "a", sourceHandle: "out" },
      { source: "b", sourceHandle: "true" },
    ]);
    const after = indexSourcePorts(
      [
        { source: "a", sourceHandle: "out" },
        { source: "b", sourceHandle: "true" },
        { source: "b", sourceHandle: "false" },
        { source: "c", sourceHandle: "out" },
      ],
      before,
    );
    expect(portsOf(after, "a")).toBe(portsOf(before, "a"));
    expect(portsOf(after, "b")).toEqual(["true", "false"]);
    expect(portsOf(after, "c")).toEqual(["out"]);
    expect(portsOf(indexSourcePorts([], after), "a")).toBe(NO_PORTS);
  });
});
