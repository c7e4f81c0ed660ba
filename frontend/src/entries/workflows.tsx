import { StrictMode } from "react";
import { createRoot } from "react-dom/client";
import WorkflowsPage from "../features/workflows/WorkflowsPage";
import "../styles/app.css";

const root = document.getElementById("root");
if (root) {
  createRoot(root).render(
    <StrictMode>
      <WorkflowsPage />
    </StrictMode>,
  );
}
