"""How fast the engine drives a run, in both modes, next to its floors.

What is measured
----------------
Two graph shapes of `core.noop` nodes after the `core.start` node:

* chain:   start -> n1 -> n2 -> ... -> nN           (`--nodes`, default 1000)
* fan-out: start -> a -> W parallel nodes -> z      (`--width`, default 500),
           with the spec's `settings.max_parallel` at 256, the most the
           format allows.

Each shape runs three ways, in the same process and the same invocation:

1. floor "asyncio, in memory": a plain topological loop, one asyncio task per
   ready node (at most `max_parallel` at once), each node's body an
   `await asyncio.sleep(0)`; no I/O at all. What Python and asyncio cost.
2. floor "asyncio + SQLite": the same loop, plus per node one INSERT when it
   starts and one UPDATE when it finishes, each committed on its own (the
   sqlite3 module, WAL, synchronous=NORMAL, a temporary file). What the
   minimum durable bookkeeping costs.
3. Flowdesk: the embedded executor exactly as in production without Redis:
   a temporary SQLite database in WAL mode, the in-memory channel layer,
   `run_start` (creates the run and its node rows, hands it to the
   executor on commit) and `get_executor().join(...)` to wait until the
   executor's own loop thread has finished it. Every transition is stored
   and each stored event goes to the channel layer (no client subscribes,
   so the group is empty, as for a run nobody watches).

`--mode distributed` measures the distributed mode instead: a fresh
PostgreSQL database (created next to `BENCH_POSTGRES_URL`, dropped at the
end), the channel layer and the broker on `REDIS_URL`, `--workers` real
`celery -A editor worker` processes (`--concurrency` pool processes each,
`--pool`) on a queue of their own, and this process's executor with
`FLOWDESK_EXECUTOR=celery`: every `core.noop` attempt is a Celery task. It
adds a third floor, "Celery round trips": the same topological loop sending
each node as one attempt through the Celery dispatcher, with no planning,
database or events; what Celery itself costs. The default `--mode both`
runs the embedded mode, then the distributed one, each in its own process.

How to read the output
----------------------
`nodes` counts every node that executes, the start node included (a
1000-node chain is 1001 nodes). `total s` is the wall-clock time of one run
(the median over `--repeat` runs); `nodes/s` is nodes / total; `ms/node` is
total / nodes: with node bodies that do nothing it is the engine's overhead
per node. `+ms/node` is that minus the in-memory floor's. For Flowdesk it
also shows how much of the total `run_start` took, the time from the run's
stored `started_at` to `finished_at`, the run's final status (anything but
`succeeded` is printed as an ERROR and the script exits 1) and how many
events the run stored. A warm-up run goes first and is not counted. The
script asserts nothing about time: it prints numbers.

`--profile` instead runs the chain once under a profiler that sees every
thread (yappi, if installed; otherwise cProfile, which on Python 3.12+ also
sees every thread, but with approximate cumulative times) and prints the 25
functions with the most cumulative time and the 25 with the most own time,
overall and in Flowdesk's own code, plus the time per thread. Profiling
slows the run several-fold; compare the entries with each other, not with
the timings above.

Run it with the project's virtualenv from the repository root:

    python bench/engine.py --repeat 3
    python bench/engine.py --mode distributed --workers 1 --pool prefork
    python bench/engine.py --profile
"""

import argparse
import asyncio
import os
import sqlite3
import statistics
import subprocess
import sys
import sysconfig
import tempfile
import threading
import time
from collections import deque
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
MAX_PARALLEL_LIMIT = 256  # the most `settings.max_parallel` accepts
DEFAULT_TIMEOUT_S = 600
# The distributed mode's services; the script creates and drops its own database.
POSTGRES_URL = os.environ.get(
    "BENCH_POSTGRES_URL", "postgres://postgres@127.0.0.1:5432/postgres"
)
REDIS_URL = os.environ.get("REDIS_URL", "redis://127.0.0.1:6379/0")
OWN_CODE_PREFIXES = ("workflows/", "editor/")


# The graph shapes, shared by the floors and the Flowdesk spec.


@dataclass(frozen=True)
class Shape:
    name: str
    description: str
    nodes: tuple[str, ...]  # "start" first
    edges: tuple[tuple[str, str], ...]
    max_parallel: int


def chain_shape(length: int) -> Shape:
    nodes = ("start", *(f"n{i}" for i in range(1, length + 1)))
    return Shape(
        name="chain",
        description=f"start -> n1 -> ... -> n{length}",
        nodes=nodes,
        edges=tuple(zip(nodes, nodes[1:], strict=False)),
        max_parallel=MAX_PARALLEL_LIMIT,
    )


def fan_shape(width: int) -> Shape:
    middle = tuple(f"p{i}" for i in range(1, width + 1))
    return Shape(
        name="fan-out/fan-in",
        description=f"start -> a -> {width} parallel -> z",
        nodes=("start", "a", *middle, "z"),
        edges=(
            ("start", "a"),
            *(("a", node) for node in middle),
            *((node, "z") for node in middle),
        ),
        max_parallel=MAX_PARALLEL_LIMIT,
    )


def spec_for(shape: Shape) -> dict:
    return {
        "format": 1,
        "settings": {"max_parallel": shape.max_parallel},
        "nodes": [
            {
                "id": node,
                "type": "core.start" if node == "start" else "core.noop",
                "position": {"x": 200 * index, "y": 0},
            }
            for index, node in enumerate(shape.nodes)
        ],
        "edges": [{"source": s, "target": t} for s, t in shape.edges],
    }


# The floors: a plain topological loop.


async def topological_run(
    shape: Shape,
    body: Callable[[str], Awaitable[None]],
    on_start: Callable[[str], None] = lambda node: None,
    on_finish: Callable[[str], None] = lambda node: None,
) -> int:
    """Run every node once its predecessors are done; the number of nodes run."""
    downstream: dict[str, list[str]] = {node: [] for node in shape.nodes}
    waiting_for = dict.fromkeys(shape.nodes, 0)
    for source, target in shape.edges:
        downstream[source].append(target)
        waiting_for[target] += 1
    ready = deque(node for node, count in waiting_for.items() if count == 0)
    running: dict[asyncio.Task, str] = {}
    finished = 0
    while ready or running:
        while ready and len(running) < shape.max_parallel:
            node = ready.popleft()
            on_start(node)
            running[asyncio.create_task(body(node))] = node
        done, _ = await asyncio.wait(running, return_when=asyncio.FIRST_COMPLETED)
        for task in done:
            node = running.pop(task)
            task.result()
            on_finish(node)
            finished += 1
            for target in downstream[node]:
                waiting_for[target] -= 1
                if waiting_for[target] == 0:
                    ready.append(target)
    return finished


async def noop_body(node: str) -> None:
    await asyncio.sleep(0)


def floor_in_memory(shape: Shape) -> float:
    async def timed() -> float:
        began = time.perf_counter()
        count = await topological_run(shape, noop_body)
        elapsed = time.perf_counter() - began
        assert count == len(shape.nodes), "the floor did not run every node"
        return elapsed

    return asyncio.run(timed())


class SqliteFloor:
    """Per node one INSERT at start and one UPDATE at finish, each committed."""

    def __init__(self, folder: Path):
        self.connection = sqlite3.connect(folder / "floor.sqlite3")
        self.connection.execute("PRAGMA journal_mode=WAL")
        self.connection.execute("PRAGMA synchronous=NORMAL")
        self.connection.execute(
            "CREATE TABLE node_run (id INTEGER PRIMARY KEY, run_id INTEGER NOT NULL,"
            " node_id TEXT NOT NULL, status TEXT NOT NULL, started_at REAL,"
            " finished_at REAL, UNIQUE (run_id, node_id))"
        )
        self.connection.commit()
        self.run_id = 0

    def measure(self, shape: Shape) -> float:
        self.run_id += 1
        run_id, db = self.run_id, self.connection

        def on_start(node: str) -> None:
            db.execute(
                "INSERT INTO node_run (run_id, node_id, status, started_at)"
                " VALUES (?, ?, 'running', ?)",
                (run_id, node, time.time()),
            )
            db.commit()

        def on_finish(node: str) -> None:
            db.execute(
                "UPDATE node_run SET status = 'succeeded', finished_at = ?"
                " WHERE run_id = ? AND node_id = ?",
                (time.time(), run_id, node),
            )
            db.commit()

        async def timed() -> float:
            began = time.perf_counter()
            count = await topological_run(shape, noop_body, on_start, on_finish)
            elapsed = time.perf_counter() - began
            assert count == len(shape.nodes), "the floor did not run every node"
            return elapsed

        return asyncio.run(timed())

    def close(self) -> None:
        self.connection.close()


# Flowdesk, embedded or distributed.


def setup_django(folder: Path) -> None:
    """Point Flowdesk at a fresh SQLite file and the in-memory channel layer."""
    os.environ["DATABASE_URL"] = f"sqlite:///{folder / 'flowdesk.sqlite3'}"
    os.environ.pop("REDIS_URL", None)
    os.environ["FLOWDESK_EXECUTOR"] = "local"
    start_django()


def start_django() -> None:
    os.environ["DJANGO_SETTINGS_MODULE"] = "editor.settings"
    os.environ.setdefault("SECRET_KEY", "bench-engine-not-secret")
    if str(ROOT) not in sys.path:
        sys.path.insert(0, str(ROOT))
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)


@dataclass
class FlowdeskResult:
    total_s: float
    run_start_s: float
    stored_s: float
    status: str
    error: str
    events: int
    run_id: int


class Distributed:
    """A fresh PostgreSQL database, Redis, and real Celery worker processes on
    a queue of their own; the executor of this process dispatches to them."""

    def __init__(self, workers: int, concurrency: int, pool: str):
        import psycopg

        self.workers, self.concurrency, self.pool = workers, concurrency, pool
        self.queue = f"bench-{os.getpid()}"
        self.database = f"flowdesk_bench_{os.getpid()}"
        self._admin = psycopg.connect(POSTGRES_URL, autocommit=True)
        self._admin.execute(f'CREATE DATABASE "{self.database}"')
        base = POSTGRES_URL.rsplit("/", 1)[0]
        os.environ["DATABASE_URL"] = f"{base}/{self.database}"
        os.environ["REDIS_URL"] = REDIS_URL
        os.environ["FLOWDESK_EXECUTOR"] = "celery"
        start_django()
        from django.conf import settings

        settings.CELERY_TASK_DEFAULT_QUEUE = self.queue
        self.processes = [self._start_worker(i) for i in range(workers)]

    def _start_worker(self, index: int) -> "subprocess.Popen":
        from tests.processes import start_worker, worker_name

        return start_worker(
            self.queue,
            concurrency=self.concurrency,
            pool=self.pool,
            name=worker_name(f"{self.queue}-{index}"),
        )

    def floor(self, shape: Shape) -> float:
        """The same topological loop, each node one attempt of `core.noop` sent
        through the Celery dispatcher to the workers: Celery's round trip,
        without the executor's planning, database or events."""
        from workflows.engine.dispatch import CeleryDispatcher
        from workflows.nodes.registry import resolve

        noop = resolve("core.noop")

        async def timed() -> float:
            dispatcher = CeleryDispatcher(f"bench-floor-{os.getpid()}")

            async def body(node: str) -> None:
                result = await dispatcher.run_attempt(
                    run_id=0,
                    attempt=1,
                    node={"id": node, "type": "core.noop"},
                    node_type=noop,
                    names={"inputs": {}, "vars": {}, "nodes": {}, "run": {}},
                    declared_variables={},
                    log=lambda level, message: None,
                )
                assert result.status == "succeeded", result.error

            began = time.perf_counter()
            count = await topological_run(shape, body)
            elapsed = time.perf_counter() - began
            await dispatcher.close()
            assert count == len(shape.nodes), "the floor did not run every node"
            return elapsed

        return asyncio.run(timed())

    def describe(self) -> str:
        import celery
        from django.db import connection

        return (
            f"PostgreSQL {connection.cursor().connection.info.server_version}, "
            f"Celery {celery.__version__} on Redis; {self.workers} worker(s) "
            f"x {self.concurrency} ({self.pool} pool), queue {self.queue}"
        )

    def close(self) -> None:
        from tests.processes import stop

        for process in self.processes:
            stop(process)
        self._admin.execute(f'DROP DATABASE "{self.database}" WITH (FORCE)')
        self._admin.close()


class Flowdesk:
    def __init__(self, timeout_s: float):
        from django.contrib.auth import get_user_model
        from django.db import connection

        from workflows.engine.executor import get_executor

        self.timeout_s = timeout_s
        self.executor = get_executor()
        self.user = get_user_model().objects.create_user("bench")
        self.workflows = {}
        self.journal_mode = None
        if connection.vendor == "sqlite":
            # Make sure WAL is what the timed runs use, not an assumption.
            with connection.cursor() as cursor:
                cursor.execute("PRAGMA journal_mode")
                self.journal_mode = cursor.fetchone()[0]

    def workflow(self, shape: Shape):
        from workflows.services.workflows import workflow_create

        if shape not in self.workflows:
            spec, name = spec_for(shape), f"bench {shape.name}"
            try:
                created = workflow_create(owner=self.user, name=name, spec=spec)
            except RecursionError:
                # The spec check walks the graph recursively, one frame per
                # node on a path, so a long chain outgrows the default limit.
                # Report it and measure the engine anyway with a higher one.
                limit = sys.getrecursionlimit()
                sys.setrecursionlimit(max(limit, 4 * len(shape.nodes) + 1000))
                print(
                    f"NOTE: saving the {shape.name} ({len(shape.nodes)} nodes) "
                    f"failed with RecursionError at Python's recursion limit of "
                    f"{limit} (the spec's cycle check recurses once per node of "
                    f"a path); measured with the limit raised to "
                    f"{sys.getrecursionlimit()}."
                )
                created = workflow_create(owner=self.user, name=name, spec=spec)
            self.workflows[shape] = created
        return self.workflows[shape]

    def measure(self, shape: Shape) -> FlowdeskResult:
        from workflows.models import Run
        from workflows.services.runs import run_start

        workflow = self.workflow(shape)
        began = time.perf_counter()
        run = run_start(workflow=workflow, inputs={}, user=self.user)
        started = time.perf_counter()
        try:
            self.executor.join(run.pk, timeout=self.timeout_s)
        except TimeoutError:
            print(
                f"ERROR: run {run.pk} ({shape.name}) did not finish within "
                f"{self.timeout_s:g} s",
                file=sys.stderr,
            )
        ended = time.perf_counter()
        run = Run.objects.get(pk=run.pk)
        stored = (
            (run.finished_at - run.started_at).total_seconds()
            if run.started_at and run.finished_at
            else float("nan")
        )
        return FlowdeskResult(
            total_s=ended - began,
            run_start_s=started - began,
            stored_s=stored,
            status=run.status,
            error=run.error,
            events=run.events.count(),
            run_id=run.pk,
        )

    def close(self) -> None:
        from django.db import connections

        future = asyncio.run_coroutine_threadsafe(
            self.executor.close(), self.executor.loop
        )
        future.result(30)
        connections.close_all()


# Reporting.


def machine_line() -> str:
    """CPUs and load: the numbers are only comparable on a quiet machine."""
    try:
        load = ", ".join(f"{value:.2f}" for value in os.getloadavg())
    except OSError:
        load = "unknown"
    return f"{os.cpu_count()} CPUs, load average {load} at the start"


def report_row(label: str, seconds: float, nodes: int, floor_s: float | None) -> str:
    per_node_ms = seconds / nodes * 1000
    extra = (
        f"{(seconds - floor_s) / nodes * 1000:>11.3f}" if floor_s is not None else ""
    )
    return (
        f"  {label:<34}{seconds:>10.4f}{nodes / seconds:>12,.0f}"
        f"{per_node_ms:>10.3f}{extra}"
    )


def check_status(result: FlowdeskResult, shape: Shape) -> bool:
    if result.status == "succeeded":
        return True
    print(
        f"\n!!! ERROR: Flowdesk run {result.run_id} ({shape.name}) ended "
        f"{result.status!r}, not 'succeeded': {result.error or '(no error text)'}\n",
        file=sys.stderr,
    )
    return False


def benchmark(shapes: list[Shape], repeat: int, timeout_s: float, args) -> int:
    ok = True
    distributed = None
    with tempfile.TemporaryDirectory(prefix="flowdesk-bench-") as raw:
        folder = Path(raw)
        if args.mode == "distributed":
            distributed = Distributed(args.workers, args.concurrency, args.pool)
            label = "Flowdesk distributed (Celery)"
            setting = distributed.describe()
        else:
            setup_django(folder)
            label = "Flowdesk embedded executor"
        flowdesk = Flowdesk(timeout_s)
        if distributed is None:
            setting = f"SQLite journal_mode={flowdesk.journal_mode}"
        sqlite_floor = SqliteFloor(folder)
        try:
            warm = flowdesk.measure(chain_shape(3))
            ok &= check_status(warm, chain_shape(3))
            print(f"== {label} ==")
            print(
                f"Python {sys.version.split()[0]}, SQLite {sqlite3.sqlite_version}; "
                f"Flowdesk: {setting}; "
                f"median of {repeat} run(s) each, after one warm-up run"
            )
            print(machine_line())
            for shape in shapes:
                nodes = len(shape.nodes)
                memory = [floor_in_memory(shape) for _ in range(repeat)]
                durable = [sqlite_floor.measure(shape) for _ in range(repeat)]
                celery = (
                    [distributed.floor(shape) for _ in range(repeat)]
                    if (distributed)
                    else []
                )
                runs = [flowdesk.measure(shape) for _ in range(repeat)]
                for result in runs:
                    ok &= check_status(result, shape)
                floor_s = statistics.median(memory)
                total = statistics.median(r.total_s for r in runs)
                print()
                print(
                    f"{shape.name}: {shape.description} ({nodes} nodes, "
                    f"{len(shape.edges)} edges, max_parallel {shape.max_parallel})"
                )
                print(
                    f"  {'':<34}{'total s':>10}{'nodes/s':>12}{'ms/node':>10}"
                    f"{'+ms/node':>11}"
                )
                print(report_row("floor: asyncio, in memory", floor_s, nodes, None))
                print(
                    report_row(
                        "floor: asyncio + SQLite commits",
                        statistics.median(durable),
                        nodes,
                        floor_s,
                    )
                )
                if celery:
                    print(
                        report_row(
                            "floor: Celery round trips",
                            statistics.median(celery),
                            nodes,
                            floor_s,
                        )
                    )
                print(report_row(label, total, nodes, floor_s))
                print(
                    f"    run_start (run + node rows)   "
                    f"{statistics.median(r.run_start_s for r in runs):>10.4f} s"
                )
                print(
                    f"    stored started_at..finished_at"
                    f"{statistics.median(r.stored_s for r in runs):>10.4f} s"
                )
                print(
                    "    each run (total s): "
                    + ", ".join(f"{r.total_s:.3f}" for r in runs)
                )
                statuses = sorted({r.status for r in runs})
                print(
                    f"    status: {', '.join(statuses)}; events stored per run: "
                    f"{runs[-1].events} ({runs[-1].events / nodes:.1f} per node)"
                )
        finally:
            sqlite_floor.close()
            flowdesk.close()
            if distributed is not None:
                distributed.close()
    return 0 if ok else 1


# Profiling.


def _short_path(path: str) -> str:
    """A file name relative to the repository, site-packages or the stdlib."""
    prefixes = [
        (sysconfig.get_paths()["purelib"] + os.sep, ""),
        (sysconfig.get_paths()["stdlib"] + os.sep, "<stdlib>/"),
        (str(ROOT) + os.sep, ""),
    ]
    for prefix, replacement in prefixes:
        if path.startswith(prefix):
            return replacement + path[len(prefix) :]
    return path


def profile(shape: Shape, timeout_s: float, top: int, clock: str) -> int:
    try:
        import yappi
    except ImportError:
        yappi = None
        print(
            "yappi is not installed (pip install yappi): falling back to "
            "cProfile, whose per-thread attribution is approximate.\n"
        )
    ok = True
    with tempfile.TemporaryDirectory(prefix="flowdesk-bench-") as raw:
        setup_django(Path(raw))
        flowdesk = Flowdesk(timeout_s)
        try:
            ok &= check_status(flowdesk.measure(chain_shape(3)), chain_shape(3))
            flowdesk.workflow(shape)  # created outside the profile
            if yappi is not None:
                result = _profile_yappi(yappi, flowdesk, shape, top, clock)
            else:
                result = _profile_cprofile(flowdesk, shape, top)
            ok &= check_status(result, shape)
        finally:
            flowdesk.close()
    return 0 if ok else 1


def _profile_header(result: FlowdeskResult, shape: Shape, how: str) -> None:
    print(
        f"{shape.name}: {shape.description} ({len(shape.nodes)} nodes), "
        f"profiled with {how}; {machine_line()}"
    )
    print(
        f"  total {result.total_s:.3f} s under the profiler "
        f"(run_start {result.run_start_s:.3f} s, stored started..finished "
        f"{result.stored_s:.3f} s), status {result.status}, "
        f"{result.events} events"
    )


def _profile_yappi(yappi, flowdesk: Flowdesk, shape: Shape, top: int, clock: str):
    yappi.clear_stats()
    yappi.set_clock_type(clock)
    yappi.start(builtins=True, profile_threads=True)
    try:
        result = flowdesk.measure(shape)
    finally:
        yappi.stop()
    _profile_header(result, shape, f"yappi, all threads, {clock} clock")
    names = {thread.ident: thread.name for thread in threading.enumerate()}
    print(f"\nTime per thread ({clock} clock):")
    threads = sorted(yappi.get_thread_stats(), key=lambda t: t.ttot, reverse=True)
    for thread in threads:
        name = names.get(thread.tid, thread.name)
        print(
            f"  {name:<34} {thread.ttot:>9.3f} s  scheduled {thread.sched_count} times"
        )
    print(
        "\n(yappi names a method after the class it first saw it on: "
        "'Run.save' there is Django's Model.save for every model.)"
    )
    entries = list(yappi.get_func_stats())
    own_code = [
        e for e in entries if _short_path(e.module).startswith(OWN_CODE_PREFIXES)
    ]
    tables = (
        (entries, "ttot", "cumulative (the function and what it calls)"),
        (entries, "tsub", "own time (the function alone)"),
        (own_code, "ttot", "cumulative, Flowdesk's own code only"),
        (own_code, "tsub", "own time, Flowdesk's own code only"),
    )
    for rows, key, title in tables:
        rows = sorted(rows, key=lambda e: getattr(e, key), reverse=True)[:top]
        print(f"\nTop {len(rows)} by {title}, {clock} clock:")
        print(f"  {'calls':>9} {'own s':>9} {'cum s':>9}  function")
        for entry in rows:
            where = (
                f"{_short_path(entry.module)}:{entry.lineno}"
                if entry.lineno
                else entry.module
            )
            print(
                f"  {entry.ncall:>9} {entry.tsub:>9.3f} {entry.ttot:>9.3f}  "
                f"{entry.name}  ({where})"
            )
    return result


def _profile_cprofile(flowdesk: Flowdesk, shape: Shape, top: int):
    import cProfile
    import io
    import pstats

    # Since Python 3.12 cProfile listens through sys.monitoring, which is
    # process-wide: one profiler sees the calls of every thread (the executor
    # loop, the database thread, node bodies), but with their stacks
    # interleaved, so the cumulative column is approximate.
    profiler = cProfile.Profile()
    profiler.enable()
    try:
        result = flowdesk.measure(shape)
    finally:
        profiler.disable()
    _profile_header(result, shape, "cProfile, all threads (approximate)")
    stats = pstats.Stats(profiler)
    for key in ("cumulative", "tottime"):
        out = io.StringIO()
        stats.stream = out
        stats.sort_stats(key).print_stats(top)
        text = out.getvalue()
        for prefix in (
            sysconfig.get_paths()["purelib"] + os.sep,
            sysconfig.get_paths()["stdlib"] + os.sep,
            str(ROOT) + os.sep,
        ):
            text = text.replace(prefix, "")
        print(f"\nTop {top} by {key}:")
        print(text.strip())
    return result


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description=(
            "Measure the embedded engine on a chain and a fan-out/fan-in of "
            "no-op nodes, next to an in-memory asyncio floor and an "
            "asyncio + SQLite floor. Prints numbers; asserts nothing on time."
        ),
        epilog="See the module docstring for how to read the output.",
    )
    parser.add_argument(
        "--nodes", type=int, default=1000, help="chain length (default 1000)"
    )
    parser.add_argument(
        "--width", type=int, default=500, help="fan-out width (default 500)"
    )
    parser.add_argument(
        "--repeat",
        type=int,
        default=1,
        help="runs per workload and way; the median is reported (default 1)",
    )
    parser.add_argument(
        "--timeout",
        type=float,
        default=DEFAULT_TIMEOUT_S,
        help=f"seconds to wait for one Flowdesk run (default {DEFAULT_TIMEOUT_S})",
    )
    parser.add_argument(
        "--mode",
        choices=("both", "embedded", "distributed"),
        default="both",
        help=(
            "embedded (SQLite, nodes in this process), distributed (PostgreSQL, "
            "Redis, Celery workers started by the script) or both (default)"
        ),
    )
    parser.add_argument(
        "--workers", type=int, default=1, help="distributed: worker processes"
    )
    parser.add_argument(
        "--concurrency",
        type=int,
        default=os.cpu_count() or 1,
        help="distributed: pool processes (or threads) per worker (default: CPUs)",
    )
    parser.add_argument(
        "--pool",
        choices=("prefork", "threads", "solo"),
        default="prefork",
        help="distributed: the workers' Celery pool (default prefork)",
    )
    parser.add_argument(
        "--profile",
        action="store_true",
        help="instead, profile one Flowdesk run of the chain in all threads",
    )
    parser.add_argument(
        "--top", type=int, default=25, help="profile rows per table (default 25)"
    )
    parser.add_argument(
        "--clock",
        choices=("cpu", "wall"),
        default="cpu",
        help="profile clock with yappi (default cpu: time waiting is not counted)",
    )
    args = parser.parse_args(argv)
    if args.nodes < 1 or args.width < 1 or args.repeat < 1:
        parser.error("--nodes, --width and --repeat must be at least 1")
    if args.profile:
        return profile(chain_shape(args.nodes), args.timeout, args.top, args.clock)
    if args.mode == "both":
        # Django is set up once per process: each mode gets a process.
        argv = [arg for arg in sys.argv[1:] if not arg.startswith("--mode")]
        codes = [
            subprocess.call([sys.executable, __file__, *argv, "--mode", mode])
            for mode in ("embedded", "distributed")
        ]
        return max(codes)
    shapes = [chain_shape(args.nodes), fan_shape(args.width)]
    return benchmark(shapes, args.repeat, args.timeout, args)


if __name__ == "__main__":
    sys.exit(main())
