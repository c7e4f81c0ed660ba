// @vitest-environment jsdom
import { act, renderHook } from "@testing-library/react";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import type { RunEvent } from "./types";
import { runStreamUrl, useRunStream } from "./useRunStream";

class FakeSocket {
  static all: FakeSocket[] = [];
  onopen: (() => void) | null = null;
  onmessage: ((m: { data: string }) => void) | null = null;
  onclose: (() => void) | null = null;
  closed = false;
  constructor(readonly url: string) {
    FakeSocket.all.push(this);
  }
  open() {
    act(() => this.onopen?.());
  }
  send(event: Partial<RunEvent>) {
    act(() => this.onmessage?.({ data: JSON.stringify({ run_id: 7, type: "log", ...event }) }));
  }
  drop() {
    act(() => this.onclose?.());
  }
  close() {
    this.closed = true;
  }
}

beforeEach(() => {
  FakeSocket.all = [];
  vi.useFakeTimers();
  vi.stubGlobal("WebSocket", FakeSocket);
});

afterEach(() => {
  vi.useRealTimers();
  vi.unstubAllGlobals();
});

describe("runStreamUrl", () => {
  it("matches the page's scheme", () => {
    expect(runStreamUrl({ protocol: "http:", host: "h:8000" }, 7, 0)).toBe("ws://h:8000/ws/runs/7/?after=0");
    expect(runStreamUrl({ protocol: "https:", host: "h" }, 7, 12)).toBe("wss://h/ws/runs/7/?after=12");
  });
});

describe("useRunStream", () => {
  it("delivers each seq once and resumes after the last one after a drop", () => {
    const seen: number[] = [];
    const { result } = renderHook(() => useRunStream(7, (e) => seen.push(e.seq)));
    expect(FakeSocket.all).toHaveLength(1);
    expect(FakeSocket.all[0].url).toBe(`ws://${window.location.host}/ws/runs/7/?after=0`);

    const first = FakeSocket.all[0];
    first.open();
    expect(result.current).toBe("open");
    first.send({ seq: 1 });
    first.send({ seq: 2 });
    first.send({ seq: 2 });
    first.send({ seq: 1 });
    expect(seen).toEqual([1, 2]);

    first.drop();
    expect(result.current).toBe("reconnecting");
    act(() => vi.advanceTimersByTime(10_000));
    expect(FakeSocket.all).toHaveLength(2);
    const second = FakeSocket.all[1];
    expect(second.url).toMatch(/\/ws\/runs\/7\/\?after=2$/);

    second.open();
    second.send({ seq: 2 });
    second.send({ seq: 3 });
    expect(seen).toEqual([1, 2, 3]);
  });

  it("stops once the run has finished, and closes on unmount", () => {
    const seen: string[] = [];
    const { result, unmount } = renderHook(() => useRunStream(7, (e) => seen.push(e.status)));
    const socket = FakeSocket.all[0];
    socket.open();
    socket.send({ seq: 1, type: "run.status", status: "succeeded" });
    socket.drop();
    act(() => vi.advanceTimersByTime(60_000));
    expect(FakeSocket.all).toHaveLength(1);
    expect(result.current).toBe("done");
    expect(seen).toEqual(["succeeded"]);

    const other = renderHook(() => useRunStream(8, () => undefined));
    const live = FakeSocket.all[1];
    other.unmount();
    unmount();
    expect(live.closed).toBe(true);
  });

  it("opens nothing without a run", () => {
    renderHook(() => useRunStream(null, () => undefined));
    expect(FakeSocket.all).toHaveLength(0);
  });
});
