/** Rules for drawing an edge on the canvas. */
import { DEFAULT_PORT } from "./specMapping";

interface EdgeLike {
  source: string;
  target: string;
  sourceHandle?: string | null;
}

export interface ConnectionLike {
  source: string | null;
  target: string | null;
  sourceHandle?: string | null;
}

/**
 * Whether an edge from `connection.source` to `connection.target` may be
 * added: not to itself, not twice, and not closing a cycle (the top-level
 * graph must stay acyclic).
 */
export function canConnect(edges: EdgeLike[], connection: ConnectionLike): boolean {
  const { source, target } = connection;
  if (!source || !target || source === target) return false;
  const port = connection.sourceHandle ?? DEFAULT_PORT;
  if (edges.some((e) => e.source === source && e.target === target && (e.sourceHandle ?? DEFAULT_PORT) === port)) {
    return false;
  }
  return !reaches(edges, target, source);
}

/** Whether `to` can be reached from `from` along edges. */
export function reaches(edges: EdgeLike[], from: string, to: string): boolean {
  const next = new Map<string, string[]>();
  for (const e of edges) {
    const list = next.get(e.source);
    if (list) list.push(e.target);
    else next.set(e.source, [e.target]);
  }
  const seen = new Set<string>([from]);
  const stack = [from];
  while (stack.length > 0) {
    const id = stack.pop()!;
    if (id === to) return true;
    for (const t of next.get(id) ?? []) {
      if (!seen.has(t)) {
        seen.add(t);
        stack.push(t);
      }
    }
  }
  return false;
}
