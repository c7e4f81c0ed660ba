// @vitest-environment jsdom
import { fireEvent, render, screen } from "@testing-library/react";
import { useState } from "react";
import { describe, expect, it } from "vitest";
import type { JsonObject, JsonSchema, JsonValue } from "../../api/types";
import ConfigForm from "./ConfigForm";

const schema: JsonSchema = {
  type: "object",
  properties: {
    message: { type: "string", description: "What to write; a template." },
    level: { type: "string", enum: ["debug", "info", "warning", "error"], default: "info" },
    seconds: { type: "number" },
    strict: { type: "boolean" },
    values: { type: "object", additionalProperties: { type: "string" } },
    extra: { type: "array" },
  },
};

function Harness({ initial, seen }: { initial: JsonObject; seen: JsonObject[] }) {
  const [config, setConfig] = useState<JsonObject>(initial);
  const onChange = (property: string, value: JsonValue | undefined) => {
    const next = { ...config };
    if (value === undefined) delete next[property];
    else next[property] = value;
    seen.push(next);
    setConfig(next);
  };
  return <ConfigForm schema={schema} config={config} onChange={onChange} />;
}

describe("ConfigForm", () => {
  it("renders one control per property, of the right kind, with help text", () => {
    render(<Harness initial={{ values: { total: "{{ 1 }}" } }} seen={[]} />);
    expect(screen.getByTestId("config-message").tagName).toBe("TEXTAREA");
    expect(screen.getByTestId("config-level").tagName).toBe("SELECT");
    expect((screen.getByTestId("config-level") as HTMLSelectElement).selectedOptions[0].textContent).toBe("info");
    expect(screen.getByTestId("config-seconds")).toHaveProperty("type", "number");
    expect(screen.getByTestId("config-strict")).toHaveProperty("type", "checkbox");
    expect(screen.getByTestId("config-values").tagName).toBe("DIV");
    expect(screen.getByTestId("config-values-key-0")).toHaveProperty("value", "total");
    expect(screen.getByTestId("config-extra").tagName).toBe("TEXTAREA");
    expect(screen.getByText("What to write; a template.")).toBeTruthy();
  });

  it("writes typed values back to the config", () => {
    const seen: JsonObject[] = [];
    render(<Harness initial={{}} seen={seen} />);
    fireEvent.change(screen.getByTestId("config-message"), { target: { value: "hi {{ inputs.x }}" } });
    fireEvent.change(screen.getByTestId("config-level"), { target: { value: "3" } });
    fireEvent.change(screen.getByTestId("config-seconds"), { target: { value: "2.5" } });
    fireEvent.click(screen.getByTestId("config-strict"));
    fireEvent.change(screen.getByTestId("config-extra"), { target: { value: "[1, 2]" } });
    expect(seen.at(-1)).toStrictEqual({
      message: "hi {{ inputs.x }}",
      level: "error",
      seconds: 2.5,
      strict: true,
      extra: [1, 2],
    });
    fireEvent.change(screen.getByTestId("config-seconds"), { target: { value: "" } });
    expect(seen.at(-1)).not.toHaveProperty("seconds");
  });

  it("edits a map as key/value rows", () => {
    const seen: JsonObject[] = [];
    render(<Harness initial={{ values: { a: "1" } }} seen={seen} />);
    fireEvent.click(screen.getByTestId("config-values-add"));
    fireEvent.change(screen.getByTestId("config-values-key-1"), { target: { value: "b" } });
    fireEvent.change(screen.getByTestId("config-values-value-1"), { target: { value: "{{ vars.a }}" } });
    expect(seen.at(-1)).toStrictEqual({ values: { a: "1", b: "{{ vars.a }}" } });
    fireEvent.click(screen.getByTestId("config-values-remove-0"));
    expect(seen.at(-1)).toStrictEqual({ values: { b: "{{ vars.a }}" } });
  });

  it("keeps the last valid JSON while the text does not parse", () => {
    const seen: JsonObject[] = [];
    render(<Harness initial={{ extra: [1] }} seen={seen} />);
    fireEvent.change(screen.getByTestId("config-extra"), { target: { value: "[1, " } });
    expect(seen).toHaveLength(0);
    expect(screen.getByText(/Not valid JSON/)).toBeTruthy();
  });
});
