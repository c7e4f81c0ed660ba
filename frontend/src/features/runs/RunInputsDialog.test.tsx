// @vitest-environment jsdom
import { fireEvent, render, screen } from "@testing-library/react";
import { describe, expect, it, vi } from "vitest";
import type { InputDeclaration } from "../../api/types";
import RunInputsDialog, { collectInputs } from "./RunInputsDialog";

const declarations: Record<string, InputDeclaration> = {
  amount: { type: "number", default: 0, description: "order amount" },
  country: { type: "string", required: true },
  express: { type: "boolean", default: true },
  tags: { type: "array", default: ["a"] },
  note: { type: "string" },
};

describe("run inputs", () => {
  it("converts the typed text and leaves out empty optional inputs", () => {
    expect(collectInputs(declarations, { amount: "12.5", country: "NL", tags: '["x"]', note: "" }, { express: false })).toEqual({
      inputs: { amount: 12.5, country: "NL", express: false, tags: ["x"] },
      problems: [],
    });
    expect(collectInputs(declarations, { amount: "abc", country: " ", tags: "[" }, {}).problems).toEqual([
      "amount must be a number.",
      "country is required.",
      "tags must be valid JSON.",
    ]);
  });

  it("is prefilled with the defaults and starts with the values", () => {
    const onStart = vi.fn();
    render(<RunInputsDialog declarations={declarations} onStart={onStart} onCancel={vi.fn()} />);
    expect(screen.getByTestId("run-input-amount")).toHaveProperty("value", "0");
    expect(screen.getByTestId("run-input-express")).toHaveProperty("checked", true);
    expect(screen.getByTestId("run-input-tags")).toHaveProperty("value", '["a"]');

    fireEvent.click(screen.getByTestId("run-inputs-start"));
    expect(onStart).not.toHaveBeenCalled();
    expect(screen.getByText("country is required.")).toBeTruthy();

    fireEvent.change(screen.getByTestId("run-input-country"), { target: { value: "DE" } });
    fireEvent.click(screen.getByTestId("run-inputs-start"));
    expect(onStart).toHaveBeenCalledWith({ amount: 0, country: "DE", express: true, tags: ["a"] });
  });
});
