/**
 * The one mapping between the API's spec and React Flow's nodes and edges.
 *
 * A flow node carries its spec node (minus `position`, which React Flow owns)
 * in `data.spec`, and a flow edge carries its spec edge in `data.spec`, so
 * every field the canvas does not display (config, retry, trigger_rule,
 * parent, ...) comes back unchanged. Everything in the spec besides nodes and
 * edges (format, inputs, variables, settings, ...) is kept in `extras`.
 */
import type { Edge, Node } from "@xyflow/react";
import type {
  JsonObject,
  JsonSchema,
  NodeType,
  Position,
  Spec,
  SpecEdge,
  SpecExtras,
  SpecNode,
  SpecNodeBody,
} from "../../api/types";

export type { SpecExtras };

export const FLOW_NODE_TYPE = "flowdesk";
export const DEFAULT_PORT = "out";
export const TARGET_HANDLE = "in";

export type FlowNodeData = { spec: SpecNodeBody };
export type FlowNode = Node<FlowNodeData, typeof FLOW_NODE_TYPE>;
export type FlowEdgeData = { spec: SpecEdge };
export type FlowEdge = Edge<FlowEdgeData>;

export interface Flow {
  nodes: FlowNode[];
  edges: FlowEdge[];
  extras: SpecExtras;
}

export function edgeId(source: string, port: string, target: string, taken?: Set<string>): string {
  const base = `${source}:${port}->${target}`;
  if (!taken || !taken.has(base)) return base;
  let n = 2;
  while (taken.has(`${base}#${n}`)) n += 1;
  return `${base}#${n}`;
}

export function specToFlow(spec: Spec): Flow {
  const { nodes = [], edges = [], ...extras } = spec;
  const missing = autoPositions(nodes, edges);
  const flowNodes: FlowNode[] = nodes.map((specNode) => {
    const { position, ...rest } = specNode;
    return {
      id: specNode.id,
      type: FLOW_NODE_TYPE,
      position: position ? { x: position.x, y: position.y } : missing.get(specNode.id)!,
      data: { spec: rest },
    };
  });
  const taken = new Set<string>();
  const flowEdges: FlowEdge[] = edges.map((specEdge) => {
    const port = specEdge.source_port ?? DEFAULT_PORT;
    const id = edgeId(specEdge.source, port, specEdge.target, taken);
    taken.add(id);
    return {
      id,
      source: specEdge.source,
      target: specEdge.target,
      sourceHandle: port,
      targetHandle: TARGET_HANDLE,
      data: { spec: specEdge },
    };
  });
  return { nodes: flowNodes, edges: flowEdges, extras };
}

export function flowToSpec(flow: Flow): Spec {
  const nodes: SpecNode[] = flow.nodes.map((node) => ({
    ...node.data.spec,
    id: node.id,
    position: { x: node.position.x, y: node.position.y },
  }));
  const edges: SpecEdge[] = flow.edges.map((edge) => {
    const { source_port: originalPort, ...rest } = edge.data?.spec ?? {};
    const port = edge.sourceHandle ?? DEFAULT_PORT;
    const specEdge: SpecEdge = { ...rest, source: edge.source, target: edge.target };
    // `out` is the default port: left out, unless the original spec spelled it.
    if (port !== DEFAULT_PORT || originalPort === DEFAULT_PORT) specEdge.source_port = port;
    return specEdge;
  });
  return { ...flow.extras, nodes, edges };
}

/**
 * Positions for nodes that have none: columns by depth in the graph, so a
 * spec written by hand or by a script still opens readable.
 */
function autoPositions(nodes: SpecNode[], edges: SpecEdge[]): Map<string, Position> {
  const result = new Map<string, Position>();
  if (nodes.every((n) => n.position)) return result;
  const depth = new Map<string, number>(nodes.map((n) => [n.id, 0]));
  // Longest-path depth; bounded by the node count so a cycle cannot loop forever.
  for (let round = 0; round < nodes.length; round += 1) {
    let changed = false;
    for (const edge of edges) {
      const d = (depth.get(edge.source) ?? 0) + 1;
      if (depth.has(edge.target) && d > depth.get(edge.target)!) {
        depth.set(edge.target, d);
        changed = true;
      }
    }
    if (!changed) break;
  }
  const rows = new Map<number, number>();
  for (const node of nodes) {
    const d = depth.get(node.id) ?? 0;
    const row = rows.get(d) ?? 0;
    rows.set(d, row + 1);
    if (!node.position) result.set(node.id, { x: d * 260, y: row * 120 });
  }
  return result;
}

/** `core.log` → `log_1`, then `log_2`: the smallest positive number not taken. */
export function nextNodeId(type: string, existingIds: Iterable<string>): string {
  const bare = type.split("@")[0];
  const last = bare.slice(bare.lastIndexOf(".") + 1);
  const prefix =
    last
      .toLowerCase()
      .replace(/[^a-z0-9_-]+/g, "_")
      .replace(/^_+|_+$/g, "")
      .slice(0, 50) || "node";
  const taken = new Set(existingIds);
  let n = 1;
  while (taken.has(`${prefix}_${n}`)) n += 1;
  return `${prefix}_${n}`;
}

/** The config a new node starts with: every property's schema `default`. */
export function defaultConfig(schema: JsonSchema | undefined): JsonObject {
  const config: JsonObject = {};
  for (const [key, prop] of Object.entries(schema?.properties ?? {})) {
    if (prop && prop.default !== undefined) config[key] = structuredClone(prop.default);
  }
  return config;
}

export function newFlowNode(nodeType: NodeType, existingIds: Iterable<string>, position: Position): FlowNode {
  const id = nextNodeId(nodeType.type, existingIds);
  return {
    id,
    type: FLOW_NODE_TYPE,
    position,
    selected: false,
    data: {
      spec: { id, type: nodeType.type, name: nodeType.name, config: defaultConfig(nodeType.config_schema) },
    },
  };
}

/** The name shown for a node: its `name`, else its id (the spec's default). */
export function nodeLabel(spec: Pick<SpecNode, "id" | "name">): string {
  return spec.name || spec.id;
}
