/**
 * The spec's `settings`, edited like the nodes: every change is an edit of
 * the workflow (it marks the editor dirty) and Save stores it. An empty input
 * removes its setting, so the engine's default applies.
 */
import { useEffect, useMemo, useState } from "react";
import { api, errorMessage } from "../../api/client";
import type { JsonValue, WorkflowSummary } from "../../api/types";
import { NumberInput } from "../canvas/ConfigForm";
import { ChoiceSelect, SettingField } from "../canvas/SettingField";
import { useEditorStore } from "./editorStore";
import { settingsFieldErrors } from "./fieldErrors";

const ON_CRASH_CHOICES = ["resume", "fail", "restart"] as const;
const ON_CRASH_HELP: Record<string, string> = {
  resume: "Another executor takes the run over and runs again only the nodes that were in flight.",
  fail: "The run ends failed (crashed); nothing runs again by itself.",
  restart: "The run starts over from the first node.",
};

/** Settings with an input of their own; errors about any other are listed on top. */
const PLACED = new Set(["max_parallel", "timeout_s", "fail_fast", "on_crash", "error_workflow"]);
const NO_SETTINGS: Record<string, unknown> = {};

export default function WorkflowSettingsDialog({ onClose }: { onClose: () => void }) {
  const settings = useEditorStore((s) => s.extras.settings ?? NO_SETTINGS);
  const setSetting = useEditorStore((s) => s.setSetting);
  const specErrors = useEditorStore((s) => s.specErrors);
  const errors = useMemo(() => settingsFieldErrors(specErrors), [specErrors]);
  const unplaced = Object.keys(errors).filter((name) => !PLACED.has(name));
  const onCrash = typeof settings.on_crash === "string" ? settings.on_crash : "resume";

  return (
    <div className="fd-dialog-backdrop" role="presentation" onKeyDown={(e) => e.key === "Escape" && onClose()}>
      <div
        className="fd-dialog"
        role="dialog"
        aria-modal="true"
        aria-labelledby="workflow-settings-title"
        data-testid="workflow-settings-dialog"
      >
        <h2 id="workflow-settings-title">Workflow settings</h2>
        {unplaced.length > 0 && (
          <ul className="fd-dialog__problems">
            {unplaced.flatMap((name) => errors[name].map((message, i) => <li key={`${name}-${i}`}>{`${name}: ${message}`}</li>))}
          </ul>
        )}
        <SettingField
          id="settings-max_parallel"
          label="Nodes running at once"
          help="How many nodes of one run may execute at the same time (1–256), like Airflow's max_active_tasks. Empty: 8."
          errors={errors.max_parallel}
        >
          <NumberInput
            id="settings-max_parallel"
            schema={{ type: "integer", minimum: 1, maximum: 256 }}
            value={settings.max_parallel as JsonValue | undefined}
            placeholder="8"
            onChange={(value) => setSetting("max_parallel", value)}
            testId="settings-max_parallel"
          />
        </SettingField>
        <SettingField
          id="settings-timeout_s"
          label="Time limit of a run (seconds)"
          help="A run still going after this long (counted from its start, paused time included) is stopped: running nodes are cancelled and the run fails as timeout, like Airflow's dagrun_timeout. Empty: no limit."
          errors={errors.timeout_s}
        >
          <NumberInput
            id="settings-timeout_s"
            schema={{ type: "number", exclusiveMinimum: 0 }}
            value={settings.timeout_s as JsonValue | undefined}
            placeholder="no limit"
            onChange={(value) => setSetting("timeout_s", value)}
            testId="settings-timeout_s"
          />
        </SettingField>
        <SettingField
          id="settings-fail_fast"
          label="Stop everything at the first failure"
          help="At the first failure that no node's On error handles, cancel what is still running and fail the run. Off: independent branches run on."
          errors={errors.fail_fast}
          checkbox
        >
          <input
            id="settings-fail_fast"
            type="checkbox"
            checked={settings.fail_fast === true}
            onChange={(e) => setSetting("fail_fast", e.target.checked ? true : undefined)}
            data-testid="settings-fail_fast"
          />
        </SettingField>
        <SettingField
          id="settings-on_crash"
          label="If the server running it dies"
          help={ON_CRASH_HELP[onCrash]}
          errors={errors.on_crash}
        >
          <ChoiceSelect
            id="settings-on_crash"
            value={settings.on_crash}
            choices={ON_CRASH_CHOICES}
            defaultValue="resume"
            onChange={(value) => setSetting("on_crash", value)}
          />
        </SettingField>
        <SettingField
          id="settings-error_workflow"
          label="Error workflow"
          help="A workflow started when a run of this one fails, with the failed run's details in its input failed_run (it must declare that input, of type object)."
          errors={errors.error_workflow}
        >
          <ErrorWorkflowSelect value={settings.error_workflow} onChange={(value) => setSetting("error_workflow", value)} />
        </SettingField>
        <p className="fd-field__help">Changes are part of the workflow: Save stores them with the canvas.</p>
        <div className="fd-dialog__actions">
          <button type="button" className="fd-button fd-button--primary" onClick={onClose} autoFocus data-testid="workflow-settings-done">
            Done
          </button>
        </div>
      </div>
    </div>
  );
}

/** A select of the user's workflows; one it cannot list any more stays selectable, named by its id. */
function ErrorWorkflowSelect({ value, onChange }: { value: unknown; onChange: (value: number | undefined) => void }) {
  const [workflows, setWorkflows] = useState<WorkflowSummary[] | null>(null);
  const [loadError, setLoadError] = useState<string | null>(null);
  useEffect(() => {
    let current = true;
    api.listAllWorkflows().then(
      (list) => current && setWorkflows(list),
      (error) => current && setLoadError(errorMessage(error)),
    );
    return () => {
      current = false;
    };
  }, []);

  const selected = typeof value === "number" ? value : null;
  const listed = workflows?.some((w) => w.id === selected) ?? false;
  return (
    <>
      <select
        id="settings-error_workflow"
        className="fd-input"
        value={selected === null ? "" : String(selected)}
        onChange={(e) => onChange(e.target.value === "" ? undefined : Number(e.target.value))}
        disabled={workflows === null && loadError === null}
        data-testid="settings-error_workflow"
      >
        <option value="">None</option>
        {selected !== null && !listed && (
          <option value={String(selected)}>{workflows ? `Workflow #${selected} (not found)` : `Workflow #${selected}`}</option>
        )}
        {workflows?.map((workflow) => (
          <option key={workflow.id} value={String(workflow.id)}>
            {workflow.name} (#{workflow.id})
          </option>
        ))}
      </select>
      {loadError && <p className="fd-field__error">Could not list the workflows: {loadError}</p>}
    </>
  );
}
