import asyncio
import json
import math
import os
import shutil
import signal
import sys
import tempfile
from pathlib import Path

from workflows.nodes.base import NodeError, NodeType

RUNNER = Path(__file__).with_name("python_runner.py")
# All the snippet gets of the server's environment: never its secrets.
PASSED_ENV = ("PATH", "LANG", "LC_ALL", "LC_CTYPE", "TZ")
NAMES = ("inputs", "vars", "nodes")
CHUNK_BYTES = 64 * 1024
MAX_LINE_BYTES = 64 * 1024
MAX_LOG_LINES = 10_000
MAX_RESULT_BYTES = 16 * 1024 * 1024
# After a kill the pipes close at once, unless something escaped the group.
DRAIN_S = 1


class Python(NodeType):
    type = "core.python"
    name = "Python"
    category = "Code"
    description = (
        "Runs a Python snippet in its own process within CPU, memory and time "
        "limits. It reads inputs, vars and nodes and sets output; what it prints "
        "goes to the log."
    )
    permissions = frozenset({"code"})
    config_schema = {
        "type": "object",
        "properties": {
            "code": {
                "type": "string",
                "format": "textarea",
                # Python, not a Flowdesk expression, though left as written.
                "contentMediaType": "text/x-python",
                "minLength": 1,
                "description": (
                    "Python, run as written (not a template): read inputs, vars "
                    "and nodes, set output = ... to a JSON value."
                ),
                "default": "output = {'total': inputs.get('amount', 0) * 2}",
            },
            "cpu_s": {
                "type": "number",
                "exclusiveMinimum": 0,
                "maximum": 300,
                "default": 10,
                "description": "CPU time limit, in whole seconds (rounded up).",
            },
            "memory_mb": {
                "type": "integer",
                "minimum": 32,
                "maximum": 4096,
                "default": 256,
                "description": "Address-space limit of the process.",
            },
            "timeout_s": {
                "type": "number",
                "exclusiveMinimum": 0,
                "maximum": 3600,
                "default": 60,
                "description": "Wall-clock limit; the process is killed after it.",
            },
        },
        "required": ["code"],
        "additionalProperties": False,
    }
    expression_fields = ("code",)

    async def execute(self, ctx):
        config = ctx.config
        code = config["code"]
        if not isinstance(code, str):
            raise NodeError(f"code must be text, got {type(code).__name__}")
        try:
            cpu_s = max(1, math.ceil(float(config.get("cpu_s", 10))))
            memory_mb = int(config.get("memory_mb", 256))
            timeout_s = float(config.get("timeout_s", 60))
        except (TypeError, ValueError) as exc:
            raise NodeError(f"invalid limit: {exc}") from None
        # Upstream outputs can be megabytes: serialise them off the event loop.
        payload = await asyncio.to_thread(
            _encode, {"code": code, "names": {n: dict(ctx.names[n]) for n in NAMES}}
        )
        workdir = await asyncio.to_thread(tempfile.mkdtemp, prefix="flowdesk-python-")
        try:
            returncode, raw = await _run(
                ctx, payload, workdir, cpu_s, memory_mb, timeout_s
            )
        except TimeoutError:
            raise NodeError(
                f"timed out after {timeout_s:g} s (timeout_s); the process was killed"
            ) from None
        finally:
            await _finish(asyncio.to_thread(shutil.rmtree, workdir, ignore_errors=True))
        return await _outcome(returncode, raw, cpu_s, memory_mb)


def _encode(request: dict) -> bytes:
    return json.dumps(request, default=str).encode()


async def _run(ctx, payload, workdir, cpu_s, memory_mb, timeout_s):
    """Run the runner to its end; its exit status and what it reported."""
    loop = asyncio.get_running_loop()
    read_fd, write_fd = os.pipe()
    try:
        process = await asyncio.create_subprocess_exec(
            sys.executable,
            "-I",  # isolated: no PYTHON* variables, user site or script dir
            str(RUNNER),
            str(write_fd),
            str(cpu_s),
            str(memory_mb * 1024 * 1024),
            stdin=asyncio.subprocess.PIPE,
            stdout=asyncio.subprocess.PIPE,
            stderr=asyncio.subprocess.PIPE,
            pass_fds=(write_fd,),
            cwd=workdir,
            env=_environment(workdir),
            # Its own process group, so a kill takes what it started too.
            start_new_session=True,
        )
    except BaseException:
        os.close(read_fd)
        raise
    finally:
        os.close(write_fd)  # the child has its own copy; EOF comes when it exits
    result_end = open(read_fd, "rb", buffering=0)
    result, transport, tasks = asyncio.StreamReader(), None, []
    try:
        transport, _ = await loop.connect_read_pipe(
            lambda: asyncio.StreamReaderProtocol(result), result_end
        )
        lines = _Lines(ctx)
        tasks = [
            asyncio.create_task(_read_result(result)),
            asyncio.create_task(lines.pump(process.stdout, "info")),
            asyncio.create_task(lines.pump(process.stderr, "warning")),
        ]
        async with asyncio.timeout(timeout_s):
            await _feed(process.stdin, payload)
            # The runner closes the result channel last, after flushing what
            # it printed, or dies; either way it is done. What the snippet
            # started goes with it: it would hold stdout and stderr open.
            raw = await tasks[0]
            _kill_group(process)
            await asyncio.gather(*tasks[1:])
            await process.wait()
        return process.returncode, raw
    finally:
        # Cancelled or timed out, the child is killed and reaped all the same.
        await _finish(_stop(process, tasks))
        if transport is not None:
            transport.close()
        else:
            result_end.close()


async def _feed(stdin: asyncio.StreamWriter, payload: bytes) -> None:
    try:
        stdin.write(payload)
        await stdin.drain()
    except (BrokenPipeError, ConnectionResetError):
        pass  # it died before reading; its exit status tells why
    finally:
        stdin.close()


async def _read_result(reader: asyncio.StreamReader) -> bytes | None:
    """All of the result channel; None if it is too large to keep."""
    chunks, size = [], 0
    while chunk := await reader.read(CHUNK_BYTES):
        size += len(chunk)
        if size <= MAX_RESULT_BYTES:
            chunks.append(chunk)
    # Read to the end regardless, or the child would block writing it.
    return b"".join(chunks) if size <= MAX_RESULT_BYTES else None


class _Lines:
    """Turns what the process prints into log lines; a flood is cut short."""

    def __init__(self, ctx):
        self.ctx = ctx
        self.count = 0

    async def pump(self, stream: asyncio.StreamReader, level: str) -> None:
        pending = b""
        while chunk := await stream.read(CHUNK_BYTES):
            *complete, pending = (pending + chunk).split(b"\n")
            for line in complete:
                self.emit(line, level)
            if len(pending) > MAX_LINE_BYTES:
                self.emit(pending, level)
                pending = b""
        if pending:
            self.emit(pending, level)

    def emit(self, line: bytes, level: str) -> None:
        self.count += 1
        if self.count <= MAX_LOG_LINES:
            self.ctx.log(line.decode("utf-8", "replace").rstrip("\r"), level)
        elif self.count == MAX_LOG_LINES + 1:
            self.ctx.log(
                f"more than {MAX_LOG_LINES} lines of output; the rest is not logged",
                "warning",
            )


async def _stop(process, tasks) -> None:
    _kill_group(process)
    if tasks:
        await asyncio.wait(tasks, timeout=DRAIN_S)
    for task in tasks:
        task.cancel()
    await asyncio.gather(*tasks, return_exceptions=True)
    await process.wait()


def _kill_group(process) -> None:
    # Also right after the child is reaped: its pid is not reused while the
    # group it led has members, and without members there is nothing to kill.
    try:
        os.killpg(process.pid, signal.SIGKILL)
    except (ProcessLookupError, PermissionError):
        pass


async def _finish(awaitable):
    """Await to the end even if cancelled meanwhile, then pass the cancel on."""
    task = asyncio.ensure_future(awaitable)
    cancelled = False
    while not task.done():
        try:
            await asyncio.shield(task)
        except asyncio.CancelledError:
            cancelled = True
    if cancelled:
        raise asyncio.CancelledError
    return task.result()


def _environment(workdir: str) -> dict[str, str]:
    passed = {name: os.environ[name] for name in PASSED_ENV if name in os.environ}
    return {"PATH": os.defpath, **passed, "HOME": workdir, "TMPDIR": workdir}


async def _outcome(returncode: int, raw: bytes | None, cpu_s: int, memory_mb: int):
    if raw is None:
        raise NodeError(
            f"the result is larger than {MAX_RESULT_BYTES // (1024 * 1024)} MB"
        )
    if raw:
        reported = await asyncio.to_thread(json.loads, raw)
        if "output" in reported:
            return reported["output"]
        if "output_error" in reported:
            raise NodeError(
                f"output must be JSON-serialisable: {reported['output_error']}"
            )
        error = reported["error"]
        line = f" (line {error['line']})" if error["line"] else ""
        if error["type"] == "MemoryError":
            raise NodeError(
                f"exceeded the memory limit of {memory_mb} MB (memory_mb){line}"
            )
        raise NodeError(f"{error['type']}: {error['message']}{line}")
    if returncode == -signal.SIGXCPU:
        raise NodeError(f"exceeded the CPU limit of {cpu_s} s (cpu_s)")
    if returncode == -signal.SIGKILL:
        # Not ours: the hard CPU limit, when the snippet caught SIGXCPU.
        raise NodeError(f"killed, most likely for exceeding cpu_s ({cpu_s} s)")
    if returncode < 0:
        raise NodeError(
            f"the Python process died of {_signal_name(-returncode)} "
            f"(memory_mb is {memory_mb}); see its log"
        )
    raise NodeError(f"the Python process exited with code {returncode} and no output")


def _signal_name(number: int) -> str:
    try:
        return signal.Signals(number).name
    except ValueError:
        return f"signal {number}"
