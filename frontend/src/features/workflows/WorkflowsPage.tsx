import { useCallback, useEffect, useState } from "react";
import type { FormEvent } from "react";
import { ApiError, api, errorMessage } from "../../api/client";
import type { WorkflowSummary } from "../../api/types";

export function editorUrl(id: number): string {
  return `/workflows/${id}/`;
}

function formatDateTime(iso: string): string {
  const date = new Date(iso);
  return Number.isNaN(date.getTime()) ? iso : date.toLocaleString();
}

function describe(error: unknown): string {
  if (error instanceof ApiError && error.body.errors && !Array.isArray(error.body.errors)) {
    const fields = Object.entries(error.body.errors).map(([field, messages]) => `${field}: ${[messages].flat().join(" ")}`);
    if (fields.length) return fields.join("; ");
  }
  return errorMessage(error);
}

export default function WorkflowsPage({ navigate = (url: string) => window.location.assign(url) }: { navigate?: (url: string) => void }) {
  const [workflows, setWorkflows] = useState<WorkflowSummary[]>([]);
  const [next, setNext] = useState<string | null>(null);
  const [count, setCount] = useState(0);
  const [loading, setLoading] = useState(true);
  const [error, setError] = useState<string | null>(null);
  const [name, setName] = useState("");
  const [creating, setCreating] = useState(false);

  const loadPage = useCallback(async (url?: string) => {
    setLoading(true);
    try {
      const page = await api.listWorkflows(url);
      setWorkflows((current) => (url ? [...current, ...page.results] : page.results));
      setNext(page.next);
      setCount(page.count);
      setError(null);
    } catch (e) {
      setError(`Could not load the workflows: ${describe(e)}`);
    } finally {
      setLoading(false);
    }
  }, []);

  useEffect(() => {
    void loadPage();
  }, [loadPage]);

  const create = async (event: FormEvent) => {
    event.preventDefault();
    const trimmed = name.trim();
    if (!trimmed) {
      setError("Give the new workflow a name.");
      return;
    }
    setCreating(true);
    setError(null);
    try {
      const workflow = await api.createWorkflow({ name: trimmed });
      navigate(editorUrl(workflow.id));
    } catch (e) {
      setError(`Could not create the workflow: ${describe(e)}`);
      setCreating(false);
    }
  };

  const remove = async (workflow: WorkflowSummary) => {
    if (!window.confirm(`Delete the workflow “${workflow.name}”? Its versions and runs go with it.`)) return;
    try {
      await api.deleteWorkflow(workflow.id);
      setWorkflows((current) => current.filter((w) => w.id !== workflow.id));
      setCount((c) => Math.max(0, c - 1));
      setError(null);
    } catch (e) {
      setError(`Could not delete “${workflow.name}”: ${describe(e)}`);
    }
  };

  return (
    <div className="fd-page">
      <div className="fd-page__header">
        <h1>Workflows</h1>
        <form className="fd-create" onSubmit={create}>
          <input
            className="fd-input"
            type="text"
            placeholder="New workflow name"
            aria-label="New workflow name"
            value={name}
            onChange={(e) => setName(e.target.value)}
            data-testid="new-workflow-name"
          />
          <button type="submit" className="fd-button fd-button--primary" disabled={creating} data-testid="create-workflow">
            {creating ? "Creating…" : "Create"}
          </button>
        </form>
      </div>
      {error && (
        <p className="fd-error" role="alert" data-testid="error-message">
          {error}
        </p>
      )}
      <div className="fd-card">
        <table className="fd-table fd-table--list" data-testid="workflow-list">
          <thead>
            <tr>
              <th>Name</th>
              <th>Version</th>
              <th>Updated</th>
              <th aria-label="Actions" />
            </tr>
          </thead>
          <tbody>
            {workflows.map((workflow) => (
              <tr key={workflow.id} data-testid={`workflow-row-${workflow.id}`}>
                <td>
                  <a href={editorUrl(workflow.id)} className="fd-link" data-testid={`workflow-link-${workflow.id}`}>
                    {workflow.name}
                  </a>
                  {workflow.description && <div className="fd-muted">{workflow.description}</div>}
                </td>
                <td>v{workflow.version}</td>
                <td title={workflow.updated_at}>{formatDateTime(workflow.updated_at)}</td>
                <td className="fd-table__actions">
                  <button
                    type="button"
                    className="fd-button fd-button--small fd-button--danger"
                    onClick={() => void remove(workflow)}
                    data-testid={`delete-workflow-${workflow.id}`}
                  >
                    Delete
                  </button>
                </td>
              </tr>
            ))}
            {!loading && workflows.length === 0 && !error && (
              <tr>
                <td colSpan={4} className="fd-muted fd-table__empty">
                  No workflows yet. Name one above and press Create.
                </td>
              </tr>
            )}
          </tbody>
        </table>
        {loading && <p className="fd-muted fd-card__note">Loading…</p>}
        {!loading && next && (
          <p className="fd-card__note">
            <button type="button" className="fd-button fd-button--small" onClick={() => void loadPage(next)} data-testid="load-more">
              Show more ({count - workflows.length} left)
            </button>
          </p>
        )}
      </div>
    </div>
  );
}
