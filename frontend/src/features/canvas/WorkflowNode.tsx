import { Fragment, memo, useRef } from "react";
import { Handle, Position } from "@xyflow/react";
import type { NodeProps } from "@xyflow/react";
import type { NodeType } from "../../api/types";
import { useEditorStore } from "../editor/editorStore";
import type { EditorState } from "../editor/editorStore";
import { STATUS_ICONS, STATUS_LABELS, categoryColor } from "./appearance";
import { ERROR_PORT, hasBreakpoint, routesErrors } from "./execution";
import { portsOf } from "./portIndex";
import { outputPorts } from "./ports";
import { TARGET_HANDLE, nodeLabel } from "./specMapping";
import type { FlowNode } from "./specMapping";

interface NodeView {
  nodeType: NodeType | undefined;
  status: string;
  errors: string[] | undefined;
  usedPorts: readonly string[];
}

/**
 * What one node shows from the editor store, in one subscription. O(1) per
 * node and store update (no scan of the nodes or edges), and the same object
 * as long as its fields are the same, so the node re-renders only when its
 * own type, status, errors or used ports change.
 */
export function useNodeView(id: string, type: string): NodeView {
  const last = useRef<NodeView | null>(null);
  return useEditorStore((s: EditorState) => {
    const nodeType = s.nodeTypesByType[type];
    const status = s.run?.nodes[id]?.status ?? "idle";
    const errors = s.nodeErrors[id];
    // Ports used by edges but not declared by the type (a routed `error` port,
    // or a type this server does not know) still need a handle to attach to.
    const usedPorts = portsOf(s.usedPorts, id);
    const prev = last.current;
    if (
      prev &&
      prev.nodeType === nodeType &&
      prev.status === status &&
      prev.errors === errors &&
      prev.usedPorts === usedPorts
    ) {
      return prev;
    }
    return (last.current = { nodeType, status, errors, usedPorts });
  });
}

function WorkflowNode({ id, data, selected }: NodeProps<FlowNode>) {
  const spec = data.spec;
  const { nodeType, status, errors, usedPorts } = useNodeView(id, spec.type);

  // The type's ports, or for a type like logic.switch the ones its config
  // names now: editing the cases in the side panel redraws the handles.
  const declared = outputPorts(nodeType, spec.config);
  const routed = routesErrors(spec) ? [ERROR_PORT] : [];
  const outputs = unique([...declared, ...routed, ...usedPorts]);
  // An edge from a port the node no longer has (say a case renamed) keeps its
  // handle, flagged, until the edge is removed or the port is back; saving
  // reports it as `unknown_port`.
  const stale = nodeType ? outputs.filter((port) => !declared.includes(port) && !routed.includes(port)) : [];
  const hasInput = nodeType ? nodeType.ports.inputs.length > 0 : true;
  const labelled = outputs.length > 1 || Boolean(nodeType?.ports.from_config);

  const classes = ["fd-node", `fd-node--${status}`];
  if (selected) classes.push("fd-node--selected");
  if (errors?.length) classes.push("fd-node--invalid");
  if (!nodeType) classes.push("fd-node--unknown");
  if (labelled) classes.push("fd-node--ports");
  const breakpoint = hasBreakpoint(spec);

  return (
    <div
      className={classes.join(" ")}
      data-testid={`node-${id}`}
      data-status={status}
      style={{
        ["--fd-stripe" as string]: categoryColor(nodeType?.category),
        minHeight: labelled ? 28 + outputs.length * 22 : undefined,
      }}
      title={STATUS_LABELS[status] ?? status}
    >
      {hasInput && (
        <Handle
          type="target"
          position={Position.Left}
          id={TARGET_HANDLE}
          className="fd-handle"
          data-testid={`handle-${id}-in`}
        />
      )}
      {breakpoint && (
        <span
          className="fd-node__breakpoint"
          title="Breakpoint: a run pauses before this node"
          aria-label="breakpoint"
          data-testid={`breakpoint-${id}`}
        />
      )}
      <div className="fd-node__body">
        <div className="fd-node__title">
          <span className="fd-node__name">{nodeLabel(spec)}</span>
          <StatusIcon status={status} />
        </div>
        <div className="fd-node__type">{spec.type}</div>
      </div>
      {outputs.map((port, index) => {
        const top = `${((index + 1) / (outputs.length + 1)) * 100}%`;
        const isStale = stale.includes(port);
        // The routed error port is drawn in the colour of failure.
        const kind = isStale ? "stale" : routed.includes(port) ? "error" : null;
        return (
          <Fragment key={port}>
            <Handle
              type="source"
              position={Position.Right}
              id={port}
              className={kind ? `fd-handle fd-handle--${kind}` : "fd-handle"}
              style={{ top }}
              title={isStale ? `This node has no port “${port}” any more: remove the edge, or bring the port back.` : undefined}
              data-stale={isStale ? "true" : undefined}
              data-testid={`handle-${id}-out-${port}`}
            />
            {(labelled || isStale) && (
              <span
                className={kind ? `fd-node__port-label fd-node__port-label--${kind}` : "fd-node__port-label"}
                style={{ top }}
              >
                {port}
              </span>
            )}
          </Fragment>
        );
      })}
      {errors && errors.length > 0 && (
        <div className="fd-node__error" data-testid={`node-error-${id}`}>
          {errors.map((message, i) => (
            <div key={i}>{message}</div>
          ))}
        </div>
      )}
    </div>
  );
}

function StatusIcon({ status }: { status: string }) {
  if (status === "idle") return null;
  if (status === "running") return <span className="fd-status-icon fd-spinner" aria-label="running" />;
  return (
    <span className={`fd-status-icon fd-status-icon--${status}`} aria-label={status}>
      {STATUS_ICONS[status] ?? "•"}
    </span>
  );
}

function unique(values: string[]): string[] {
  return [...new Set(values)];
}

/**
 * React Flow passes every node its size and position too; the node's look
 * depends on neither, so measuring or dragging a node does not re-render it.
 */
export function sameNodeProps(a: NodeProps<FlowNode>, b: NodeProps<FlowNode>): boolean {
  return a.id === b.id && a.data === b.data && a.selected === b.selected;
}

export default memo(WorkflowNode, sameNodeProps);
