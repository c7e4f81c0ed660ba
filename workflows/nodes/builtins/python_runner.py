"""Runs one core.python snippet in the fresh interpreter the node starts."""

# python -I python_runner.py RESULT_FD CPU_S MEMORY_BYTES, with {"code": ...,
# "names": {...}} as JSON on stdin. The result goes to RESULT_FD, not stdout,
# so nothing the snippet prints can be mistaken for it.

import json
import os
import resource
import sys
import traceback

SNIPPET = "<snippet>"


def main() -> None:
    result_fd, cpu_s, memory_bytes = (int(arg) for arg in sys.argv[1:4])
    # At the soft CPU limit the kernel sends SIGXCPU, which the node reports;
    # the hard one a second later kills a snippet that catches SIGXCPU.
    resource.setrlimit(resource.RLIMIT_CPU, (cpu_s, cpu_s + 1))
    resource.setrlimit(resource.RLIMIT_AS, (memory_bytes, memory_bytes))
    # Processes the snippet starts must not hold the result channel open.
    os.set_inheritable(result_fd, False)
    for stream in (sys.stdout, sys.stderr):
        # Each line reaches the node's log as soon as it is printed.
        stream.reconfigure(
            encoding="utf-8", errors="backslashreplace", line_buffering=True
        )
    try:
        request = json.loads(sys.stdin.buffer.read())
        result = run(request["code"], request["names"])
    except MemoryError as exc:  # the inputs alone did not fit
        result = _failure(exc)
    for stream in (sys.stdout, sys.stderr):
        try:
            stream.flush()
        except (OSError, ValueError):
            pass  # closed by the snippet, or nobody is reading any more
    with open(result_fd, "w", encoding="utf-8") as channel:
        channel.write(result)
    # Threads the snippet left running must not keep the node waiting.
    os._exit(0)


def run(code: str, names: dict) -> str:
    namespace = {"__name__": "__main__", "output": None, **names}
    try:
        exec(compile(code, SNIPPET, "exec"), namespace)
    except SystemExit as exc:
        if exc.code not in (None, 0):
            return _failure(exc)
    except BaseException as exc:
        return _failure(exc)
    try:
        return json.dumps({"output": namespace.get("output")}, allow_nan=False)
    except MemoryError as exc:
        return _failure(exc)
    except Exception as exc:
        return json.dumps({"output_error": f"{type(exc).__name__}: {exc}"})


def _failure(exc: BaseException) -> str:
    """The exception, with the line of the snippet it came from, not the runner's."""
    line, message = None, _text(exc)
    if isinstance(exc, SyntaxError) and exc.filename == SNIPPET:
        line, message = exc.lineno, exc.msg
    for frame in traceback.extract_tb(exc.__traceback__):
        if frame.filename == SNIPPET:
            line = frame.lineno  # the innermost frame of the snippet wins
    error = {"type": type(exc).__name__, "message": message, "line": line}
    return json.dumps({"error": error})


def _text(exc: BaseException) -> str:
    try:
        return str(exc)
    except Exception:
        return "(the exception cannot be shown)"


if __name__ == "__main__":
    main()
