import { useState } from "react";
import { useEditorStore } from "./editorStore";
import WorkflowSettingsDialog from "./WorkflowSettingsDialog";

export default function Toolbar({ onReload }: { onReload: () => void }) {
  const name = useEditorStore((s) => s.name);
  const version = useEditorStore((s) => s.version);
  const dirty = useEditorStore((s) => s.dirty);
  const saving = useEditorStore((s) => s.saving);
  const startingRun = useEditorStore((s) => s.startingRun);
  const message = useEditorStore((s) => s.message);
  const conflictVersion = useEditorStore((s) => s.conflictVersion);
  const save = useEditorStore((s) => s.save);
  const requestRun = useEditorStore((s) => s.requestRun);
  const settingsInvalid = useEditorStore((s) => s.specErrors.some((e) => !e.node && e.field?.startsWith("settings")));
  const [settingsOpen, setSettingsOpen] = useState(false);

  return (
    <div className="fd-toolbar">
      <div className="fd-toolbar__title">
        <a href="/" className="fd-toolbar__back" title="All workflows">
          ←
        </a>
        <h1 className="fd-toolbar__name" data-testid="workflow-name">
          {name}
        </h1>
        <span className="fd-badge" data-testid="workflow-version" title="Saved version">
          v{version}
        </span>
        {dirty && (
          <span className="fd-toolbar__dirty" data-testid="unsaved">
            unsaved changes
          </span>
        )}
      </div>
      <div
        className={`fd-toolbar__message fd-message--${message?.kind ?? "info"}`}
        data-testid="status-message"
        role="status"
        aria-live="polite"
      >
        {message && <span>{message.text}</span>}
        {message?.details && message.details.length > 0 && (
          <ul className="fd-toolbar__details">
            {message.details.map((line, i) => (
              <li key={i}>{line}</li>
            ))}
          </ul>
        )}
        {conflictVersion !== null && (
          <button type="button" className="fd-button fd-button--small" onClick={onReload} data-testid="reload">
            Reload version {conflictVersion}
          </button>
        )}
      </div>
      <div className="fd-toolbar__actions">
        <button
          type="button"
          className={`fd-button${settingsInvalid ? " fd-button--invalid" : ""}`}
          onClick={() => setSettingsOpen(true)}
          title={settingsInvalid ? "The last save found a problem in the workflow settings" : "Workflow settings"}
          data-testid="workflow-settings"
        >
          ⚙ Settings
        </button>
        <button type="button" className="fd-button" onClick={() => void save()} disabled={saving} data-testid="save">
          {saving ? "Saving…" : "Save"}
        </button>
        <button
          type="button"
          className="fd-button fd-button--primary"
          onClick={requestRun}
          disabled={startingRun || saving}
          data-testid="run"
        >
          ▶ Run
        </button>
      </div>
      {settingsOpen && <WorkflowSettingsDialog onClose={() => setSettingsOpen(false)} />}
    </div>
  );
}
