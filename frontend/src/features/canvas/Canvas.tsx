import { useCallback } from "react";
import type { DragEvent } from "react";
import { Background, BackgroundVariant, Controls, ReactFlow, useReactFlow } from "@xyflow/react";
import type { Connection, Edge, IsValidConnection, NodeTypes } from "@xyflow/react";
import { useEditorStore } from "../editor/editorStore";
import { GRID, NODE_TYPE_MIME, snapToGrid } from "./dnd";
import { canConnect } from "./graph";
import { FLOW_NODE_TYPE } from "./specMapping";
import WorkflowNode from "./WorkflowNode";

const nodeTypes: NodeTypes = { [FLOW_NODE_TYPE]: WorkflowNode };
const deleteKeys = ["Delete", "Backspace"];
const defaultEdgeOptions = { type: "default" };
const fitViewOptions = { padding: 0.3, maxZoom: 1 };

export default function Canvas() {
  const nodes = useEditorStore((s) => s.nodes);
  const edges = useEditorStore((s) => s.edges);
  const onNodesChange = useEditorStore((s) => s.onNodesChange);
  const onEdgesChange = useEditorStore((s) => s.onEdgesChange);
  const connect = useEditorStore((s) => s.connect);
  const addNode = useEditorStore((s) => s.addNode);
  const { screenToFlowPosition } = useReactFlow();

  const isValidConnection: IsValidConnection = useCallback(
    (connection: Connection | Edge) => canConnect(useEditorStore.getState().edges, connection),
    [],
  );

  const onDragOver = useCallback((event: DragEvent) => {
    if (!event.dataTransfer.types.includes(NODE_TYPE_MIME)) return;
    event.preventDefault();
    event.dataTransfer.dropEffect = "move";
  }, []);

  const onDrop = useCallback(
    (event: DragEvent) => {
      const type = event.dataTransfer.getData(NODE_TYPE_MIME);
      if (!type) return;
      event.preventDefault();
      const position = screenToFlowPosition({ x: event.clientX, y: event.clientY });
      addNode(type, snapToGrid(position));
    },
    [addNode, screenToFlowPosition],
  );

  return (
    <div className="fd-canvas" data-testid="canvas" onDragOver={onDragOver} onDrop={onDrop}>
      <ReactFlow
        nodes={nodes}
        edges={edges}
        nodeTypes={nodeTypes}
        onNodesChange={onNodesChange}
        onEdgesChange={onEdgesChange}
        onConnect={connect}
        isValidConnection={isValidConnection}
        deleteKeyCode={deleteKeys}
        defaultEdgeOptions={defaultEdgeOptions}
        snapToGrid
        snapGrid={GRID}
        fitView
        fitViewOptions={fitViewOptions}
        minZoom={0.2}
        maxZoom={2}
      >
        <Background variant={BackgroundVariant.Dots} gap={20} size={1.5} color="#c5cad3" />
        <Controls showInteractive={false} />
      </ReactFlow>
    </div>
  );
}
