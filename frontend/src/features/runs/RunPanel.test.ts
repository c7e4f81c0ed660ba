import { describe, expect, it } from "vitest";
import { runActions } from "./RunPanel";

describe("run controls", () => {
  it("offers only what the run's status allows", () => {
    expect(runActions("pending")).toEqual(["cancel"]);
    expect(runActions("running")).toEqual(["pause", "cancel"]);
    expect(runActions("paused")).toEqual(["resume", "cancel"]);
    expect(runActions("failed")).toEqual(["retry"]);
    expect(runActions("cancelled")).toEqual(["retry"]);
    expect(runActions("succeeded")).toEqual([]);
  });
});
