"""One cold start: import a handler, serve one request, report, exit.

``benchmarks/cold_start.py`` copies this file into a task directory that holds
only it and the handler's code, like Lambda's ``/var/task``, and runs it there
in a fresh interpreter: ``python cold_start_child.py SIDE EVENT_JSON [--profile]``
with SIDE one of ``baseline``, ``xpresign``, ``xpresign-source``, ``guide``. It prints one JSON line:
the handler's response, the peak RSS, where the handler's module came from and
whether boto3 was imported. Nothing is imported before the handler except
``sys``, so the process pays exactly what a Lambda init would.
"""

import sys


def peak_rss_kb() -> int:
    """This process's peak resident set size, in kB.

    Linux's ``VmHWM`` starts afresh at ``exec``; ``getrusage``'s ``ru_maxrss``
    does not, and would report the (much larger) benchmark process that forked
    this one. Elsewhere ``ru_maxrss`` is all there is.
    """
    try:
        with open("/proc/self/status", encoding="ascii") as status:
            for line in status:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1])
    except OSError:
        pass
    import resource

    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss


def main() -> None:
    side, event_json = sys.argv[1], sys.argv[2]
    profiler = None
    if "--profile" in sys.argv[3:]:
        import cProfile

        profiler = cProfile.Profile()
        profiler.enable()

    import json

    event = json.loads(event_json)
    response, module = None, None
    if side.startswith("xpresign"):
        from xpresign.lambda_handler import handler

        response = handler(event, None)
        module = sys.modules["xpresign"].__file__
    elif side == "guide":
        from guide_handler import lambda_handler

        response = lambda_handler(event, None)
        module = sys.modules["guide_handler"].__file__
    elif side != "baseline":
        raise SystemExit(f"unknown side {side!r}")

    report = {"side": side, "response": response, "module": module, "boto3_imported": "boto3" in sys.modules}
    if profiler is not None:
        import io
        import pstats

        profiler.disable()
        out = io.StringIO()
        # Without the import machinery's own frames, which sit above every import.
        not_machinery = r"^(?!<frozen importlib|\{built-in method builtins\.(exec|__import__)\})"
        pstats.Stats(profiler, stream=out).sort_stats("cumulative").print_stats(not_machinery, 15)
        report["profile"] = out.getvalue()

    report["maxrss_kb"] = peak_rss_kb()
    sys.stdout.write(json.dumps(report) + "\n")
    sys.stdout.flush()


if __name__ == "__main__":
    main()
