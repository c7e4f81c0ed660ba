/** The one module that talks to the REST API. */
import type {
  ApiErrorBody,
  JsonObject,
  NodeType,
  Page,
  ReviewDecision,
  Run,
  Spec,
  Workflow,
  WorkflowSummary,
} from "./types";

export class ApiError extends Error {
  readonly status: number;
  readonly body: ApiErrorBody;

  constructor(status: number, body: ApiErrorBody) {
    super(body.message || `Request failed with status ${status}`);
    this.name = "ApiError";
    this.status = status;
    this.body = body;
  }

  get code(): string {
    return this.body.code;
  }
}

const UNSAFE_METHODS = new Set(["POST", "PUT", "PATCH", "DELETE"]);

export function readCookie(name: string, cookies: string = document.cookie): string | null {
  for (const part of cookies.split(";")) {
    const eq = part.indexOf("=");
    if (eq === -1) continue;
    if (part.slice(0, eq).trim() === name) {
      return decodeURIComponent(part.slice(eq + 1).trim());
    }
  }
  return null;
}

export async function request<T>(method: string, url: string, body?: unknown): Promise<T> {
  const headers: Record<string, string> = { Accept: "application/json" };
  if (body !== undefined) headers["Content-Type"] = "application/json";
  if (UNSAFE_METHODS.has(method)) {
    const token = readCookie("csrftoken");
    if (token) headers["X-CSRFToken"] = token;
  }

  let response: Response;
  try {
    response = await fetch(url, {
      method,
      headers,
      credentials: "same-origin",
      body: body === undefined ? undefined : JSON.stringify(body),
    });
  } catch {
    throw new ApiError(0, {
      code: "network_error",
      message: "The server could not be reached. Check your connection and try again.",
    });
  }

  const text = response.status === 204 ? "" : await response.text();
  let data: unknown = undefined;
  if (text) {
    try {
      data = JSON.parse(text);
    } catch {
      data = undefined;
    }
  }

  if (!response.ok) {
    const errorBody =
      data && typeof data === "object" && !Array.isArray(data)
        ? (data as ApiErrorBody)
        : { code: "http_error", message: `${response.status} ${response.statusText}`.trim() };
    if (!errorBody.message) errorBody.message = `Request failed with status ${response.status}`;
    throw new ApiError(response.status, errorBody);
  }
  return data as T;
}

export const api = {
  listWorkflows(url = "/api/workflows/"): Promise<Page<WorkflowSummary>> {
    return request("GET", url);
  },
  /** Every workflow the user can see, all pages of them. */
  async listAllWorkflows(): Promise<WorkflowSummary[]> {
    const all: WorkflowSummary[] = [];
    for (let url: string | null = "/api/workflows/"; url !== null; ) {
      const page: Page<WorkflowSummary> = await request("GET", url);
      all.push(...page.results);
      url = page.next;
    }
    return all;
  },
  createWorkflow(data: { name: string; description?: string; spec?: Spec }): Promise<Workflow> {
    return request("POST", "/api/workflows/", data);
  },
  getWorkflow(id: number): Promise<Workflow> {
    return request("GET", `/api/workflows/${id}/`);
  },
  updateWorkflow(
    id: number,
    data: { name?: string; description?: string; spec?: Spec; base_version?: number; message?: string },
  ): Promise<Workflow> {
    return request("PATCH", `/api/workflows/${id}/`, data);
  },
  deleteWorkflow(id: number): Promise<void> {
    return request("DELETE", `/api/workflows/${id}/`);
  },
  listNodeTypes(): Promise<NodeType[]> {
    return request("GET", "/api/node-types/");
  },
  startRun(workflowId: number, inputs: JsonObject): Promise<Run> {
    return request("POST", `/api/workflows/${workflowId}/runs/`, { inputs });
  },
  getRun(id: number): Promise<Run> {
    return request("GET", `/api/runs/${id}/`);
  },
  controlRun(id: number, action: RunAction): Promise<Run> {
    return request("POST", `/api/runs/${id}/${action}/`);
  },
  reviewNode(runId: number, nodeId: string, decision: ReviewDecision, comment = ""): Promise<Run> {
    return request("POST", `/api/runs/${runId}/nodes/${encodeURIComponent(nodeId)}/review/`, { decision, comment });
  },
};

/** What can be asked of a run; which ones make sense depends on its status. */
export type RunAction = "pause" | "resume" | "cancel" | "retry";

/** A one-line description of any error, for a message area. */
export function errorMessage(error: unknown): string {
  if (error instanceof ApiError) return error.message;
  if (error instanceof Error) return error.message;
  return String(error);
}
