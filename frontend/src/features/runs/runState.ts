/** A run as the editor shows it, built from the run's events. */
import type { NodeStatus, Run, RunEvent } from "../../api/types";

export interface NodeRunState {
  nodeId: string;
  status: NodeStatus;
  startedAt: string | null;
  finishedAt: string | null;
  /** What a waiting node (human.review) asks the reviewer. */
  waitingFor?: string;
}

export interface LogLine {
  seq: number;
  at: string;
  nodeId: string | null;
  level: string;
  message: string;
}

export interface RunState {
  id: number;
  status: string;
  substatus: string;
  /** What the server said with the run's latest status, e.g. before which
   * node a breakpoint stopped it. */
  statusMessage?: string;
  lastSeq: number;
  /** Node states in the order the nodes first appeared. */
  nodes: Record<string, NodeRunState>;
  nodeOrder: string[];
  logs: LogLine[];
}

const MAX_LOG_LINES = 5000;
const FINISHED_NODE_STATUSES = new Set(["succeeded", "failed", "skipped", "upstream_failed", "cancelled"]);

export function runStateFromRun(run: Run): RunState {
  const state: RunState = {
    id: run.id,
    status: run.status,
    substatus: run.substatus ?? "",
    statusMessage: "",
    lastSeq: 0,
    nodes: {},
    nodeOrder: [],
    logs: [],
  };
  for (const node of run.nodes ?? []) {
    state.nodes[node.node_id] = {
      nodeId: node.node_id,
      status: node.status,
      startedAt: node.started_at,
      finishedAt: node.finished_at,
      ...(node.status === "waiting" ? { waitingFor: node.review?.message ?? "" } : {}),
    };
    state.nodeOrder.push(node.node_id);
  }
  return state;
}

/** The state after `event`; events already applied (by seq) change nothing. */
export function applyRunEvent(state: RunState, event: RunEvent): RunState {
  if (event.run_id !== undefined && event.run_id !== state.id) return state;
  if (event.seq <= state.lastSeq) return state;
  const next: RunState = { ...state, lastSeq: event.seq };
  switch (event.type) {
    case "run.status":
      next.status = event.status;
      next.substatus = event.substatus ?? "";
      next.statusMessage = event.message ?? "";
      break;
    case "node.status": {
      // One loop iteration's transition: the node's own status is the
      // aggregate over iterations, which comes as an unscoped event.
      if (!event.node_id || event.scope) break;
      const previous = state.nodes[event.node_id];
      const status = event.status as NodeStatus;
      const node: NodeRunState = previous
        ? { ...previous, status }
        : { nodeId: event.node_id, status, startedAt: null, finishedAt: null };
      if (status === "running") {
        // A retry starts a new attempt: time it from its own start.
        node.startedAt = event.at;
        node.finishedAt = null;
      } else if (FINISHED_NODE_STATUSES.has(status)) {
        node.finishedAt = event.at;
      }
      if (status === "waiting") node.waitingFor = event.message;
      else delete node.waitingFor;
      next.nodes = { ...state.nodes, [event.node_id]: node };
      if (!previous) next.nodeOrder = [...state.nodeOrder, event.node_id];
      break;
    }
    case "log": {
      const line: LogLine = {
        seq: event.seq,
        at: event.at,
        nodeId: event.node_id,
        level: event.level,
        message: event.message,
      };
      const logs = [...state.logs, line];
      next.logs = logs.length > MAX_LOG_LINES ? logs.slice(logs.length - MAX_LOG_LINES) : logs;
      break;
    }
  }
  return next;
}

/** Milliseconds between two ISO times, or null when either is missing. */
export function durationMs(startedAt: string | null, finishedAt: string | null): number | null {
  if (!startedAt || !finishedAt) return null;
  const ms = Date.parse(finishedAt) - Date.parse(startedAt);
  return Number.isFinite(ms) ? Math.max(0, ms) : null;
}

export function formatDuration(ms: number | null): string {
  if (ms === null) return "";
  if (ms < 1000) return `${Math.round(ms)} ms`;
  if (ms < 60_000) return `${(ms / 1000).toFixed(ms < 10_000 ? 2 : 1)} s`;
  const minutes = Math.floor(ms / 60_000);
  const seconds = Math.round((ms % 60_000) / 1000);
  return `${minutes} min ${seconds} s`;
}

export function isRunFinished(status: string): boolean {
  return status === "succeeded" || status === "failed" || status === "cancelled";
}
