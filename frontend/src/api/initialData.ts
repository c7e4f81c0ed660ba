/**
 * The editor page's first API answers, embedded in the page by the server:
 *
 *   <script id="editor-initial" type="application/json">
 *     {"workflow": <GET /api/workflows/<id>/>, "node_types": <GET /api/node-types/>}
 *   </script>
 *
 * With them the canvas renders as soon as the script runs, without two round
 * trips first. They describe the page as it was served, so they are handed out
 * once: any later load (a reload after a version conflict) asks the API.
 */
import type { NodeType, Workflow } from "./types";

export const INITIAL_DATA_ELEMENT_ID = "editor-initial";

export interface InitialData {
  workflow: Workflow;
  node_types: NodeType[];
}

let taken = false;

/** The embedded answers, parsed; null when the page has none or they are unusable. */
export function readInitialData(doc: Document | undefined = pageDocument()): InitialData | null {
  const element = doc?.getElementById(INITIAL_DATA_ELEMENT_ID);
  const text = element?.textContent;
  if (!text) return null;
  let data: unknown;
  try {
    data = JSON.parse(text);
  } catch {
    return null;
  }
  if (!data || typeof data !== "object") return null;
  const { workflow, node_types } = data as Partial<InitialData>;
  if (!workflow || typeof workflow !== "object" || !workflow.spec || !Array.isArray(node_types)) return null;
  return { workflow, node_types };
}

/**
 * The embedded answers for `workflowId`, the first time only (later calls, and
 * a page without them or for another workflow, give null: ask the API).
 */
export function takeInitialData(workflowId: number, doc: Document | undefined = pageDocument()): InitialData | null {
  if (taken) return null;
  taken = true;
  const data = readInitialData(doc);
  return data && data.workflow.id === workflowId ? data : null;
}

function pageDocument(): Document | undefined {
  return typeof document === "undefined" ? undefined : document;
}

/** Makes the embedded answers available again (tests). */
export function resetInitialData(): void {
  taken = false;
}
