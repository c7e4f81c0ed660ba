import { useCallback, useEffect } from "react";
import { ReactFlowProvider } from "@xyflow/react";
import { useRunStream } from "../../api/useRunStream";
import Canvas from "../canvas/Canvas";
import Palette from "../canvas/Palette";
import SidePanel from "../canvas/SidePanel";
import RunInputsDialog from "../runs/RunInputsDialog";
import RunPanel from "../runs/RunPanel";
import { useEditorStore } from "./editorStore";
import Toolbar from "./Toolbar";

export default function EditorPage({ workflowId }: { workflowId: number }) {
  const load = useEditorStore((s) => s.load);
  const loading = useEditorStore((s) => s.loading);
  const loadError = useEditorStore((s) => s.loadError);
  const loadedId = useEditorStore((s) => (s.version === null ? null : s.workflowId));
  const loadCount = useEditorStore((s) => s.loadCount);
  const runId = useEditorStore((s) => s.run?.id ?? null);
  const applyRunEvent = useEditorStore((s) => s.applyRunEvent);
  const inputsDialogOpen = useEditorStore((s) => s.inputsDialogOpen);
  const inputs = useEditorStore((s) => s.extras.inputs);
  const startRun = useEditorStore((s) => s.startRun);
  const closeInputsDialog = useEditorStore((s) => s.closeInputsDialog);
  const streamState = useRunStream(runId, applyRunEvent);

  useEffect(() => {
    const state = useEditorStore.getState();
    // Loaded already (from the page's embedded data, before the first render) or on its way.
    if (state.workflowId === workflowId && (state.loadCount > 0 || state.loading)) return;
    void load(workflowId);
  }, [load, workflowId]);

  const reload = useCallback(() => void load(workflowId), [load, workflowId]);

  if (loadError && loadedId === null) {
    return (
      <div className="fd-editor fd-editor--message">
        <p className="fd-error" data-testid="status-message">
          Could not open this workflow: {loadError}
        </p>
        <p>
          <a href="/">Back to the workflows</a>
        </p>
      </div>
    );
  }
  if (loadedId === null) {
    return <div className="fd-editor fd-editor--message fd-muted">{loading ? "Loading…" : ""}</div>;
  }

  return (
    <ReactFlowProvider>
      <div className="fd-editor">
        <Toolbar onReload={reload} />
        <div className="fd-editor__main">
          <Palette />
          <div className="fd-editor__centre">
            {/* A reload replaces every node: remount so the view fits them again. */}
            <Canvas key={loadCount} />
            <RunPanel streamState={streamState} />
          </div>
          <SidePanel />
        </div>
        {inputsDialogOpen && inputs && (
          <RunInputsDialog declarations={inputs} onStart={(values) => void startRun(values)} onCancel={closeInputsDialog} />
        )}
      </div>
    </ReactFlowProvider>
  );
}
