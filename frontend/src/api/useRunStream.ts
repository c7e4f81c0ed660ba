/** The one websocket hook: streams a run's events, resuming after a drop. */
import { useEffect, useRef, useState } from "react";
import type { RunEvent } from "./types";

export type StreamState = "idle" | "connecting" | "open" | "reconnecting" | "done" | "failed";

const FINISHED_RUN_STATUSES = new Set(["succeeded", "failed", "cancelled"]);
const MAX_DELAY_MS = 10_000;
/** Give up after this many attempts in a row that never opened (e.g. access refused). */
const MAX_FAILED_OPENS = 6;

export function runStreamUrl(
  location: Pick<Location, "protocol" | "host">,
  runId: number,
  afterSeq: number,
): string {
  const scheme = location.protocol === "https:" ? "wss:" : "ws:";
  return `${scheme}//${location.host}/ws/runs/${runId}/?after=${afterSeq}`;
}

export function reconnectDelay(attempt: number): number {
  return Math.min(500 * 2 ** attempt, MAX_DELAY_MS);
}

/**
 * Delivers every event of run `runId` once and in order to `onEvent`.
 *
 * After a drop it reconnects with `?after=<last seq seen>`, so the server
 * replays only what was missed; events with a seq already seen are ignored.
 * It stops reconnecting once the run has finished.
 */
export function useRunStream(
  runId: number | null,
  onEvent: (event: RunEvent) => void,
): StreamState {
  const onEventRef = useRef(onEvent);
  const [state, setState] = useState<StreamState>("idle");

  useEffect(() => {
    onEventRef.current = onEvent;
  }, [onEvent]);

  useEffect(() => {
    if (runId === null) {
      setState("idle");
      return;
    }
    let lastSeq = 0;
    let socket: WebSocket | null = null;
    let timer: ReturnType<typeof setTimeout> | undefined;
    let stopped = false;
    let finished = false;
    let attempt = 0;
    let failedOpens = 0;

    const connect = () => {
      let opened = false;
      const ws = new WebSocket(runStreamUrl(window.location, runId, lastSeq));
      socket = ws;
      setState(attempt === 0 ? "connecting" : "reconnecting");
      ws.onopen = () => {
        opened = true;
        attempt = 0;
        failedOpens = 0;
        setState("open");
      };
      ws.onmessage = (message: MessageEvent) => {
        let event: RunEvent;
        try {
          event = JSON.parse(String(message.data)) as RunEvent;
        } catch {
          return;
        }
        if (typeof event.seq !== "number" || event.seq <= lastSeq) return;
        lastSeq = event.seq;
        if (event.type === "run.status" && FINISHED_RUN_STATUSES.has(event.status)) {
          finished = true;
        }
        onEventRef.current(event);
      };
      ws.onclose = () => {
        if (socket === ws) socket = null;
        if (stopped) return;
        if (finished) {
          setState("done");
          return;
        }
        if (!opened) failedOpens += 1;
        if (failedOpens >= MAX_FAILED_OPENS) {
          setState("failed");
          return;
        }
        setState("reconnecting");
        timer = setTimeout(connect, reconnectDelay(attempt));
        attempt += 1;
      };
    };

    connect();
    return () => {
      stopped = true;
      clearTimeout(timer);
      if (socket) {
        socket.onclose = null;
        socket.onmessage = null;
        socket.close();
      }
    };
  }, [runId]);

  return state;
}
