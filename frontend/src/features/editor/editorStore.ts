/** Editor state: the workflow being edited, its canvas, and the current run. */
import { applyEdgeChanges, applyNodeChanges } from "@xyflow/react";
import type { Connection, EdgeChange, NodeChange, NodeDimensionChange } from "@xyflow/react";
import { create } from "zustand";
import { ApiError, api, errorMessage } from "../../api/client";
import type { RunAction } from "../../api/client";
import { takeInitialData } from "../../api/initialData";
import type { JsonObject, NodeType, Position, RunEvent, Spec, SpecError, SpecNode, Workflow } from "../../api/types";
import { ERROR_PORT, routesErrors } from "../canvas/execution";
import { canConnect } from "../canvas/graph";
import { indexSourcePorts } from "../canvas/portIndex";
import type { PortIndex } from "../canvas/portIndex";
import {
  DEFAULT_PORT,
  TARGET_HANDLE,
  edgeId,
  flowToSpec,
  newFlowNode,
  nodeLabel,
  specToFlow,
} from "../canvas/specMapping";
import { withField } from "../canvas/specFields";
import type { FlowEdge, FlowNode, SpecExtras } from "../canvas/specMapping";
import { applyRunEvent, runStateFromRun } from "../runs/runState";
import type { RunState } from "../runs/runState";

export type MessageKind = "info" | "success" | "error";

export interface StatusMessage {
  kind: MessageKind;
  text: string;
  details?: string[];
}

export interface EditorState {
  workflowId: number | null;
  name: string;
  version: number | null;
  loading: boolean;
  loadError: string | null;
  /** Bumped on every successful load. */
  loadCount: number;

  nodeTypes: NodeType[];
  nodeTypesByType: Record<string, NodeType>;

  nodes: FlowNode[];
  edges: FlowEdge[];
  /**
   * The output ports each node's outgoing edges use, by node id: kept with
   * `edges`, so a node finds its own ports without looking at every edge.
   */
  usedPorts: PortIndex;
  extras: SpecExtras;
  /** Bumped on every edit, so a save knows whether edits arrived meanwhile. */
  changeCount: number;
  dirty: boolean;

  saving: boolean;
  startingRun: boolean;
  message: StatusMessage | null;
  /** The version someone else saved, after a 409 on save. */
  conflictVersion: number | null;
  /** Validation messages from the last save, by node id. */
  nodeErrors: Record<string, string[]>;
  /** The last save's validation errors as the server listed them, to show each next to its input. */
  specErrors: SpecError[];

  inputsDialogOpen: boolean;
  run: RunState | null;
  runPanelOpen: boolean;

  load: (workflowId: number) => Promise<void>;
  onNodesChange: (changes: NodeChange<FlowNode>[]) => void;
  onEdgesChange: (changes: EdgeChange<FlowEdge>[]) => void;
  connect: (connection: Connection) => void;
  addNode: (type: string, position: Position) => string | null;
  updateNode: (id: string, update: (spec: FlowNode["data"]["spec"]) => FlowNode["data"]["spec"]) => void;
  /** Sets one of the spec's `settings` (`max_parallel`, ...); `undefined` removes it. */
  setSetting: (name: string, value: unknown) => void;
  currentSpec: () => Spec;
  save: () => Promise<boolean>;
  requestRun: () => void;
  closeInputsDialog: () => void;
  startRun: (inputs: JsonObject) => Promise<void>;
  controlRun: (action: RunAction) => Promise<void>;
  applyRunEvent: (event: RunEvent) => void;
  setRunPanelOpen: (open: boolean) => void;
}

const initialData = {
  workflowId: null,
  name: "",
  version: null,
  loading: false,
  loadError: null,
  loadCount: 0,
  nodeTypes: [],
  nodeTypesByType: {},
  nodes: [],
  edges: [],
  usedPorts: new Map(),
  extras: {},
  changeCount: 0,
  dirty: false,
  saving: false,
  startingRun: false,
  message: null,
  conflictVersion: null,
  nodeErrors: {},
  specErrors: [],
  inputsDialogOpen: false,
  run: null,
  runPanelOpen: true,
} satisfies Partial<EditorState>;

/** Node changes that only reflect what React Flow measured or selected. */
const VIEW_ONLY_CHANGES = new Set(["select", "dimensions"]);

const RUN_ACTION_NOTES: Record<RunAction, string> = {
  pause: "Pausing (running nodes finish first)",
  resume: "Resuming",
  cancel: "Cancelling",
  retry: "Retrying what did not succeed in",
};

export const useEditorStore = create<EditorState>()((set, get) => ({
  ...initialData,

  load(workflowId) {
    // The page's embedded answers, on the first load: no round trips, and the
    // store is filled before this returns.
    const initial = takeInitialData(workflowId);
    if (initial) {
      set((s) => ({ workflowId, ...loadedState(s, initial.workflow, initial.node_types) }));
      return Promise.resolve();
    }
    return loadFromApi(workflowId);
  },

  onNodesChange(changes) {
    if (changes.every(isMeasurement)) {
      recordMeasurements(get().nodes, changes as NodeDimensionChange[]);
      return;
    }
    const edits = changes.some((c) => !VIEW_ONLY_CHANGES.has(c.type));
    set((s) => {
      const nodes = applyNodeChanges(changes, s.nodes);
      if (!edits) return { nodes };
      const removed = changes.flatMap((c) => (c.type === "remove" ? [c.id] : []));
      const nodeErrors = removed.length ? withoutKeys(s.nodeErrors, removed) : s.nodeErrors;
      return { nodes, nodeErrors, dirty: true, changeCount: s.changeCount + 1 };
    });
  },

  onEdgesChange(changes) {
    const edits = changes.some((c) => c.type !== "select");
    set((s) => {
      const edges = applyEdgeChanges(changes, s.edges);
      if (!edits) return { edges };
      return { edges, usedPorts: indexSourcePorts(edges, s.usedPorts), dirty: true, changeCount: s.changeCount + 1 };
    });
  },

  connect(connection) {
    const { edges } = get();
    if (!canConnect(edges, connection)) return;
    const port = connection.sourceHandle ?? DEFAULT_PORT;
    const edge: FlowEdge = {
      id: edgeId(connection.source, port, connection.target, new Set(edges.map((e) => e.id))),
      source: connection.source,
      target: connection.target,
      sourceHandle: port,
      targetHandle: TARGET_HANDLE,
      data: { spec: { source: connection.source, target: connection.target } },
    };
    set((s) => {
      const edges = [...s.edges, edge];
      return { edges, usedPorts: indexSourcePorts(edges, s.usedPorts), dirty: true, changeCount: s.changeCount + 1 };
    });
  },

  addNode(type, position) {
    const nodeType = get().nodeTypesByType[type];
    if (!nodeType) return null;
    const node = newFlowNode(
      nodeType,
      get().nodes.map((n) => n.id),
      position,
    );
    node.selected = true;
    set((s) => ({
      nodes: [...s.nodes.map((n) => (n.selected ? { ...n, selected: false } : n)), node],
      dirty: true,
      changeCount: s.changeCount + 1,
    }));
    return node.id;
  },

  updateNode(id, update) {
    set((s) => {
      const node = s.nodes.find((n) => n.id === id);
      if (!node) return {};
      const spec = update(node.data.spec);
      const nodes = s.nodes.map((n) => (n === node ? { ...n, data: { ...n.data, spec } } : n));
      const edit = { nodes, dirty: true, changeCount: s.changeCount + 1 };
      if (!routesErrors(node.data.spec) || routesErrors(spec)) return edit;
      // As in n8n, an output the node no longer has takes its connections
      // with it, and the editor says so.
      const kept = s.edges.filter((e) => e.source !== id || e.sourceHandle !== ERROR_PORT);
      const removed = s.edges.length - kept.length;
      if (removed === 0) return edit;
      return {
        ...edit,
        edges: kept,
        usedPorts: indexSourcePorts(kept, s.usedPorts),
        message: {
          kind: "info",
          text: `Removed ${removed} connection${removed === 1 ? "" : "s"} from the error output of “${nodeLabel(spec)}”.`,
        },
      };
    });
  },

  setSetting(name, value) {
    set((s) => ({
      extras: withField(s.extras, `settings.${name}`, value),
      dirty: true,
      changeCount: s.changeCount + 1,
    }));
  },

  currentSpec() {
    const { nodes, edges, extras } = get();
    return flowToSpec({ nodes, edges, extras });
  },

  async save() {
    const { workflowId, version, saving, changeCount } = get();
    if (workflowId === null || version === null || saving) return false;
    const spec = get().currentSpec();
    set({ saving: true, conflictVersion: null, message: { kind: "info", text: "Saving…" } });
    try {
      const workflow = await api.updateWorkflow(workflowId, { spec, base_version: version });
      set((s) => ({
        saving: false,
        version: workflow.version,
        name: workflow.name,
        dirty: s.changeCount !== changeCount,
        nodeErrors: {},
        specErrors: [],
        message: { kind: "success", text: `Saved version ${workflow.version}.` },
      }));
      return true;
    } catch (error) {
      set({ saving: false, ...saveErrorState(error, get().nodes) });
      return false;
    }
  },

  requestRun() {
    const inputs = get().extras.inputs;
    if (inputs && Object.keys(inputs).length > 0) {
      set({ inputsDialogOpen: true });
    } else {
      void get().startRun({});
    }
  },

  closeInputsDialog() {
    set({ inputsDialogOpen: false });
  },

  async startRun(inputs) {
    const { workflowId, startingRun } = get();
    if (workflowId === null || startingRun) return;
    set({ inputsDialogOpen: false, startingRun: true });
    try {
      if (get().dirty && !(await get().save())) return;
      set({ message: { kind: "info", text: "Starting run…" } });
      const run = await api.startRun(workflowId, inputs);
      set({
        run: runStateFromRun(run),
        runPanelOpen: true,
        message: { kind: "info", text: `Run #${run.id} started.` },
      });
    } catch (error) {
      set({ message: { kind: "error", text: `Could not start the run: ${describeError(error)}` } });
    } finally {
      set({ startingRun: false });
    }
  },

  async controlRun(action) {
    const run = get().run;
    if (!run) return;
    try {
      await api.controlRun(run.id, action);
      set({ message: { kind: "info", text: `${RUN_ACTION_NOTES[action]} run #${run.id}…` } });
    } catch (error) {
      set({ message: { kind: "error", text: `Could not ${action} the run: ${describeError(error)}` } });
    }
  },

  applyRunEvent(event) {
    set((s) => {
      if (!s.run) return {};
      const run = applyRunEvent(s.run, event);
      if (run === s.run) return {};
      if (event.type === "run.status" && run.status !== s.run.status && ["succeeded", "failed", "cancelled"].includes(run.status)) {
        return { run, message: { kind: run.status === "succeeded" ? "success" : "error", text: `Run #${run.id} ${run.status}.` } };
      }
      return { run };
    });
  },

  setRunPanelOpen(open) {
    set({ runPanelOpen: open });
  },
}));

async function loadFromApi(workflowId: number): Promise<void> {
  const set = useEditorStore.setState;
  set({ workflowId, loading: true, loadError: null });
  try {
    const [workflow, nodeTypes] = await Promise.all([api.getWorkflow(workflowId), api.listNodeTypes()]);
    set((s) => loadedState(s, workflow, nodeTypes));
  } catch (error) {
    set({
      loading: false,
      loadError: errorMessage(error),
      message: { kind: "error", text: `Could not load the workflow: ${errorMessage(error)}` },
    });
  }
}

/** The state once `workflow` is loaded onto a clean canvas. */
function loadedState(s: EditorState, workflow: Workflow, nodeTypes: NodeType[]): Partial<EditorState> {
  const flow = specToFlow(workflow.spec);
  return {
    loading: false,
    loadError: null,
    loadCount: s.loadCount + 1,
    name: workflow.name,
    version: workflow.version,
    nodeTypes,
    nodeTypesByType: Object.fromEntries(nodeTypes.map((t) => [t.type, t])),
    nodes: flow.nodes,
    edges: flow.edges,
    usedPorts: indexSourcePorts(flow.edges),
    extras: flow.extras,
    dirty: false,
    nodeErrors: {},
    specErrors: [],
    conflictVersion: null,
    message: s.loadCount > 0 ? { kind: "info", text: `Reloaded version ${workflow.version}.` } : null,
  };
}

/** A size React Flow measured, and nothing else (no resize, no size to set on the node). */
function isMeasurement(change: NodeChange<FlowNode>): boolean {
  return (
    change.type === "dimensions" &&
    change.dimensions !== undefined &&
    change.resizing === undefined &&
    !change.setAttributes
  );
}

/**
 * Records measured sizes on the nodes themselves, as `applyNodeChanges`
 * would, but without new node objects or a store update: React Flow has the
 * sizes already, and nothing the editor renders depends on them, so handing
 * React Flow a new array would only make it re-adopt and re-render every node
 * once more (for a large workflow, a good part of opening it). The sizes stay
 * on the objects, so React Flow finds them whenever it adopts a node again.
 */
function recordMeasurements(nodes: FlowNode[], changes: NodeDimensionChange[]): void {
  const sizes = new Map(changes.map((c) => [c.id, c.dimensions!]));
  for (const node of nodes) {
    const size = sizes.get(node.id);
    if (size) node.measured = { ...size };
  }
}

/** Puts the store back to its first state (tests, and switching workflows). */
export function resetEditorStore(): void {
  useEditorStore.setState({ ...initialData });
}

function withoutKeys<T>(record: Record<string, T>, keys: string[]): Record<string, T> {
  const copy = { ...record };
  for (const key of keys) delete copy[key];
  return copy;
}

function describeError(error: unknown): string {
  if (error instanceof ApiError && error.body.field) return `${error.body.field}: ${error.message}`;
  return errorMessage(error);
}

/** How a failed save shows: errors on their nodes, the rest in the message area. */
export function saveErrorState(
  error: unknown,
  nodes: { id: string; data: { spec: Pick<SpecNode, "id" | "name"> } }[],
): Pick<EditorState, "message" | "nodeErrors" | "specErrors" | "conflictVersion"> {
  if (error instanceof ApiError && error.status === 409) {
    const latest = error.body.latest_version;
    return {
      nodeErrors: {},
      specErrors: [],
      conflictVersion: latest ?? null,
      message: {
        kind: "error",
        text:
          `Someone else saved version ${latest ?? "(newer)"} of this workflow. ` +
          "Reload to get it; your unsaved changes will be lost.",
      },
    };
  }
  if (error instanceof ApiError && error.status === 400 && error.code === "invalid_spec") {
    const errors = Array.isArray(error.body.errors) ? (error.body.errors as SpecError[]) : [];
    const known = new Set(nodes.map((n) => n.id));
    const nodeErrors: Record<string, string[]> = {};
    const details: string[] = [];
    for (const item of errors) {
      const text = item.field ? `${item.field}: ${item.message}` : item.message;
      if (item.node && known.has(item.node)) {
        (nodeErrors[item.node] ??= []).push(text);
      } else {
        details.push(item.node ? `${item.node}: ${text}` : text);
      }
    }
    const count = errors.length;
    const onNodes = count - details.length;
    return {
      nodeErrors,
      specErrors: errors,
      conflictVersion: null,
      message: {
        kind: "error",
        text:
          count === 0
            ? error.message
            : `Not saved: ${count} problem${count === 1 ? "" : "s"} to fix` +
              (onNodes > 0 ? ` (${onNodes} shown on the nodes).` : "."),
        details,
      },
    };
  }
  if (error instanceof ApiError && error.status === 400 && error.body.errors && !Array.isArray(error.body.errors)) {
    const details = Object.entries(error.body.errors).map(([field, messages]) => `${field}: ${[messages].flat().join(" ")}`);
    return {
      nodeErrors: {},
      specErrors: [],
      conflictVersion: null,
      message: { kind: "error", text: `Not saved: ${error.message}`, details },
    };
  }
  return {
    nodeErrors: {},
    specErrors: [],
    conflictVersion: null,
    message: { kind: "error", text: `Not saved: ${describeError(error)}` },
  };
}
