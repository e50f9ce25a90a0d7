"""One cold start: import a handler (or boto3), answer one request, report, exit.

``benchmarks/cold_start.py`` copies this file into a task directory that holds
only it and the handler's code, like Lambda's ``/var/task``, and runs it there
in a fresh interpreter: ``python cold_start_child.py SIDE EVENT_JSON [--profile]``
with SIDE one of ``baseline``, ``xpresign...`` (any side whose name starts so),
``boto3`` or ``guide``. It prints one JSON line: the answer, the peak RSS,
where the answering module came from, and whether boto3 and awscrt were
imported. Nothing is imported before the handler except ``sys``, so the
process pays exactly what a Lambda init would.

The boto3 and guide sides load boto3 as ``pip install boto3`` gives it: awscrt
(the optional ``crt`` extra, installed here for the oracle tests) is kept out,
else botocore would import it at start-up.
"""

import sys

#: The boto3 side's expiry: xpresign's default, so both sides sign the same URL.
EXPIRES_IN = 900


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


def boto3_presign(event: dict) -> tuple[str, str]:
    """A fresh boto3 S3 client and one ``generate_presigned_url``, as a user would write it."""
    import os

    import boto3
    from botocore.config import Config

    client = boto3.client(
        "s3",
        config=Config(
            signature_version="s3v4", s3={"addressing_style": "virtual", "us_east_1_regional_endpoint": "regional"}
        ),
    )
    key = event["queryStringParameters"]["key"]
    url = client.generate_presigned_url(
        "get_object", Params={"Bucket": os.environ["S3_BUCKET"], "Key": key}, ExpiresIn=EXPIRES_IN
    )
    return url, sys.modules["boto3"].__file__


def main() -> None:
    side, event_json = sys.argv[1], sys.argv[2]
    profiler = None
    if "--profile" in sys.argv[3:]:
        import cProfile

        profiler = cProfile.Profile()
        profiler.enable()
    if side in ("boto3", "guide"):
        sys.modules["awscrt"] = None  # an import of it now fails, as where it is not installed

    import json

    event = json.loads(event_json)
    response, module = None, None
    if side.startswith("xpresign"):
        from xpresign.lambda_handler import handler

        response = handler(event, None)
        module = sys.modules["xpresign"].__file__
    elif side == "boto3":
        response, module = boto3_presign(event)
    elif side == "guide":
        from guide_handler import lambda_handler

        response = lambda_handler(event, None)
        module = sys.modules["guide_handler"].__file__
    elif side != "baseline":
        raise SystemExit(f"unknown side {side!r}")

    report = {
        "side": side,
        "response": response,
        "module": module,
        "boto3_imported": "boto3" in sys.modules,
        "awscrt_imported": sys.modules.get("awscrt") is not None,
    }
    if profiler is not None:
        profiler.disable()  # before importing what prints the profile
        import io
        import pstats

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
