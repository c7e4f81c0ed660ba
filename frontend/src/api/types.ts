/** Shapes of the REST and websocket API (see docs/api.md) and the workflow spec. */

export type JsonValue =
  | string
  | number
  | boolean
  | null
  | JsonValue[]
  | { [key: string]: JsonValue };

export type JsonObject = { [key: string]: JsonValue };

export interface Position {
  x: number;
  y: number;
}

/** A spec node without its canvas position. */
export interface SpecNodeBody {
  id: string;
  type: string;
  name?: string;
  config?: JsonObject;
  [key: string]: unknown;
}

/** One node of a spec. Fields the editor does not know are kept as they are. */
export interface SpecNode extends SpecNodeBody {
  position?: Position;
}

export interface SpecEdge {
  source: string;
  target: string;
  source_port?: string;
  [key: string]: unknown;
}

export interface InputDeclaration {
  type?: string;
  default?: JsonValue;
  description?: string;
  required?: boolean;
  [key: string]: unknown;
}

/** Everything in a spec besides its nodes and edges. */
export interface SpecExtras {
  format?: number;
  inputs?: Record<string, InputDeclaration>;
  variables?: Record<string, unknown>;
  settings?: Record<string, unknown>;
  [key: string]: unknown;
}

export interface Spec extends SpecExtras {
  nodes: SpecNode[];
  edges: SpecEdge[];
}

/** A JSON Schema, as far as the config form reads it. */
export interface JsonSchema {
  type?: string | string[];
  title?: string;
  description?: string;
  default?: JsonValue;
  enum?: JsonValue[];
  format?: string;
  properties?: Record<string, JsonSchema>;
  required?: string[];
  additionalProperties?: boolean | JsonSchema;
  items?: JsonSchema;
  minimum?: number;
  maximum?: number;
  [key: string]: unknown;
}

/**
 * How a node type names its output ports from a node's config: the `key` of
 * each item of the list `field`, in order, then `extra`. For `logic.switch`,
 * `{field: "cases", key: "port", extra: ["default"]}`.
 */
export interface PortsFromConfig {
  field: string;
  key: string;
  extra?: string[];
}

export interface NodeType {
  type: string;
  name: string;
  category: string;
  description: string;
  config_schema: JsonSchema;
  /** The trigger rule a node of this type follows when it names none. */
  default_trigger_rule?: string;
  /** `from_config`: null (or absent) when `outputs` are all the ports there are. */
  ports: { inputs: string[]; outputs: string[]; from_config?: PortsFromConfig | null };
}

export interface WorkflowSummary {
  id: number;
  name: string;
  description: string;
  owner: unknown;
  version: number;
  created_at: string;
  updated_at: string;
}

export interface Workflow extends WorkflowSummary {
  spec: Spec;
}

export interface Page<T> {
  count: number;
  next: string | null;
  previous: string | null;
  results: T[];
}

export type RunStatus = "pending" | "running" | "paused" | "succeeded" | "failed" | "cancelled";

export type NodeStatus =
  | "pending"
  | "running"
  | "retrying"
  | "waiting"
  | "succeeded"
  | "failed"
  | "skipped"
  | "upstream_failed"
  | "cancelled";

export interface RunNode {
  node_id: string;
  status: NodeStatus;
  attempt: number;
  started_at: string | null;
  finished_at: string | null;
  error: unknown;
  output: unknown;
  /** A human.review node's request (`message`) and, once made, the decision. */
  review?: Review | null;
}

export interface Review {
  message?: string;
  decision?: ReviewDecision;
  by?: string;
  comment?: string;
  at?: string;
}

export type ReviewDecision = "approve" | "reject";

export interface Run {
  id: number;
  workflow: number;
  version: number;
  status: RunStatus;
  substatus?: string;
  inputs: JsonObject;
  error: unknown;
  created_at: string;
  started_at: string | null;
  finished_at: string | null;
  nodes?: RunNode[];
}

export interface RunEvent {
  seq: number;
  type: "run.status" | "node.status" | "log" | string;
  run_id: number;
  node_id: string | null;
  /** "" at the top level; "<loop id>[<index>]" for one iteration of a loop body. */
  scope?: string;
  status: string;
  substatus: string;
  at: string;
  level: string;
  message: string;
}

/** One problem in a spec, as listed by an `invalid_spec` error. */
export interface SpecError {
  code: string;
  message: string;
  node?: string | null;
  field?: string | null;
}

export interface ApiErrorBody {
  code: string;
  message: string;
  field?: string | null;
  node?: string | null;
  errors?: SpecError[] | Record<string, string[]>;
  latest_version?: number;
  [key: string]: unknown;
}
