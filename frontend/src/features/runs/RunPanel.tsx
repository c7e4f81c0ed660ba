import { useMemo } from "react";
import type { RunAction } from "../../api/client";
import type { StreamState } from "../../api/useRunStream";
import { STATUS_ICONS } from "../canvas/appearance";
import { nodeLabel } from "../canvas/specMapping";
import type { FlowNode } from "../canvas/specMapping";
import { useEditorStore } from "../editor/editorStore";
import ReviewControls from "./ReviewControls";
import { durationMs, formatDuration, isRunFinished } from "./runState";

const NO_NODES: FlowNode[] = [];

const STREAM_NOTES: Partial<Record<StreamState, string>> = {
  connecting: "connecting…",
  reconnecting: "connection lost, reconnecting…",
  failed: "live updates unavailable",
};

export function formatTime(iso: string | null): string {
  if (!iso) return "";
  const date = new Date(iso);
  if (Number.isNaN(date.getTime())) return iso;
  return date.toLocaleTimeString(undefined, { hour12: false }) + "." + String(date.getMilliseconds()).padStart(3, "0");
}

const RUN_ACTION_LABELS: Record<RunAction, string> = {
  pause: "Pause",
  resume: "Resume",
  cancel: "Cancel run",
  retry: "Retry",
};

/** A run paused at a breakpoint goes on with Continue, as in a debugger. */
export function runActionLabel(action: RunAction, substatus: string): string {
  return action === "resume" && substatus === "at_breakpoint" ? "Continue" : RUN_ACTION_LABELS[action];
}

/** The controls that make sense for a run in this status (the API refuses the rest). */
export function runActions(status: string): RunAction[] {
  switch (status) {
    case "pending":
      return ["cancel"];
    case "running":
      return ["pause", "cancel"];
    case "paused":
      return ["resume", "cancel"];
    case "failed":
    case "cancelled":
      return ["retry"];
    default:
      return [];
  }
}

export default function RunPanel({ streamState }: { streamState: StreamState }) {
  const run = useEditorStore((s) => s.run);
  const open = useEditorStore((s) => s.runPanelOpen);
  const setOpen = useEditorStore((s) => s.setRunPanelOpen);
  const controlRun = useEditorStore((s) => s.controlRun);
  // Node names are shown only with a run's table open: no work per canvas edit otherwise.
  const nodes = useEditorStore((s) => (open && s.run ? s.nodes : NO_NODES));
  const names = useMemo(() => new Map(nodes.map((n) => [n.id, nodeLabel(n.data.spec)])), [nodes]);
  const note = run && !isRunFinished(run.status) ? STREAM_NOTES[streamState] : undefined;

  return (
    <section className={`fd-run-panel${open && run ? "" : " fd-run-panel--collapsed"}`} data-testid="run-panel">
      <header className="fd-run-panel__header">
        <button
          type="button"
          className="fd-button fd-button--ghost fd-button--small"
          onClick={() => setOpen(!open)}
          aria-expanded={open}
          data-testid="run-panel-toggle"
        >
          {open ? "▾" : "▸"} Run
        </button>
        {run ? (
          <>
            <span className="fd-run-panel__id">#{run.id}</span>
            <span className={`fd-badge fd-badge--${run.status}`} data-testid="run-status">
              {run.status}
            </span>
            {run.substatus && <span className="fd-muted">{run.substatus}</span>}
            {run.status === "paused" && run.substatus === "at_breakpoint" && (
              <span className="fd-run-panel__stopped" data-testid="run-stopped-at">
                {run.statusMessage || "Stopped at a breakpoint."}
              </span>
            )}
            {note && <span className="fd-muted">{note}</span>}
            {runActions(run.status).map((action) => (
              <button
                key={action}
                type="button"
                className="fd-button fd-button--small fd-run-panel__cancel"
                onClick={() => void controlRun(action)}
                data-testid={`${action}-run`}
              >
                {runActionLabel(action, run.substatus)}
              </button>
            ))}
          </>
        ) : (
          <span className="fd-muted">No run yet. Click Run to start one.</span>
        )}
      </header>
      {open && run && (
        <div className="fd-run-panel__body">
          <div className="fd-run-panel__nodes">
            <table className="fd-table" data-testid="run-nodes">
              <thead>
                <tr>
                  <th>Node</th>
                  <th>Status</th>
                  <th>Started</th>
                  <th>Duration</th>
                </tr>
              </thead>
              <tbody>
                {run.nodeOrder.map((nodeId) => {
                  const state = run.nodes[nodeId];
                  return (
                    <tr key={nodeId} data-testid={`run-node-${nodeId}`}>
                      <td>
                        {names.get(nodeId) ?? nodeId}
                        {names.get(nodeId) !== nodeId && <span className="fd-muted fd-mono"> {nodeId}</span>}
                      </td>
                      <td>
                        <span className={`fd-badge fd-badge--${state.status}`}>
                          {STATUS_ICONS[state.status] ?? ""} {state.status}
                        </span>
                        {state.status === "waiting" && (
                          <ReviewControls runId={run.id} nodeId={nodeId} message={state.waitingFor ?? ""} />
                        )}
                      </td>
                      <td className="fd-mono">{formatTime(state.startedAt)}</td>
                      <td className="fd-mono">{formatDuration(durationMs(state.startedAt, state.finishedAt))}</td>
                    </tr>
                  );
                })}
                {run.nodeOrder.length === 0 && (
                  <tr>
                    <td colSpan={4} className="fd-muted">
                      Waiting for the first node…
                    </td>
                  </tr>
                )}
              </tbody>
            </table>
          </div>
          <div className="fd-run-panel__logs" data-testid="run-logs">
            {run.logs.length === 0 && <div className="fd-muted">No log lines yet.</div>}
            {run.logs.map((line) => (
              <div key={line.seq} className={`fd-log fd-log--${line.level || "info"}`} data-testid="log-line">
                <span className="fd-log__time">{formatTime(line.at)}</span>
                <span className="fd-log__node">{line.nodeId ?? "run"}</span>
                <span className="fd-log__level">{line.level}</span>
                <span className="fd-log__message">{line.message}</span>
              </div>
            ))}
          </div>
        </div>
      )}
    </section>
  );
}
