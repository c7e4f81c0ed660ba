// @vitest-environment jsdom
import { afterEach, describe, expect, it } from "vitest";
import type { Workflow } from "./types";
import { nodeTypes } from "../test/fixtures";
import { embedInitialData as embed, removeInitialData } from "../test/embed";
import { readInitialData, resetInitialData, takeInitialData } from "./initialData";

const workflow: Workflow = {
  id: 9,
  name: "Orders",
  description: "",
  owner: 1,
  version: 3,
  spec: { format: 1, nodes: [{ id: "start", type: "core.start", position: { x: 0, y: 0 } }], edges: [] },
  created_at: "",
  updated_at: "",
};

afterEach(() => {
  removeInitialData();
  resetInitialData();
});

describe("embedded initial data", () => {
  it("reads the workflow and node types the page embeds", () => {
    const tricky = { ...workflow, name: "</script><b>&" };
    embed({ workflow: tricky, node_types: nodeTypes });
    expect(readInitialData()).toStrictEqual({ workflow: tricky, node_types: nodeTypes });
  });

  it("hands the data out once, for its own workflow only", () => {
    embed({ workflow, node_types: nodeTypes });
    expect(takeInitialData(9)?.workflow.name).toBe("Orders");
    // A later load (a reload after a conflict) must ask the API.
    expect(takeInitialData(9)).toBeNull();

    resetInitialData();
    expect(takeInitialData(10)).toBeNull();
    expect(takeInitialData(9)).toBeNull();
  });

  it("gives null without the element or with unusable content", () => {
    expect(readInitialData()).toBeNull();
    expect(takeInitialData(9)).toBeNull();

    const script = embed({ workflow, node_types: nodeTypes });
    script.textContent = "{not json";
    expect(readInitialData()).toBeNull();
    script.textContent = "null";
    expect(readInitialData()).toBeNull();
    script.textContent = JSON.stringify({ workflow });
    expect(readInitialData()).toBeNull();
    script.textContent = JSON.stringify({ workflow: { id: 9 }, node_types: [] });
    expect(readInitialData()).toBeNull();
  });
});
