/**
 * A node's output ports, by the same rule as the server's
 * `NodeType.output_ports(config)`: the type's fixed `outputs`, or, for a type
 * with `ports.from_config`, the ports its current config names.
 */
import type { JsonObject, NodeType, PortsFromConfig } from "../../api/types";
import { DEFAULT_PORT } from "./specMapping";

/**
 * The `key` of each item of the list `config[field]`, in order, then the
 * `extra` ports; each port once, and items without a usable name left out
 * (the server reports those when the workflow is saved).
 */
export function portsFromConfig(rule: PortsFromConfig, config: JsonObject | undefined): string[] {
  const items = config?.[rule.field];
  const named: string[] = [];
  if (Array.isArray(items)) {
    for (const item of items) {
      if (!item || typeof item !== "object" || Array.isArray(item)) continue;
      const port = item[rule.key];
      if (typeof port === "string" && port !== "") named.push(port);
    }
  }
  return [...new Set([...named, ...(rule.extra ?? [])])];
}

/** The output ports of a node of `nodeType` with `config`; `out` for a type this server does not know. */
export function outputPorts(nodeType: NodeType | undefined, config: JsonObject | undefined): string[] {
  if (!nodeType) return [DEFAULT_PORT];
  const rule = nodeType.ports.from_config;
  return rule ? portsFromConfig(rule, config) : nodeType.ports.outputs;
}
