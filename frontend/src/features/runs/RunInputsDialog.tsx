/** Asks for a run's inputs, prefilled with the spec's defaults. */
import { useState } from "react";
import type { FormEvent } from "react";
import type { InputDeclaration, JsonObject, JsonValue } from "../../api/types";

type InputKind = "number" | "boolean" | "text" | "json";

function inputKind(declaration: InputDeclaration): InputKind {
  switch (declaration.type) {
    case "number":
    case "integer":
      return "number";
    case "boolean":
      return "boolean";
    case "object":
    case "array":
    case "any":
      return "json";
    default:
      return "text";
  }
}

function initialText(declaration: InputDeclaration): string {
  const value = declaration.default;
  if (value === undefined || value === null) return "";
  if (inputKind(declaration) === "json") return JSON.stringify(value);
  return String(value);
}

/** The inputs to send, or the problems found; empty optional inputs are left out. */
export function collectInputs(
  declarations: Record<string, InputDeclaration>,
  texts: Record<string, string>,
  flags: Record<string, boolean>,
): { inputs: JsonObject; problems: string[] } {
  const inputs: JsonObject = {};
  const problems: string[] = [];
  for (const [name, declaration] of Object.entries(declarations)) {
    const kind = inputKind(declaration);
    if (kind === "boolean") {
      inputs[name] = flags[name] ?? false;
      continue;
    }
    const text = (texts[name] ?? "").trim();
    if (text === "") {
      if (declaration.required) problems.push(`${name} is required.`);
      continue;
    }
    if (kind === "number") {
      const n = Number(text);
      if (!Number.isFinite(n)) problems.push(`${name} must be a number.`);
      else inputs[name] = n;
    } else if (kind === "json") {
      try {
        inputs[name] = JSON.parse(text) as JsonValue;
      } catch {
        problems.push(`${name} must be valid JSON.`);
      }
    } else {
      inputs[name] = texts[name];
    }
  }
  return { inputs, problems };
}

export default function RunInputsDialog({
  declarations,
  onStart,
  onCancel,
}: {
  declarations: Record<string, InputDeclaration>;
  onStart: (inputs: JsonObject) => void;
  onCancel: () => void;
}) {
  const entries = Object.entries(declarations);
  const [texts, setTexts] = useState<Record<string, string>>(() =>
    Object.fromEntries(entries.map(([name, d]) => [name, initialText(d)])),
  );
  const [flags, setFlags] = useState<Record<string, boolean>>(() =>
    Object.fromEntries(entries.map(([name, d]) => [name, d.default === true])),
  );
  const [problems, setProblems] = useState<string[]>([]);

  const submit = (event: FormEvent) => {
    event.preventDefault();
    const result = collectInputs(declarations, texts, flags);
    setProblems(result.problems);
    if (result.problems.length === 0) onStart(result.inputs);
  };

  return (
    <div className="fd-dialog-backdrop" role="presentation" onKeyDown={(e) => e.key === "Escape" && onCancel()}>
      <form className="fd-dialog" role="dialog" aria-modal="true" aria-labelledby="run-inputs-title" onSubmit={submit} data-testid="run-inputs-dialog">
        <h2 id="run-inputs-title">Run inputs</h2>
        {entries.map(([name, declaration]) => {
          const kind = inputKind(declaration);
          const id = `run-input-${name}`;
          return (
            <div className="fd-field" key={name}>
              {kind === "boolean" ? (
                <label className="fd-field__check" htmlFor={id}>
                  <input
                    id={id}
                    type="checkbox"
                    checked={flags[name] ?? false}
                    onChange={(e) => setFlags({ ...flags, [name]: e.target.checked })}
                    data-testid={id}
                  />
                  <span className="fd-field__label">{name}</span>
                </label>
              ) : (
                <>
                  <label className="fd-field__label" htmlFor={id}>
                    {name}
                    {declaration.required && <span className="fd-required"> *</span>}
                    {declaration.type && <span className="fd-muted"> ({declaration.type})</span>}
                  </label>
                  <input
                    id={id}
                    className={`fd-input${kind === "json" ? " fd-mono" : ""}`}
                    type={kind === "number" ? "number" : "text"}
                    step="any"
                    value={texts[name] ?? ""}
                    onChange={(e) => setTexts({ ...texts, [name]: e.target.value })}
                    autoFocus={name === entries[0][0]}
                    data-testid={id}
                  />
                </>
              )}
              {declaration.description && <p className="fd-field__help">{declaration.description}</p>}
            </div>
          );
        })}
        {problems.length > 0 && (
          <ul className="fd-dialog__problems">
            {problems.map((p) => (
              <li key={p}>{p}</li>
            ))}
          </ul>
        )}
        <div className="fd-dialog__actions">
          <button type="button" className="fd-button" onClick={onCancel} data-testid="run-inputs-cancel">
            Cancel
          </button>
          <button type="submit" className="fd-button fd-button--primary" data-testid="run-inputs-start">
            Start run
          </button>
        </div>
      </form>
    </div>
  );
}
