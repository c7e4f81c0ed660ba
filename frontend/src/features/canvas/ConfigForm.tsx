/** A form generated from a node type's config JSON Schema. */
import { useEffect, useState } from "react";
import type { JsonObject, JsonSchema, JsonValue } from "../../api/types";
import { fieldKind, schemaType } from "./configFields";

interface ConfigFormProps {
  schema: JsonSchema;
  config: JsonObject;
  /** Sets one property; `undefined` removes it. */
  onChange: (property: string, value: JsonValue | undefined) => void;
}

export default function ConfigForm({ schema, config, onChange }: ConfigFormProps) {
  const properties = Object.entries(schema.properties ?? {});
  if (properties.length === 0) return <p className="fd-muted">This node has no settings.</p>;
  const required = new Set(schema.required ?? []);
  return (
    <div className="fd-form">
      {properties.map(([property, propSchema]) => (
        <ConfigField
          key={property}
          property={property}
          schema={propSchema ?? {}}
          required={required.has(property)}
          value={config[property]}
          onChange={(value) => onChange(property, value)}
        />
      ))}
    </div>
  );
}

interface FieldProps {
  property: string;
  schema: JsonSchema;
  required: boolean;
  value: JsonValue | undefined;
  onChange: (value: JsonValue | undefined) => void;
}

function ConfigField(props: FieldProps) {
  const { property, schema, required } = props;
  const kind = fieldKind(property, schema);
  const inputId = `config-field-${property}`;
  const label = schema.title || humanize(property);
  return (
    <div className={`fd-field fd-field--${kind}`}>
      {kind === "checkbox" ? (
        <label className="fd-field__check" htmlFor={inputId}>
          <FieldControl {...props} inputId={inputId} kind={kind} />
          <span className="fd-field__label">{label}</span>
        </label>
      ) : (
        <>
          <label className="fd-field__label" htmlFor={inputId}>
            {label}
            {required && <span className="fd-required"> *</span>}
          </label>
          <FieldControl {...props} inputId={inputId} kind={kind} />
        </>
      )}
      {schema.description && <p className="fd-field__help">{schema.description}</p>}
    </div>
  );
}

function FieldControl({
  property,
  schema,
  value,
  onChange,
  inputId,
  kind,
}: FieldProps & { inputId: string; kind: ReturnType<typeof fieldKind> }) {
  const testId = `config-${property}`;
  const placeholder = schema.default !== undefined && typeof schema.default !== "object" ? String(schema.default) : undefined;
  switch (kind) {
    case "text":
      return (
        <input
          id={inputId}
          className="fd-input"
          type="text"
          value={typeof value === "string" ? value : value == null ? "" : String(value)}
          placeholder={placeholder}
          onChange={(e) => onChange(e.target.value)}
          data-testid={testId}
        />
      );
    case "textarea":
      return (
        <textarea
          id={inputId}
          className="fd-input fd-textarea"
          rows={3}
          value={typeof value === "string" ? value : value == null ? "" : String(value)}
          placeholder={placeholder}
          onChange={(e) => onChange(e.target.value)}
          data-testid={testId}
        />
      );
    case "number":
      return (
        <NumberInput id={inputId} schema={schema} value={value} onChange={onChange} placeholder={placeholder} testId={testId} />
      );
    case "checkbox":
      return (
        <input
          id={inputId}
          type="checkbox"
          checked={value === undefined ? schema.default === true : value === true}
          onChange={(e) => onChange(e.target.checked)}
          data-testid={testId}
        />
      );
    case "select": {
      const options = schema.enum ?? [];
      const current = value === undefined ? schema.default : value;
      const index = options.findIndex((o) => JSON.stringify(o) === JSON.stringify(current));
      return (
        <select
          id={inputId}
          className="fd-input"
          value={index === -1 ? "" : String(index)}
          onChange={(e) => onChange(e.target.value === "" ? undefined : options[Number(e.target.value)])}
          data-testid={testId}
        >
          {index === -1 && <option value="">—</option>}
          {options.map((option, i) => (
            <option key={i} value={String(i)}>
              {typeof option === "string" ? option : JSON.stringify(option)}
            </option>
          ))}
        </select>
      );
    }
    case "keyvalue":
      return <KeyValueEditor id={inputId} value={value} onChange={onChange} testId={testId} />;
    case "json":
      return <JsonInput id={inputId} value={value} onChange={onChange} testId={testId} />;
  }
}

/** A number input that keeps a half-typed number; an empty one sets `undefined`. */
export function NumberInput({
  id,
  schema,
  value,
  onChange,
  placeholder,
  testId,
}: {
  id: string;
  schema: JsonSchema;
  value: JsonValue | undefined;
  onChange: (value: JsonValue | undefined) => void;
  placeholder?: string;
  testId: string;
}) {
  const integer = schemaType(schema) === "integer";
  const [text, setText] = useState(value == null ? "" : String(value));
  // Follow changes made elsewhere without clobbering a half-typed number.
  useEffect(() => {
    setText((current) => (current.trim() !== "" && Number(current) === value ? current : value == null ? "" : String(value)));
  }, [value]);
  return (
    <input
      id={id}
      className="fd-input"
      type="number"
      step={integer ? 1 : "any"}
      min={schema.minimum}
      max={schema.maximum}
      value={text}
      placeholder={placeholder}
      onChange={(e) => {
        const next = e.target.value;
        setText(next);
        if (next.trim() === "") onChange(undefined);
        else if (Number.isFinite(Number(next))) onChange(integer ? Math.trunc(Number(next)) : Number(next));
      }}
      data-testid={testId}
    />
  );
}

type Row = { key: string; value: string };

function toRows(value: JsonValue | undefined): Row[] {
  if (!value || typeof value !== "object" || Array.isArray(value)) return [];
  return Object.entries(value).map(([key, v]) => ({ key, value: typeof v === "string" ? v : JSON.stringify(v) }));
}

function fromRows(rows: Row[], previous: JsonValue | undefined): JsonObject {
  const old = previous && typeof previous === "object" && !Array.isArray(previous) ? previous : {};
  const result: JsonObject = {};
  for (const row of rows) {
    const key = row.key.trim();
    if (!key) continue;
    // A non-string value nobody edited stays what it was.
    const before = old[key];
    result[key] = before !== undefined && typeof before !== "string" && JSON.stringify(before) === row.value ? before : row.value;
  }
  return result;
}

function KeyValueEditor({
  id,
  value,
  onChange,
  testId,
}: {
  id: string;
  value: JsonValue | undefined;
  onChange: (value: JsonValue | undefined) => void;
  testId: string;
}) {
  const [rows, setRows] = useState<Row[]>(() => toRows(value));
  const update = (next: Row[]) => {
    setRows(next);
    onChange(fromRows(next, value));
  };
  return (
    <div className="fd-kv" id={id} data-testid={testId}>
      {rows.map((row, i) => (
        <div className="fd-kv__row" key={i}>
          <input
            className="fd-input fd-kv__key"
            placeholder="name"
            value={row.key}
            aria-label="Name"
            onChange={(e) => update(rows.map((r, j) => (j === i ? { ...r, key: e.target.value } : r)))}
            data-testid={`${testId}-key-${i}`}
          />
          <input
            className="fd-input fd-kv__value"
            placeholder="value or {{ template }}"
            value={row.value}
            aria-label="Value"
            onChange={(e) => update(rows.map((r, j) => (j === i ? { ...r, value: e.target.value } : r)))}
            data-testid={`${testId}-value-${i}`}
          />
          <button
            type="button"
            className="fd-button fd-button--icon"
            title="Remove"
            aria-label="Remove"
            onClick={() => update(rows.filter((_, j) => j !== i))}
            data-testid={`${testId}-remove-${i}`}
          >
            ×
          </button>
        </div>
      ))}
      <button
        type="button"
        className="fd-button fd-button--small"
        onClick={() => setRows([...rows, { key: "", value: "" }])}
        data-testid={`${testId}-add`}
      >
        + Add
      </button>
    </div>
  );
}

function JsonInput({
  id,
  value,
  onChange,
  testId,
}: {
  id: string;
  value: JsonValue | undefined;
  onChange: (value: JsonValue | undefined) => void;
  testId: string;
}) {
  const [text, setText] = useState(value === undefined ? "" : JSON.stringify(value, null, 2));
  const [error, setError] = useState<string | null>(null);
  return (
    <>
      <textarea
        id={id}
        className={`fd-input fd-textarea fd-mono${error ? " fd-input--invalid" : ""}`}
        rows={4}
        value={text}
        placeholder="JSON"
        onChange={(e) => {
          const next = e.target.value;
          setText(next);
          if (next.trim() === "") {
            setError(null);
            onChange(undefined);
            return;
          }
          try {
            const parsed = JSON.parse(next) as JsonValue;
            setError(null);
            onChange(parsed);
          } catch {
            setError("Not valid JSON yet; the last valid value is kept.");
          }
        }}
        data-testid={testId}
      />
      {error && <p className="fd-field__error">{error}</p>}
    </>
  );
}

function humanize(property: string): string {
  const words = property.replace(/_/g, " ");
  return words.charAt(0).toUpperCase() + words.slice(1);
}
