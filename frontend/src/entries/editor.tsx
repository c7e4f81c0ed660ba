import { StrictMode } from "react";
import { flushSync } from "react-dom";
import { createRoot } from "react-dom/client";
import "@xyflow/react/dist/style.css";
import EditorPage from "../features/editor/EditorPage";
import { useEditorStore } from "../features/editor/editorStore";
import "../styles/app.css";
import "../styles/editor.css";

const root = document.getElementById("root");
const workflowId = Number(root?.dataset.workflowId);
if (root) {
  // With the data embedded in the page this fills the store at once, so the
  // first render is the canvas itself; without it the page asks the API.
  if (Number.isInteger(workflowId) && workflowId > 0) void useEditorStore.getState().load(workflowId);
  const reactRoot = createRoot(root);
  // Rendered at once, effects included: React Flow adds the nodes and starts
  // measuring them before the browser's first frame, instead of painting an
  // empty canvas first and measuring a frame later.
  flushSync(() =>
    reactRoot.render(
      <StrictMode>
        {Number.isInteger(workflowId) && workflowId > 0 ? (
          <EditorPage workflowId={workflowId} />
        ) : (
          <p className="fd-error">This page has no workflow id.</p>
        )}
      </StrictMode>,
    ),
  );
}
