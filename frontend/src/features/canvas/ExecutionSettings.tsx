/**
 * The side panel's Execution section: the node's own spec fields that say
 * when it runs, how often it is tried, how long it may take, what a failure
 * does, where it runs, whether its output is reused and whether a run
 * pauses before it (a breakpoint). An empty input
 * removes its field from the spec.
 */
import { useEffect, useMemo, useState } from "react";
import type { JsonSchema, JsonValue, SpecNodeBody } from "../../api/types";
import { useEditorStore } from "../editor/editorStore";
import { nodeFieldErrors } from "../editor/fieldErrors";
import type { FieldErrors } from "../editor/fieldErrors";
import { NumberInput } from "./ConfigForm";
import {
  DEFAULT_ON_ERROR,
  EXECUTION_FIELDS,
  ON_ERROR_CHOICES,
  TRIGGER_RULES,
  defaultTriggerRule,
  executionSummary,
  hasBreakpoint,
} from "./execution";
import { ChoiceSelect, SettingField, TextSetting } from "./SettingField";
import { fieldAt, withField } from "./specFields";
import type { FlowNode } from "./specMapping";

interface NumberField {
  path: string;
  label: string;
  schema: JsonSchema;
  placeholder?: string;
  help: string;
}

// Bounds as in workflows/spec/schema.py; the server's check is the one that counts.
const RETRY_FIELDS: NumberField[] = [
  {
    path: "retry.max_attempts",
    label: "Attempts",
    schema: { type: "integer", minimum: 1, maximum: 100 },
    placeholder: "1",
    help: "Tries in all, the first one included (1–100). Airflow's retries=2 is 3 attempts here.",
  },
  {
    path: "retry.delay_s",
    label: "Wait before retrying (s)",
    schema: { type: "number", minimum: 0 },
    placeholder: "0",
    help: "Seconds between a failed attempt and the next one.",
  },
  {
    path: "retry.backoff",
    label: "Backoff multiplier",
    schema: { type: "number", minimum: 1 },
    placeholder: "1",
    help: "Each wait is the previous one times this: 2 doubles it, 1 keeps it the same.",
  },
  {
    path: "retry.max_delay_s",
    label: "Longest wait (s)",
    schema: { type: "number", minimum: 0 },
    help: "The wait never grows beyond this, whatever the backoff. Empty: no cap.",
  },
];

const TIMEOUT_FIELD: NumberField = {
  path: "timeout_s",
  label: "Timeout per attempt (s)",
  schema: { type: "number", minimum: 0 },
  help: "An attempt that runs longer fails (and is retried if attempts are left). Empty: no limit.",
};

const CACHE_TTL_FIELD: NumberField = {
  path: "cache.ttl_s",
  label: "Keep cached output for (s)",
  schema: { type: "number", minimum: 0 },
  help: "How long a stored output may be reused, e.g. 3600 for an hour.",
};

const RULE_NAMES = TRIGGER_RULES.map(([rule]) => rule);
const RULE_HELP: Record<string, string> = Object.fromEntries(TRIGGER_RULES);
const ON_ERROR_NAMES = ON_ERROR_CHOICES.map(([choice]) => choice);
const ON_ERROR_HELP: Record<string, string> = Object.fromEntries(ON_ERROR_CHOICES);

/** Fields with an input of their own; other errors under EXECUTION_FIELDS are listed on top. */
const PLACED = new Set([
  "trigger_rule",
  "on_error",
  "queue",
  "cache.key",
  "breakpoint",
  ...[...RETRY_FIELDS, TIMEOUT_FIELD, CACHE_TTL_FIELD].map((f) => f.path),
]);

function isExecutionField(field: string): boolean {
  return EXECUTION_FIELDS.some((name) => field === name || field.startsWith(`${name}.`));
}

function inputId(path: string): string {
  return `exec-${path.replace(".", "-")}`;
}

export default function ExecutionSettings({ node }: { node: FlowNode }) {
  const spec = node.data.spec;
  const updateNode = useEditorStore((s) => s.updateNode);
  const nodeType = useEditorStore((s) => s.nodeTypesByType[spec.type]);
  const specErrors = useEditorStore((s) => s.specErrors);
  const errors = useMemo(() => nodeFieldErrors(specErrors, node.id), [specErrors, node.id]);
  const ownErrors = Object.keys(errors).filter(isExecutionField);
  const unplaced = ownErrors.filter((field) => !PLACED.has(field));
  const summary = executionSummary(spec);
  const [open, setOpen] = useState(summary.length > 0);

  // A save that found a problem here unfolds the section, so it is seen.
  const hasErrors = ownErrors.length > 0;
  useEffect(() => {
    if (hasErrors) setOpen(true);
  }, [hasErrors]);

  const set = (path: string, value: unknown) => updateNode(node.id, (current) => withField(current, path, value));
  const onError = typeof spec.on_error === "string" ? spec.on_error : DEFAULT_ON_ERROR;
  const rule = typeof spec.trigger_rule === "string" ? spec.trigger_rule : defaultTriggerRule(nodeType);
  const cacheHalfSet = (fieldAt(spec, "cache.key") === undefined) !== (fieldAt(spec, "cache.ttl_s") === undefined);

  return (
    <section className="fd-exec" data-testid="execution-settings">
      <button
        type="button"
        className="fd-exec__toggle"
        aria-expanded={open}
        aria-controls="execution-fields"
        onClick={() => setOpen(!open)}
        data-testid="execution-toggle"
      >
        <span className="fd-exec__title">
          {open ? "▾" : "▸"} Execution
          {hasErrors && <span className="fd-exec__alert" aria-label="has problems" />}
        </span>
        {!open && summary.length > 0 && <span className="fd-exec__summary fd-muted">{summary.join(" · ")}</span>}
      </button>
      {open && (
        <div id="execution-fields" className="fd-exec__body">
          {unplaced.length > 0 && (
            <ul className="fd-node-settings__errors">
              {unplaced.flatMap((field) => errors[field].map((message, i) => <li key={`${field}-${i}`}>{`${field}: ${message}`}</li>))}
            </ul>
          )}
          <SettingField
            id={inputId("trigger_rule")}
            label="Trigger rule"
            help={`${RULE_HELP[rule] ?? ""} “Upstream” means the nodes with an edge into this one.`}
            errors={errors.trigger_rule}
          >
            <ChoiceSelect
              id={inputId("trigger_rule")}
              value={spec.trigger_rule}
              choices={RULE_NAMES}
              defaultValue={defaultTriggerRule(nodeType)}
              onChange={(value) => set("trigger_rule", value)}
            />
          </SettingField>

          <h4 className="fd-exec__group">Retries</h4>
          {RETRY_FIELDS.map((field) => (
            <NumberSetting key={field.path} field={field} spec={spec} errors={errors} onChange={set} />
          ))}
          <NumberSetting field={TIMEOUT_FIELD} spec={spec} errors={errors} onChange={set} />

          <h4 className="fd-exec__group">When it fails</h4>
          <SettingField
            id={inputId("on_error")}
            label="On error (after the last attempt)"
            help={ON_ERROR_HELP[onError]}
            errors={errors.on_error}
          >
            <ChoiceSelect
              id={inputId("on_error")}
              value={spec.on_error}
              choices={ON_ERROR_NAMES}
              defaultValue={DEFAULT_ON_ERROR}
              onChange={(value) => set("on_error", value)}
            />
          </SettingField>

          <h4 className="fd-exec__group">Where it runs</h4>
          <SettingField
            id={inputId("queue")}
            label="Worker queue"
            help="In the distributed mode, the Celery queue whose workers run this node (start them with -Q and this name). Empty: the default queue."
            errors={errors.queue}
          >
            <TextSetting id={inputId("queue")} value={spec.queue} placeholder="default" monospace onChange={(value) => set("queue", value)} />
          </SettingField>

          <h4 className="fd-exec__group">Cache</h4>
          <SettingField
            id={inputId("cache.key")}
            label="Cache key"
            help="Reuse the output of an earlier run whose key came out the same, instead of running the node. A template, e.g. weather-{{ inputs.city }}."
            errors={errors["cache.key"]}
          >
            <TextSetting
              id={inputId("cache.key")}
              value={fieldAt(spec, "cache.key")}
              placeholder="{{ inputs.id }}"
              monospace
              onChange={(value) => set("cache.key", value)}
            />
          </SettingField>
          <NumberSetting field={CACHE_TTL_FIELD} spec={spec} errors={errors} onChange={set} />
          {cacheHalfSet && (
            <p className="fd-field__error" data-testid="exec-cache-incomplete">
              A cache needs both a key and how long to keep the output.
            </p>
          )}

          <h4 className="fd-exec__group">Debugging</h4>
          <SettingField
            id={inputId("breakpoint")}
            label="Pause before this node (breakpoint)"
            help="A run stops before this node starts, once the nodes already running finish, and waits as paused at the breakpoint. Continue in the run panel runs it and goes on to the next breakpoint."
            errors={errors.breakpoint}
            checkbox
          >
            <input
              id={inputId("breakpoint")}
              type="checkbox"
              checked={hasBreakpoint(spec)}
              onChange={(e) => set("breakpoint", e.target.checked ? true : undefined)}
              data-testid={inputId("breakpoint")}
            />
          </SettingField>
        </div>
      )}
    </section>
  );
}

function NumberSetting({
  field,
  spec,
  errors,
  onChange,
}: {
  field: NumberField;
  spec: SpecNodeBody;
  errors: FieldErrors;
  onChange: (path: string, value: JsonValue | undefined) => void;
}) {
  const id = inputId(field.path);
  return (
    <SettingField id={id} label={field.label} help={field.help} errors={errors[field.path]}>
      <NumberInput
        id={id}
        schema={field.schema}
        value={fieldAt(spec, field.path) as JsonValue | undefined}
        placeholder={field.placeholder}
        onChange={(value) => onChange(field.path, value)}
        testId={id}
      />
    </SettingField>
  );
}
