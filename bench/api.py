"""Latency of the REST API as served by the embedded server (`manage.py serve`).

The script starts its own server (see server.py: fresh SQLite database, no
Redis), stores 50 workflows, then times sequential requests over one
keep-alive connection with token authentication, endpoint by endpoint:

  list      GET  /api/workflows/            (50 workflows stored, one page)
  detail    GET  /api/workflows/<id>/       (a 100-node workflow)
  save      PATCH /api/workflows/<id>/      (a new version of that workflow,
                                             with the right base_version)
  validate  POST /api/workflows/validate/   (a 100-node spec)
  run       POST /api/workflows/<id>/runs/  (a 3-node workflow; the runs
                                             execute in the same process
                                             while the next requests arrive)

Each endpoint gets a number of untimed warm-up requests, then the timed ones.
Reading the output: p50/p95/p99/max are per-request latencies in ms, from
sending the request to reading the last byte of the answer; req/s is the timed
requests divided by the wall time they took (one client, one request at a time,
so it is about 1000 / mean latency, not the server's capacity under load).
After the run requests, the script also reports how long the executor took
to finish all the runs it was handed.
"""

import argparse
import json
import os
import statistics
import sys
import time

from server import BenchServer, chain_spec, exit_on_sigterm

STORED_WORKFLOWS = 50
FINISHED = {"succeeded", "failed", "cancelled"}


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
        epilog="Run it as `.venv/bin/python bench/api.py`.",
    )
    parser.add_argument(
        "-n",
        "--requests",
        type=int,
        default=200,
        help="timed requests per endpoint (default: 200)",
    )
    parser.add_argument(
        "--warmup",
        type=int,
        default=20,
        help="untimed requests per endpoint before the timed ones (default: 20)",
    )
    parser.add_argument(
        "--filler-nodes",
        type=int,
        default=1,
        help="nodes in each of the other 48 stored workflows (default: 1, the "
        "spec a new workflow starts with)",
    )
    parser.add_argument(
        "--only",
        help="comma-separated endpoints to time (list,detail,save,validate,run)",
    )
    return parser.parse_args()


def timed(client, method, path, body_for, warmup, count, expect, after=None):
    """Latencies in ms of `count` requests after `warmup` untimed ones."""
    latencies = []
    size = 0
    started = time.perf_counter()
    for i in range(warmup + count):
        payload = body_for(i) if body_for else None
        body = None if payload is None else json.dumps(payload).encode()
        if i == warmup:
            started = time.perf_counter()
        t0 = time.perf_counter()
        status, data = client.raw(method, path, body)
        elapsed = time.perf_counter() - t0
        if status != expect:
            raise SystemExit(f"{method} {path}: HTTP {status}: {data[:300]!r}")
        if after:
            after(data)
        if i >= warmup:
            latencies.append(elapsed * 1000)
            size = len(data)
    wall = time.perf_counter() - started
    return latencies, wall, size


def percentile(sorted_values, q):
    # Nearest rank: the smallest value with at least q% of the values <= it.
    rank = max(1, -(-len(sorted_values) * q // 100))
    return sorted_values[int(rank) - 1]


def main() -> int:
    args = parse_args()
    exit_on_sigterm()
    only = set(args.only.split(",")) if args.only else None
    load_before = os.getloadavg()[0]
    results = []
    with BenchServer() as server:
        client = server.client()
        big = client.json(
            "POST", "/api/workflows/", {"name": "Chain of 100", "spec": chain_spec(100)}
        )
        small = client.json(
            "POST", "/api/workflows/", {"name": "Chain of 3", "spec": chain_spec(3)}
        )
        filler = chain_spec(args.filler_nodes) if args.filler_nodes > 1 else None
        for i in range(STORED_WORKFLOWS - 2):
            payload = {"name": f"Workflow {i}", "description": "for the benchmark"}
            if filler:
                payload["spec"] = filler
            client.json("POST", "/api/workflows/", payload)
        listed = client.json("GET", "/api/workflows/")
        if listed["count"] != STORED_WORKFLOWS:
            raise SystemExit(
                f"expected {STORED_WORKFLOWS} workflows: {listed['count']}"
            )

        spec_100 = chain_spec(100)
        version = {"number": big["version"]}

        def next_version(i):
            spec = chain_spec(100)
            spec["nodes"][-1]["position"]["x"] += 20 * (i + 1)  # a real edit
            return {"spec": spec, "base_version": version["number"]}

        def saved(data):
            version["number"] = json.loads(data)["version"]

        cases = [
            ("list", "GET", "/api/workflows/", None, 200, None),
            ("detail", "GET", f"/api/workflows/{big['id']}/", None, 200, None),
            ("save", "PATCH", f"/api/workflows/{big['id']}/", next_version, 200, saved),
            (
                "validate",
                "POST",
                "/api/workflows/validate/",
                lambda i: {"spec": spec_100},
                200,
                None,
            ),
            (
                "run",
                "POST",
                f"/api/workflows/{small['id']}/runs/",
                lambda i: {},
                201,
                None,
            ),
        ]
        for name, method, path, body_for, expect, after in cases:
            if only and name not in only:
                continue
            latencies, wall, size = timed(
                client,
                method,
                path,
                body_for,
                args.warmup,
                args.requests,
                expect,
                after,
            )
            results.append((name, method, path, latencies, wall, size))

        drain = None
        if not only or "run" in only:
            drain = wait_for_runs(client, small["id"], args.warmup + args.requests)
        client.close()

    report(results, drain, args, load_before)
    return 0


def wait_for_runs(client, workflow_id, expected, timeout_s=300):
    """Seconds until every run of the workflow has finished, and their outcomes."""
    started = time.perf_counter()
    while True:
        counts = {
            status: client.json(
                "GET", f"/api/runs/?workflow={workflow_id}&status={status}"
            )["count"]
            for status in ("pending", "running", "succeeded", "failed", "cancelled")
        }
        elapsed = time.perf_counter() - started
        # Finished is final: once nothing is pending or running and all are
        # counted, the counts are consistent (one status at a time may race).
        settled = counts["pending"] == counts["running"] == 0
        if settled and sum(counts[s] for s in FINISHED) >= expected:
            return elapsed, counts, expected
        if elapsed > timeout_s:
            return elapsed, counts, expected
        time.sleep(0.2)


def report(results, drain, args, load_before):
    print(
        f"CPUs: {os.cpu_count()} (usable by this process: "
        f"{len(os.sched_getaffinity(0))}); load average before/after: "
        f"{load_before:.2f}/{os.getloadavg()[0]:.2f}"
    )
    print(
        f"{args.requests} timed requests per endpoint after {args.warmup} warm-up, "
        "sequential, one keep-alive connection, token auth"
    )
    print()
    header = (
        f"{'endpoint':<38} {'p50 ms':>7} {'p95 ms':>7} {'p99 ms':>7} "
        f"{'max ms':>7} {'req/s':>7} {'resp KB':>8}"
    )
    print(header)
    print("-" * len(header))
    for name, method, path, latencies, wall, size in results:
        ordered = sorted(latencies)
        label = f"{name:<8} {method} {path}"
        print(
            f"{label:<38} {percentile(ordered, 50):>7.1f} "
            f"{percentile(ordered, 95):>7.1f} {percentile(ordered, 99):>7.1f} "
            f"{ordered[-1]:>7.1f} {len(latencies) / wall:>7.1f} {size / 1024:>8.1f}"
        )
    if results:
        means = ", ".join(
            f"{name} {statistics.fmean(lat):.1f}" for name, _, _, lat, _, _ in results
        )
        print()
        print(f"mean ms: {means}")
    if drain:
        elapsed, counts, expected = drain
        done = sum(counts[s] for s in FINISHED)
        outcome = ", ".join(f"{k} {v}" for k, v in counts.items() if v)
        print(
            f"runs: {done} of the {expected} started were finished "
            f"{elapsed:.1f} s after the last POST ({outcome})"
        )


if __name__ == "__main__":
    try:
        sys.exit(main())
    except KeyboardInterrupt:
        print("interrupted", file=sys.stderr)
        sys.exit(130)
