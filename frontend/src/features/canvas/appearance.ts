/** Colours and icons of the canvas, shared by the palette and the nodes. */

const CATEGORY_COLORS: Record<string, string> = {
  core: "#6366f1",
  logic: "#f59e0b",
  flow: "#f59e0b",
  data: "#10b981",
  http: "#0ea5e9",
  integrations: "#ec4899",
};

const FALLBACK_COLORS = ["#8b5cf6", "#14b8a6", "#f43f5e", "#84cc16", "#06b6d4", "#a855f7"];

export function categoryColor(category: string | undefined): string {
  if (!category) return "#94a3b8";
  const known = CATEGORY_COLORS[category.toLowerCase()];
  if (known) return known;
  let hash = 0;
  for (const ch of category) hash = (hash * 31 + ch.charCodeAt(0)) | 0;
  return FALLBACK_COLORS[Math.abs(hash) % FALLBACK_COLORS.length];
}

export const STATUS_ICONS: Record<string, string> = {
  pending: "◷",
  retrying: "↻",
  waiting: "⏸",
  succeeded: "✓",
  failed: "✕",
  skipped: "–",
  upstream_failed: "!",
  cancelled: "⊘",
};

export const STATUS_LABELS: Record<string, string> = {
  idle: "Not run",
  pending: "Pending",
  running: "Running",
  retrying: "Retrying",
  waiting: "Waiting for a review",
  succeeded: "Succeeded",
  failed: "Failed",
  skipped: "Skipped",
  upstream_failed: "Upstream failed",
  cancelled: "Cancelled",
};
