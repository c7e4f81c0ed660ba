/** Which output ports of each node its outgoing edges use, by node id. */
import { DEFAULT_PORT } from "./specMapping";

export type PortIndex = ReadonlyMap<string, readonly string[]>;

export const NO_PORTS: readonly string[] = Object.freeze([]);

const EMPTY_INDEX: PortIndex = new Map();

interface EdgeLike {
  source: string;
  sourceHandle?: string | null;
}

/**
 * The output ports used by edges, by source node id, each port once, in edge
 * order. One pass over the edges; a node whose list is unchanged from
 * `previous` keeps the very same array, so a component selecting its own entry
 * re-renders only when its own ports change.
 */
export function indexSourcePorts(edges: readonly EdgeLike[], previous: PortIndex = EMPTY_INDEX): PortIndex {
  const next = new Map<string, string[]>();
  for (const edge of edges) {
    const port = edge.sourceHandle ?? DEFAULT_PORT;
    const ports = next.get(edge.source);
    if (!ports) next.set(edge.source, [port]);
    else if (!ports.includes(port)) ports.push(port);
  }
  const index = new Map<string, readonly string[]>();
  for (const [id, ports] of next) {
    const before = previous.get(id);
    index.set(id, before && sameList(before, ports) ? before : ports);
  }
  return index;
}

/** A node's used output ports, from the index. */
export function portsOf(index: PortIndex, id: string): readonly string[] {
  return index.get(id) ?? NO_PORTS;
}

function sameList(a: readonly string[], b: readonly string[]): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i += 1) if (a[i] !== b[i]) return false;
  return true;
}
