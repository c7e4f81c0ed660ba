import { StrictMode } from "react";
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
  createRoot(root).render(
    <StrictMode>
      {Number.isInteger(workflowId) && workflowId > 0 ? (
        <EditorPage workflowId={workflowId} />
      ) : (
        <p className="fd-error">This page has no workflow id.</p>
      )}
    </StrictMode>,
  );
}
