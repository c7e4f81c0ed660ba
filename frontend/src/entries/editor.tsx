import { StrictMode } from "react";
import { createRoot } from "react-dom/client";
import "@xyflow/react/dist/style.css";
import EditorPage from "../features/editor/EditorPage";
import "../styles/app.css";
import "../styles/editor.css";

const root = document.getElementById("root");
const workflowId = Number(root?.dataset.workflowId);
if (root) {
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
