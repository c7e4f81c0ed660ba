import { useState } from "react";
import { api, errorMessage } from "../../api/client";
import type { ReviewDecision } from "../../api/types";

/** What a waiting human.review node asks, with Approve and Reject; the node's
 * new status arrives on the run's stream once the engine has seen the decision. */
export default function ReviewControls({ runId, nodeId, message }: { runId: number; nodeId: string; message: string }) {
  const [comment, setComment] = useState("");
  const [sending, setSending] = useState(false);
  const [error, setError] = useState<string | null>(null);

  async function decide(decision: ReviewDecision) {
    setSending(true);
    setError(null);
    try {
      await api.reviewNode(runId, nodeId, decision, comment);
    } catch (failure) {
      setError(errorMessage(failure));
      setSending(false);
    }
  }

  return (
    <div className="fd-review" data-testid={`review-${nodeId}`}>
      {message && <div className="fd-review__message">{message}</div>}
      <input
        className="fd-input fd-review__comment"
        placeholder="Comment (optional)"
        value={comment}
        onChange={(event) => setComment(event.target.value)}
        disabled={sending}
        aria-label="Review comment"
        data-testid={`review-comment-${nodeId}`}
      />
      <button
        type="button"
        className="fd-button fd-button--small fd-button--primary"
        onClick={() => void decide("approve")}
        disabled={sending}
        data-testid={`approve-${nodeId}`}
      >
        Approve
      </button>
      <button
        type="button"
        className="fd-button fd-button--small"
        onClick={() => void decide("reject")}
        disabled={sending}
        data-testid={`reject-${nodeId}`}
      >
        Reject
      </button>
      {error && (
        <div className="fd-review__error" role="alert">
          {error}
        </div>
      )}
    </div>
  );
}
