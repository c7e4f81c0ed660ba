import { useMemo, useState } from "react";
import type { DragEvent, KeyboardEvent } from "react";
import { useReactFlow } from "@xyflow/react";
import type { NodeType } from "../../api/types";
import { useEditorStore } from "../editor/editorStore";
import { categoryColor } from "./appearance";
import { NODE_TYPE_MIME, snapToGrid } from "./dnd";

/** Node types whose name or type contains `query`, grouped by category in first-seen order. */
export function groupNodeTypes(nodeTypes: NodeType[], query: string): [string, NodeType[]][] {
  const q = query.trim().toLowerCase();
  const groups = new Map<string, NodeType[]>();
  for (const nodeType of nodeTypes) {
    if (q && !nodeType.name.toLowerCase().includes(q) && !nodeType.type.toLowerCase().includes(q)) continue;
    const category = nodeType.category || "other";
    const list = groups.get(category);
    if (list) list.push(nodeType);
    else groups.set(category, [nodeType]);
  }
  return [...groups.entries()];
}

export default function Palette() {
  const nodeTypes = useEditorStore((s) => s.nodeTypes);
  const addNode = useEditorStore((s) => s.addNode);
  const [query, setQuery] = useState("");
  const groups = useMemo(() => groupNodeTypes(nodeTypes, query), [nodeTypes, query]);
  const { screenToFlowPosition } = useReactFlow();

  const onDragStart = (event: DragEvent, type: string) => {
    event.dataTransfer.setData(NODE_TYPE_MIME, type);
    event.dataTransfer.effectAllowed = "move";
  };

  // Without a mouse: Enter on an item adds it in the middle of the canvas.
  const addAtCentre = (type: string) => {
    const canvas = document.querySelector(".fd-canvas");
    if (!canvas) return;
    const rect = canvas.getBoundingClientRect();
    addNode(type, snapToGrid(screenToFlowPosition({ x: rect.left + rect.width / 2, y: rect.top + rect.height / 2 })));
  };

  const onKeyDown = (event: KeyboardEvent, type: string) => {
    if (event.key === "Enter") {
      event.preventDefault();
      addAtCentre(type);
    }
  };

  return (
    <aside className="fd-palette" aria-label="Node types">
      <input
        type="search"
        className="fd-input fd-palette__search"
        placeholder="Search nodes…"
        value={query}
        onChange={(e) => setQuery(e.target.value)}
        data-testid="palette-search"
      />
      <div className="fd-palette__groups">
        {groups.length === 0 && <p className="fd-muted fd-palette__empty">No node types match.</p>}
        {groups.map(([category, types]) => (
          <section key={category} className="fd-palette__group">
            <h3 className="fd-palette__category">{category}</h3>
            {types.map((nodeType) => (
              <div
                key={nodeType.type}
                className="fd-palette__item"
                style={{ ["--fd-stripe" as string]: categoryColor(nodeType.category) }}
                draggable
                tabIndex={0}
                role="button"
                title={nodeType.description ? `${nodeType.description}\nDrag onto the canvas.` : "Drag onto the canvas."}
                onDragStart={(e) => onDragStart(e, nodeType.type)}
                onDoubleClick={() => addAtCentre(nodeType.type)}
                onKeyDown={(e) => onKeyDown(e, nodeType.type)}
                data-testid={`palette-item-${nodeType.type}`}
              >
                <span className="fd-palette__name">{nodeType.name}</span>
                <span className="fd-palette__type">{nodeType.type}</span>
              </div>
            ))}
          </section>
        ))}
      </div>
    </aside>
  );
}
