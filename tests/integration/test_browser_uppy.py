"""Uppy uploads through ``xpresign serve`` into SeaweedFS, in headless Chromium.

The proof a browser user would give: a page loads the vendored Uppy bundle
(``src/xpresign/static/uppy/``) with the Dashboard and the AwsS3 plugin, whose
``endpoint`` is an ``xpresign serve`` child process and whose ``headers``
carry a user's JWT (signed here, checked by serve against a JWKS served here
on loopback). Files are picked through the Dashboard's file input and sent
with its Upload button; SeaweedFS checks every signature, and the bytes in the
bucket are read back with the admin identity.

Three origins, all on 127.0.0.1: the page (a static server whose ``uppy/``
is a link to the package's static folder), ``xpresign serve`` and SeaweedFS.
So both servers are cross-origin to the page, and both CORS set-ups are
exercised by the browser itself (no request interception, see
browser/launch.mjs): serve's ``XPRESIGN_CORS_ALLOW_ORIGINS`` and the bucket's
CORS rules, which are set with the admin identity (``PutBucketCors``).

* a single file is a POST policy, run with serve signing as SeaweedFS's
  static ``uploader`` identity (SeaweedFS enforces a policy's conditions only
  for static identities): a file of exactly ``max_upload_size`` bytes lands,
  one byte more is refused by S3 itself (``EntityTooLarge``);
* a 12 MiB file goes multipart (three parts), run with the role
  (``XPRESIGN_ROLE_ARN``, the ``caller`` keys as source credentials): a file
  of exactly ``max_upload_size`` lands, one byte more is refused at complete
  (xpresign aborts it and answers 413 ``UploadTooLarge``), and nothing is left.
"""

from __future__ import annotations

import http.client
import json
import os
import urllib.parse
import uuid
from pathlib import Path

import pytest

import xpresign
from tests.support.browser import StaticServer, require_browser, run_browser_script, screenshot_path
from tests.support.serve_asgi import AUDIENCE, ISSUER, JwksServer, jwk, rsa_key, token_for
from tests.support.serve_process import XPRESIGN, ServeProcess
from xpresign.emulator import free_port

pytestmark = [pytest.mark.slow, pytest.mark.seaweedfs]

STATIC_UPPY = Path(xpresign.__file__).resolve().parent / "static" / "uppy"
MIB = 1024 * 1024
#: The POST case's limit: small, so the refused file is small too.
SINGLE_LIMIT = 64 * 1024
#: The multipart case's limit: the 12 MiB file is exactly this.
MULTIPART_LIMIT = 12 * MIB
MULTIPART_ABOVE = 10 * MIB
KEY = rsa_key()
SUBJECT = "browser-user-7"

PAGE = """<!doctype html>
<html lang="en">
<head>
  <meta charset="utf-8">
  <title>xpresign: Uppy uploads through xpresign serve</title>
  <link rel="icon" href="data:,">
  <link rel="stylesheet" href="/uppy/uppy.min.css">
  <script src="/uppy/uppy.min.js"></script>
  <style>
    body { font: 14px/1.4 system-ui, sans-serif; margin: 18px 22px; color: #1c2430; }
    h1 { font-size: 18px; margin: 0 0 4px; }
    p { margin: 0 0 12px; color: #4a5462; }
    #log { margin: 12px 0 0; padding-left: 20px; }
    #log li { margin: 3px 0; }
    #log .ok { color: #1b7a3a; }
    #log .error { color: #b00020; }
  </style>
</head>
<body>
  <h1>Uppy 5.2.4 &rarr; xpresign serve &rarr; S3 (SeaweedFS)</h1>
  <p>The page holds a user's JWT; xpresign checks it, chooses the key and signs each step;
     the browser sends the bytes straight to S3.</p>
  <div id="uppy"></div>
  <ol id="log"></ol>
</body>
</html>
"""


@pytest.fixture(scope="module")
def site(tmp_path_factory):
    """The test page on its own origin; its uppy/ is the package's static folder."""
    require_browser()
    root = tmp_path_factory.mktemp("site")
    (root / "index.html").write_text(PAGE)
    (root / "uppy").symlink_to(STATIC_UPPY, target_is_directory=True)
    with StaticServer(root) as server:
        yield server


@pytest.fixture(scope="module")
def issuer():
    with JwksServer([jwk(KEY)]) as server:
        yield server


@pytest.fixture(scope="module")
def bucket_cors(seaweedfs, site):
    """The bucket's CORS for the page's origin, set as S3 users set it, and
    observed to be the one in force; removed afterwards (the server is shared)."""
    s3 = seaweedfs.boto3_client("s3", seaweedfs.admin_credentials)
    origin = site.base_url
    s3.put_bucket_cors(
        Bucket=seaweedfs.bucket,
        CORSConfiguration={
            "CORSRules": [
                {
                    "AllowedOrigins": [origin],
                    "AllowedMethods": ["GET", "PUT", "POST"],
                    "AllowedHeaders": ["content-type", "x-amz-checksum-sha256"],
                    "ExposeHeaders": ["ETag", "Location"],
                    "MaxAgeSeconds": 600,
                }
            ]
        },
    )
    # Without a configuration SeaweedFS answers every origin; with this one, only the page's.
    allowed = preflight(seaweedfs, origin, "PUT", "content-type")
    assert allowed[0] == 200 and allowed[1].get("access-control-allow-origin") == origin, allowed
    assert allowed[1].get("access-control-expose-headers") == "ETag, Location", allowed
    other = preflight(seaweedfs, "http://127.0.0.1:1", "PUT", "content-type")
    assert other[0] == 403 and "access-control-allow-origin" not in other[1], other
    yield origin
    s3.delete_bucket_cors(Bucket=seaweedfs.bucket)


def preflight(seaweedfs, origin: str, method: str, headers: str) -> tuple[int, dict[str, str]]:
    connection = http.client.HTTPConnection("127.0.0.1", seaweedfs.ports["s3"], timeout=10)
    try:
        connection.request(
            "OPTIONS",
            f"/{seaweedfs.bucket}/{seaweedfs.upload_prefix}preflight-probe",
            headers={
                "Origin": origin,
                "Access-Control-Request-Method": method,
                "Access-Control-Request-Headers": headers,
            },
        )
        response = connection.getresponse()
        response.read()
        return response.status, {k.lower(): v for k, v in response.getheaders()}
    finally:
        connection.close()


def serve(seaweedfs, issuer, origin: str, credentials: dict[str, str], limit: int) -> ServeProcess:
    """``xpresign serve`` for the proof bucket, taking users' JWTs, with CORS for the page."""
    port = free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith(("AWS_", "XPRESIGN_"))}
    env.update(
        credentials,
        XPRESIGN_BUCKET=seaweedfs.bucket,
        XPRESIGN_UPLOAD_PREFIXES=seaweedfs.upload_prefix,
        XPRESIGN_COMPANION_BUCKET=seaweedfs.bucket,
        XPRESIGN_MAX_UPLOAD_SIZE=str(limit),
        XPRESIGN_CORS_ALLOW_ORIGINS=origin,
        AWS_REGION=seaweedfs.region,
        AWS_ENDPOINT_URL=seaweedfs.s3_endpoint_url,
    )
    command = [XPRESIGN, "serve", "--host", "127.0.0.1", "--port", str(port)]
    command += ["--jwt-issuer", ISSUER, "--jwt-audience", AUDIENCE, "--jwks-url", issuer.url]
    return ServeProcess(command, env, port)


def random_file(folder: Path, name: str, size: int) -> tuple[Path, bytes]:
    data = os.urandom(size)
    path = folder / name
    path.write_bytes(data)
    return path, data


def stored(seaweedfs, key: str) -> bytes | None:
    s3 = seaweedfs.boto3_client("s3", seaweedfs.admin_credentials)
    try:
        return s3.get_object(Bucket=seaweedfs.bucket, Key=key)["Body"].read()
    except s3.exceptions.NoSuchKey:
        return None


def keys_named(seaweedfs, name: str) -> list[str]:
    """Every object under the upload prefix whose file name is ``name``."""
    s3 = seaweedfs.boto3_client("s3", seaweedfs.admin_credentials)
    listed = s3.list_objects_v2(Bucket=seaweedfs.bucket, Prefix=seaweedfs.upload_prefix).get("Contents", [])
    return [item["Key"] for item in listed if item["Key"].endswith("/" + name)]


def upload(site, endpoint: str, steps: list[dict]) -> dict:
    result = run_browser_script(
        "uppy_upload.mjs",
        {
            "url": site.url("index.html"),
            "endpoint": endpoint,
            "token": token_for(KEY, sub=SUBJECT),
            "multipart-above": MULTIPART_ABOVE,
            "steps": json.dumps(steps),
        },
        timeout=120,
    )
    assert result["ok"] is True and result["status"] == 200
    assert result["offLoopback"] == [] and result["pageErrors"] == []
    return result


def requests_to(result: dict, base: str) -> list[tuple[str, str, int | None]]:
    """(method, path, status) of the page's requests to ``base``, in order."""
    found = []
    for request in result["requests"]:
        if request["url"].startswith(base + "/"):
            found.append((request["method"], urllib.parse.urlsplit(request["url"]).path, request["status"]))
    return found


def route(method: str, path: str, status: int | None) -> tuple[str, str, int | None]:
    """One of Uppy's multipart calls, named: create, sign N, complete, abort."""
    rest = path.removeprefix("/s3/multipart").strip("/").split("/")
    if rest == [""]:
        return method, "create", status
    if rest[-1] == "complete":
        return method, "complete", status
    if len(rest) == 2:
        return method, f"sign {rest[1]}", status
    return method, "abort" if method == "DELETE" else "list", status


def serve_log(server: ServeProcess) -> list[dict]:
    lines = [line for line in server.output().splitlines() if line.startswith("{")]
    return [json.loads(line) for line in lines]


def test_a_single_file_is_a_post_policy_and_s3_refuses_one_byte_over_the_limit(
    seaweedfs, issuer, site, bucket_cors, tmp_path
):
    tag = uuid.uuid4().hex[:8]
    fits, fits_data = random_file(tmp_path, f"fits-{tag}.bin", SINGLE_LIMIT)
    over, _ = random_file(tmp_path, f"over-{tag}.bin", SINGLE_LIMIT + 1)
    uploader = dict(zip(("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY"), seaweedfs.uploader_credentials, strict=True))
    with serve(seaweedfs, issuer, bucket_cors, uploader, SINGLE_LIMIT).wait_ready() as server:
        result = upload(
            site,
            server.base,
            [
                {"files": [str(fits)], "screenshot": str(screenshot_path(tmp_path, "uppy-single.png"))},
                {"files": [str(over)], "screenshot": str(screenshot_path(tmp_path, "uppy-single-refused.png"))},
            ],
        )
    done, refused = result["steps"]

    # The file of exactly max_upload_size bytes: one GET /s3/params, one POST to S3, the exact bytes stored.
    assert not done["timedOut"], done
    assert done["complete"] == {"successful": [fits.name], "failed": []}
    [success] = result["events"]["success"]
    key = success["key"]
    assert key.startswith(seaweedfs.upload_prefix) and key.endswith("/" + fits.name), success
    assert stored(seaweedfs, key) == fits_data
    assert "Complete" in done["statusBar"], done

    # One byte more: S3 refuses the form (the policy's content-length-range), and Uppy says so.
    assert not refused["timedOut"], refused
    assert refused["complete"] == {"successful": [], "failed": [over.name]}
    [error] = result["events"]["error"]
    assert error == {"name": over.name, "message": "Non 2xx"}, error  # Uppy's words for an S3 refusal
    assert refused["itemErrors"] == [over.name], refused
    assert "Upload failed" in refused["statusBar"], refused
    assert keys_named(seaweedfs, over.name) == []

    # What the page sent: to xpresign only GETs of /s3/params; to S3 only POSTs, the second refused.
    assert requests_to(result, server.base) == [("GET", "/s3/params", 200)] * 2
    s3_calls = requests_to(result, seaweedfs.s3_endpoint_url)
    assert [(m, s) for m, _, s in s3_calls] == [("POST", 204), ("POST", 400)], s3_calls
    [refusal] = [r for r in result["requests"] if r["url"].startswith(seaweedfs.s3_endpoint_url) and r["status"] == 400]
    assert "<Code>EntityTooLarge</Code>" in refusal["body"], refusal
    assert all(path == f"/{seaweedfs.bucket}" for _, path, _ in s3_calls), s3_calls  # path-style, the bucket itself

    # serve's side: each call preflighted (cross-origin, Authorization) and made as the JWT's user.
    log = serve_log(server)
    assert [(e["method"], e["status"]) for e in log if e["method"] == "OPTIONS"] == [("OPTIONS", 204)] * 2
    params = [e for e in log if e.get("path") == "/s3/params" and e["method"] == "GET"]
    assert [e.get("caller") for e in params] == [f"jwt:{SUBJECT}"] * 2, params


def test_a_12_mib_file_goes_multipart_and_one_byte_over_the_limit_is_aborted_at_complete(
    seaweedfs, issuer, site, bucket_cors, tmp_path
):
    tag = uuid.uuid4().hex[:8]
    movie, movie_data = random_file(tmp_path, f"movie-{tag}.bin", MULTIPART_LIMIT)
    over, _ = random_file(tmp_path, f"over-{tag}.bin", MULTIPART_LIMIT + 1)
    role = {
        "AWS_ACCESS_KEY_ID": seaweedfs.caller_credentials[0],
        "AWS_SECRET_ACCESS_KEY": seaweedfs.caller_credentials[1],
        "XPRESIGN_ROLE_ARN": seaweedfs.role_arn,
    }
    with serve(seaweedfs, issuer, bucket_cors, role, MULTIPART_LIMIT).wait_ready() as server:
        result = upload(
            site,
            server.base,
            [
                {
                    "files": [str(movie)],
                    "screenshot": str(screenshot_path(tmp_path, "uppy-upload.png", published=True)),
                },
                {
                    "files": [str(over)],
                    "screenshot": str(screenshot_path(tmp_path, "uppy-too-large.png", published=True)),
                },
            ],
        )
    done, refused = result["steps"]

    # 12 MiB, exactly max_upload_size: parts of 5, 5 and 2 MiB, completed, the exact bytes stored.
    assert not done["timedOut"], done
    assert done["complete"] == {"successful": [movie.name], "failed": []}
    [success] = result["events"]["success"]
    key = success["key"]
    assert key.startswith(seaweedfs.upload_prefix) and key.endswith("/" + movie.name), success
    assert success["location"].endswith(urllib.parse.quote(key)), success
    assert stored(seaweedfs, key) == movie_data

    # One byte more: every part goes up, then complete sums them, aborts, and answers 413 with
    # a message Uppy shows; Uppy then sends its own abort (SeaweedFS answers a second abort with
    # success, AWS with NoSuchUpload; that xpresign's abort alone leaves nothing is
    # test_seaweedfs_uploads.py's test_completing_more_than_max_upload_size_aborts_it).
    assert not refused["timedOut"], refused
    assert refused["complete"] == {"successful": [], "failed": [over.name]}
    [error] = result["events"]["error"]
    assert error["name"] == over.name, error
    assert error["message"] == (
        f"the parts add up to {MULTIPART_LIMIT + 1} bytes; bucket {seaweedfs.bucket!r} takes at most "
        f"{MULTIPART_LIMIT} (the upload was aborted)"
    ), error
    assert refused["itemErrors"] == [over.name], refused
    assert keys_named(seaweedfs, over.name) == []
    s3 = seaweedfs.boto3_client("s3", seaweedfs.admin_credentials)
    assert s3.list_multipart_uploads(Bucket=seaweedfs.bucket).get("Uploads", []) == []

    # What the page asked xpresign, for each file: create, sign parts 1-3 (in any order), complete.
    steps = [route(method, path, status) for method, path, status in requests_to(result, server.base)]
    signs = [("GET", f"sign {n}", 200) for n in (1, 2, 3)]
    assert steps[:1] == [("POST", "create", 200)] and sorted(steps[1:4]) == signs, steps
    assert steps[4:6] == [("POST", "complete", 200), ("POST", "create", 200)] and sorted(steps[6:9]) == signs, steps
    assert steps[9:] in (
        [("POST", "complete", 413), ("DELETE", "abort", 200)],
        [("POST", "complete", 413), ("DELETE", "abort", 404)],
    )
    part_puts = requests_to(result, seaweedfs.s3_endpoint_url)
    assert [(m, s) for m, _, s in part_puts] == [("PUT", 200)] * 6, part_puts
    log = [e for e in serve_log(server) if e.get("path", "").startswith("/s3/")]
    assert {e.get("caller") for e in log if e["method"] != "OPTIONS"} == {f"jwt:{SUBJECT}"}
    assert {e["status"] for e in log if e["method"] == "OPTIONS"} == {204}  # preflights: no credential needed
