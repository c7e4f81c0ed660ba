"""How long until the editor's canvas is usable, for workflows of growing size.

The bar is n8n's editor: the canvas usable within about 1.5 s of opening a
workflow. The script starts its own server (see server.py), stores chains of
10, 100 and 500 nodes (`core.start`, then `core.noop`s laid out on a grid)
through the REST API, logs in, and opens `/workflows/<id>/` in headless
Chromium, each time in a fresh browser context (so an empty HTTP cache: what a
first visit costs).

Reading the output, all times are milliseconds from navigation start (the
page's `performance.now()`):
  usable   every node element `node-<id>` of the workflow is rendered and
           measured by React Flow (its wrapper no longer hidden) and every
           palette item is present; polled once per animation frame, so it
           is late by up to one frame (~16 ms)
  DCL      domContentLoadedEventEnd of the navigation
  api      responseEnd of the GET /api/workflows/<id>/ the editor makes
  JS KB    transferSize of the JavaScript resources (the bytes on the wire)
Median and max are over the repetitions. The numbers depend on the machine;
its CPU count is printed with them.
"""

import argparse
import os
import statistics
import sys
from pathlib import Path

from server import BenchServer, chain_spec, exit_on_sigterm

CHROMIUM = os.environ.get("FLOWDESK_CHROMIUM", "/usr/bin/chromium")
LAUNCH_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
VIEWPORT = {"width": 1400, "height": 900}
TARGET_MS = 1500

# Resolves to performance.now() once every node and palette item is there.
USABLE = """([nodeCount, paletteCount]) => {
  const nodes = document.querySelectorAll('[data-testid^="node-"][data-status]');
  if (nodes.length < nodeCount) return false;
  const items = document.querySelectorAll('[data-testid^="palette-item-"]');
  if (items.length < paletteCount) return false;
  for (const wrapper of document.querySelectorAll('.react-flow__node')) {
    if (wrapper.style.visibility === 'hidden') return false;
  }
  return performance.now();
}"""

METRICS = """(workflowPath) => {
  const nav = performance.getEntriesByType('navigation')[0];
  const resources = performance.getEntriesByType('resource');
  const scripts = resources.filter(
    (r) => r.initiatorType === 'script' || new URL(r.name).pathname.endsWith('.js'));
  const find = (path) => resources.find((r) => new URL(r.name).pathname === path);
  const api = find(workflowPath);
  const types = find('/api/node-types/');
  return {
    dcl: nav.domContentLoadedEventEnd,
    html: nav.responseEnd,
    jsEnd: Math.max(0, ...scripts.map((r) => r.responseEnd)),
    apiStart: api ? api.startTime : null,
    api: api ? api.responseEnd : null,
    types: types ? types.responseEnd : null,
    jsTransfer: scripts.reduce((sum, r) => sum + r.transferSize, 0),
    jsDecoded: scripts.reduce((sum, r) => sum + r.decodedBodySize, 0),
    jsCount: scripts.length,
  };
}"""


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
        epilog="Run it as `.venv/bin/python bench/canvas.py`.",
    )
    parser.add_argument(
        "-n",
        "--repetitions",
        type=int,
        default=5,
        help="page opens per workflow size (default: 5)",
    )
    parser.add_argument(
        "--sizes",
        type=lambda text: [int(part) for part in text.split(",")],
        default=[10, 100, 500],
        help="comma-separated node counts (default: 10,100,500)",
    )
    parser.add_argument(
        "--warm-cache",
        action="store_true",
        help="reuse one browser context per size, so the JS comes from the cache "
        "after the first open (default: a fresh context, empty cache, every time)",
    )
    parser.add_argument(
        "--timeout",
        type=float,
        default=60,
        help="seconds to wait for one page to become usable (default: 60)",
    )
    return parser.parse_args()


def main() -> int:
    args = parse_args()
    exit_on_sigterm()
    if not Path(CHROMIUM).exists():
        print(f"Chromium not found at {CHROMIUM} (set FLOWDESK_CHROMIUM)")
        return 2
    from playwright.sync_api import sync_playwright

    load_before = os.getloadavg()[0]
    with BenchServer() as server:
        api = server.client()
        palette_count = len(api.json("GET", "/api/node-types/"))
        workflows = {}
        for size in args.sizes:
            created = api.json(
                "POST",
                "/api/workflows/",
                {"name": f"Chain of {size}", "spec": chain_spec(size)},
            )
            workflows[size] = created["id"]
        api.close()
        cookies = [
            {"name": name, "value": value, "url": server.url}
            for name, value in server.session_cookies().items()
        ]

        with sync_playwright() as playwright:
            browser = playwright.chromium.launch(
                executable_path=CHROMIUM, headless=True, args=LAUNCH_ARGS
            )
            version = browser.version
            try:
                # One untimed open first: the server's first request of a view
                # and the browser's first page pay one-off start-up costs.
                measure(
                    browser,
                    server.url,
                    cookies,
                    workflows[args.sizes[0]],
                    args.sizes[0],
                    palette_count,
                    args.timeout,
                    None,
                )
                results = {
                    size: run_size(
                        browser,
                        server.url,
                        cookies,
                        workflows[size],
                        size,
                        palette_count,
                        args,
                    )
                    for size in args.sizes
                }
            finally:
                browser.close()

    report(results, palette_count, version, args, load_before)
    return 0


def run_size(browser, base_url, cookies, workflow_id, size, palette_count, args):
    shared = new_context(browser, base_url, cookies) if args.warm_cache else None
    try:
        return [
            measure(
                browser,
                base_url,
                cookies,
                workflow_id,
                size,
                palette_count,
                args.timeout,
                shared,
            )
            for _ in range(args.repetitions)
        ]
    finally:
        if shared is not None:
            shared.close()


def new_context(browser, base_url, cookies):
    context = browser.new_context(viewport=VIEWPORT, base_url=base_url)
    context.add_cookies(cookies)
    return context


def measure(
    browser,
    base_url,
    cookies,
    workflow_id,
    size,
    palette_count,
    timeout_s,
    shared_context,
):
    context = shared_context or new_context(browser, base_url, cookies)
    page = context.new_page()
    try:
        path = f"/workflows/{workflow_id}/"
        page.goto(path, wait_until="commit")
        usable = page.wait_for_function(
            USABLE,
            arg=[size, palette_count],
            polling="raf",
            timeout=timeout_s * 1000,
        ).json_value()
        metrics = page.evaluate(METRICS, f"/api/workflows/{workflow_id}/")
        metrics["usable"] = usable
        return metrics
    finally:
        page.close()
        if shared_context is None:
            context.close()


def median_of(runs, key) -> float:
    values = [r[key] for r in runs if r.get(key) is not None]
    return statistics.median(values) if values else float("nan")


def report(results, palette_count, browser_version, args, load_before) -> None:
    print(
        f"CPUs: {os.cpu_count()} (usable by this process: "
        f"{len(os.sched_getaffinity(0))}); load average before/after: "
        f"{load_before:.2f}/{os.getloadavg()[0]:.2f}"
    )
    print(
        f"Chromium {browser_version}, headless, viewport "
        f"{VIEWPORT['width']}x{VIEWPORT['height']}; "
        f"{'warm' if args.warm_cache else 'cold'} HTTP cache; "
        f"{args.repetitions} opens per size; palette items: {palette_count}"
    )
    print()
    header = (
        f"{'nodes':>6} {'usable median':>14} {'usable max':>11} "
        f"{'DCL median':>11} {'JS KB':>8} {'<= 1.5 s':>9}"
    )
    print(header)
    print("-" * len(header))
    for size, runs in results.items():
        usable = [r["usable"] for r in runs]
        within = sum(1 for u in usable if u <= TARGET_MS)
        print(
            f"{size:>6} {statistics.median(usable):>14.0f} {max(usable):>11.0f} "
            f"{median_of(runs, 'dcl'):>11.0f} "
            f"{median_of(runs, 'jsTransfer') / 1024:>8.1f} {within:>6}/{len(runs)}"
        )
    print()
    print("Where the time goes (medians, ms from navigation start):")
    header = (
        f"{'nodes':>6} {'HTML done':>10} {'JS done':>8} {'DCL':>6} "
        f"{'API sent':>9} {'API done':>9} {'types done':>11} {'usable':>7} "
        f"{'JS->usable':>11}"
    )
    print(header)
    print("-" * len(header))
    for size, runs in results.items():
        tail = statistics.median(r["usable"] - r["jsEnd"] for r in runs)
        print(
            f"{size:>6} {median_of(runs, 'html'):>10.0f} "
            f"{median_of(runs, 'jsEnd'):>8.0f} {median_of(runs, 'dcl'):>6.0f} "
            f"{median_of(runs, 'apiStart'):>9.0f} {median_of(runs, 'api'):>9.0f} "
            f"{median_of(runs, 'types'):>11.0f} {median_of(runs, 'usable'):>7.0f} "
            f"{tail:>11.0f}"
        )
    print()
    print(
        "JS KB: bytes of JavaScript on the wire (transferSize), median over the "
        "opens;\nAPI: GET /api/workflows/<id>/; types: GET /api/node-types/ (nan: "
        "not requested, the page carries both);\nJS->usable: from the scripts "
        "loaded to the canvas usable."
    )


if __name__ == "__main__":
    try:
        sys.exit(main())
    except KeyboardInterrupt:
        print("interrupted", file=sys.stderr)
        sys.exit(130)
