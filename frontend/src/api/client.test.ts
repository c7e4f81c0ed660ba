// @vitest-environment jsdom
import { afterEach, describe, expect, it, vi } from "vitest";
import { ApiError, api, readCookie } from "./client";

function respond(status: number, body?: unknown) {
  const fetchMock = vi.fn(async () => new Response(body === undefined ? null : JSON.stringify(body), { status }));
  vi.stubGlobal("fetch", fetchMock);
  return fetchMock;
}

afterEach(() => {
  vi.unstubAllGlobals();
  document.cookie = "csrftoken=; expires=Thu, 01 Jan 1970 00:00:00 GMT";
});

describe("api client", () => {
  it("sends the CSRF cookie back on unsafe methods only, with the session", async () => {
    document.cookie = "csrftoken=tok%2Ben";
    const fetchMock = respond(201, { id: 5, name: "x" });
    await api.createWorkflow({ name: "x" });
    let [url, init] = fetchMock.mock.calls[0] as unknown as [string, RequestInit];
    expect(url).toBe("/api/workflows/");
    expect(init.method).toBe("POST");
    expect(init.credentials).toBe("same-origin");
    expect(init.body).toBe('{"name":"x"}');
    expect((init.headers as Record<string, string>)["X-CSRFToken"]).toBe("tok+en");
    expect((init.headers as Record<string, string>)["Content-Type"]).toBe("application/json");

    const getMock = respond(200, []);
    await api.listNodeTypes();
    [url, init] = getMock.mock.calls[0] as unknown as [string, RequestInit];
    expect((init.headers as Record<string, string>)["X-CSRFToken"]).toBeUndefined();
  });

  it("throws ApiError with the status and JSON body", async () => {
    respond(409, { code: "version_conflict", message: "Version 4 is newer.", latest_version: 4 });
    const error = await api.updateWorkflow(1, { spec: { nodes: [], edges: [] }, base_version: 3 }).catch((e) => e);
    expect(error).toBeInstanceOf(ApiError);
    expect(error.status).toBe(409);
    expect(error.code).toBe("version_conflict");
    expect(error.body.latest_version).toBe(4);
    expect(error.message).toBe("Version 4 is newer.");
  });

  it("copes with empty and non-JSON answers", async () => {
    respond(204);
    await expect(api.deleteWorkflow(1)).resolves.toBeUndefined();
    vi.stubGlobal("fetch", vi.fn(async () => new Response("<h1>Bad gateway</h1>", { status: 502, statusText: "Bad Gateway" })));
    const error = await api.getWorkflow(1).catch((e) => e);
    expect(error).toBeInstanceOf(ApiError);
    expect(error.status).toBe(502);
    expect(error.code).toBe("http_error");
  });

  it("lists every workflow by following the pages", async () => {
    const page = (results: { id: number }[], next: string | null) => new Response(JSON.stringify({ count: 3, next, previous: null, results }));
    const fetchMock = vi.fn(async (url: string) =>
      url === "/api/workflows/" ? page([{ id: 1 }, { id: 2 }], "http://host/api/workflows/?page=2") : page([{ id: 3 }], null),
    );
    vi.stubGlobal("fetch", fetchMock);
    expect((await api.listAllWorkflows()).map((w) => w.id)).toEqual([1, 2, 3]);
    expect(fetchMock.mock.calls.map(([url]) => url)).toEqual(["/api/workflows/", "http://host/api/workflows/?page=2"]);
  });

  it("reads one cookie among several", () => {
    expect(readCookie("csrftoken", "a=1; csrftoken=abc; b=2")).toBe("abc");
    expect(readCookie("csrftoken", "xcsrftoken=abc")).toBeNull();
  });
});
