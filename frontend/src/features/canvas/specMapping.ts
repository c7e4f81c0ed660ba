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
  const parents = parentsOf(nodes);
  const missing = autoPositionsByBody(nodes, edges, parents);
  const sizes = containerSizes(nodes, parents, missing);
  const flowNodes: FlowNode[] = inParentOrder(nodes, parents).map((specNode) => {
    const { position, ...rest } = specNode;
    const parentId = parents.get(specNode.id);
    const size = sizes.get(specNode.id);
    return {
      id: specNode.id,
      type: FLOW_NODE_TYPE,
      position: position ? { x: position.x, y: position.y } : missing.get(specNode.id)!,
      data: { spec: rest },
      // A loop body's node is drawn inside its loop, at a position relative to it.
      ...(parentId ? { parentId, extent: "parent" as const } : {}),
      ...(size ? { className: CONTAINER_CLASS, style: size } : {}),
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

export const CONTAINER_CLASS = "fd-container";
// Room a loop keeps around its body: its own card on top, a margin elsewhere.
const BODY_TOP = 90;
const BODY_MARGIN = 30;
// What a node card takes at most (see .fd-node in editor.css).
const CARD = { width: 260, height: 90 };

/** Body node id → its loop, for `parent`s that name a node of the spec. */
function parentsOf(nodes: SpecNode[]): Map<string, string> {
  const ids = new Set(nodes.map((n) => n.id));
  const parents = new Map<string, string>();
  for (const node of nodes) {
    if (typeof node.parent === "string" && ids.has(node.parent) && node.parent !== node.id) {
      parents.set(node.id, node.parent);
    }
  }
  return parents;
}

function depthOf(id: string, parents: Map<string, string>): number {
  let depth = 0;
  // Bounded: a parent cycle (which validation refuses) cannot loop forever.
  for (let at = parents.get(id); at !== undefined && depth <= parents.size; at = parents.get(at)) {
    depth += 1;
  }
  return depth;
}

/** React Flow needs a parent before its children; otherwise the spec's order. */
function inParentOrder(nodes: SpecNode[], parents: Map<string, string>): SpecNode[] {
  const depth = new Map(nodes.map((n) => [n.id, depthOf(n.id, parents)]));
  return [...nodes].sort((a, b) => depth.get(a.id)! - depth.get(b.id)!);
}

/** Auto positions laid out within each body, below its loop's own card. */
function autoPositionsByBody(
  nodes: SpecNode[],
  edges: SpecEdge[],
  parents: Map<string, string>,
): Map<string, Position> {
  const result = new Map<string, Position>();
  const bodies = new Map<string | undefined, SpecNode[]>();
  for (const node of nodes) {
    const parent = parents.get(node.id);
    bodies.set(parent, [...(bodies.get(parent) ?? []), node]);
  }
  for (const [parent, body] of bodies) {
    const ids = new Set(body.map((n) => n.id));
    const inside = edges.filter((e) => ids.has(e.source) && ids.has(e.target));
    for (const [id, at] of autoPositions(body, inside)) {
      result.set(id, parent ? { x: at.x + BODY_MARGIN, y: at.y + BODY_TOP } : at);
    }
  }
  return result;
}

/** Each loop's size: large enough to hold its body, nested loops included. */
function containerSizes(
  nodes: SpecNode[],
  parents: Map<string, string>,
  missing: Map<string, Position>,
): Map<string, { width: number; height: number }> {
  const sizes = new Map<string, { width: number; height: number }>();
  const deepestFirst = [...nodes].sort((a, b) => depthOf(b.id, parents) - depthOf(a.id, parents));
  for (const node of deepestFirst) {
    const parent = parents.get(node.id);
    if (parent === undefined) continue;
    const at = node.position ?? missing.get(node.id)!;
    const own = sizes.get(node.id) ?? CARD;
    const size = sizes.get(parent) ?? { width: CARD.width + 2 * BODY_MARGIN, height: BODY_TOP + BODY_MARGIN };
    sizes.set(parent, {
      width: Math.max(size.width, at.x + own.width + BODY_MARGIN),
      height: Math.max(size.height, at.y + own.height + BODY_MARGIN),
    });
  }
  return sizes;
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
