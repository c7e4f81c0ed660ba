import type { JsonObject, JsonValue } from "../../api/types";
import { useEditorStore } from "../editor/editorStore";
import { categoryColor } from "./appearance";
import ConfigForm from "./ConfigForm";
import ExecutionSettings from "./ExecutionSettings";
import type { FlowNode } from "./specMapping";

/** The one selected node, or null when none or several are selected. */
function selectSingleNode(nodes: FlowNode[]): FlowNode | null {
  let found: FlowNode | null = null;
  for (const node of nodes) {
    if (!node.selected) continue;
    if (found) return null;
    found = node;
  }
  return found;
}

export default function SidePanel() {
  const node = useEditorStore((s) => selectSingleNode(s.nodes));
  return (
    <aside className="fd-side-panel" aria-label="Node settings">
      {node ? (
        <NodeSettings key={node.id} node={node} />
      ) : (
        <div className="fd-side-panel__empty fd-muted">
          <p>Select a node to edit its settings.</p>
          <p>Drag node types from the left onto the canvas, and connect them by dragging from a node’s right handle to another node’s left handle.</p>
        </div>
      )}
    </aside>
  );
}

function NodeSettings({ node }: { node: FlowNode }) {
  const spec = node.data.spec;
  const nodeType = useEditorStore((s) => s.nodeTypesByType[spec.type]);
  const errors = useEditorStore((s) => s.nodeErrors[node.id]);
  const updateNode = useEditorStore((s) => s.updateNode);

  const setName = (name: string) =>
    updateNode(node.id, (current) => {
      const next = { ...current };
      if (name === "") delete next.name;
      else next.name = name;
      return next;
    });

  const setConfig = (property: string, value: JsonValue | undefined) =>
    updateNode(node.id, (current) => {
      const config: JsonObject = { ...(current.config ?? {}) };
      if (value === undefined) delete config[property];
      else config[property] = value;
      return { ...current, config };
    });

  return (
    <div className="fd-node-settings" data-testid="side-panel">
      <header className="fd-node-settings__header" style={{ ["--fd-stripe" as string]: categoryColor(nodeType?.category) }}>
        <div className="fd-node-settings__type">{nodeType?.name ?? spec.type}</div>
        <div className="fd-muted fd-mono">
          {spec.type} · id <span data-testid="node-id">{node.id}</span>
        </div>
        {nodeType?.description && <p className="fd-field__help">{nodeType.description}</p>}
      </header>
      {errors && errors.length > 0 && (
        <ul className="fd-node-settings__errors">
          {errors.map((message, i) => (
            <li key={i}>{message}</li>
          ))}
        </ul>
      )}
      <div className="fd-field">
        <label className="fd-field__label" htmlFor="node-name">
          Name
        </label>
        <input
          id="node-name"
          className="fd-input"
          type="text"
          value={spec.name ?? ""}
          placeholder={node.id}
          onChange={(e) => setName(e.target.value)}
          data-testid="node-name"
        />
      </div>
      {nodeType ? (
        <ConfigForm schema={nodeType.config_schema ?? {}} config={spec.config ?? {}} onChange={setConfig} />
      ) : (
        <p className="fd-field__error">
          The server does not know the node type “{spec.type}”; its settings are kept as they are.
        </p>
      )}
      <ExecutionSettings node={node} />
    </div>
  );
}
