"""examples/two-accounts, applied for real against moto server.

One deployment per module run: build the Lambda zip with `xpresign build-lambda`,
`terraform apply` the example with both providers pointed at moto (uploads, the
browser front door and an invoker principal switched on), then check what
landed where, prove the IAM policies with moto enforcing them, run the handler
with the deployed configuration as account B's Lambda role, plan again through
per-account profiles instead of the deploy role (no changes) and destroy (both
accounts empty).

The tests share the deployment and run in file order; the last one destroys it.

What moto proves, and what it does not:

- It keeps accounts apart: credentials from an AssumeRole into
  arn:aws:iam::ACCOUNT:role/... act in ACCOUNT.
- With its IAM check on (``moto_iam_enforced``: INITIAL_NO_AUTH_ACTION_COUNT
  set to 0 through /moto-api/reset-auth, then restored), it verifies the
  signature of header-signed requests and evaluates the caller's identity
  policies, mapping ?versionId= to s3:GetObjectVersion. The IAM tests use that.
  The check is off while Terraform runs: the deploy roles exist only as ARNs.
- It evaluates trust policies only within one account, so the cross-account
  trust (account A's access role trusting account B's execution role, with the
  ExternalId) is proven by the policy review below and by the SeaweedFS suite,
  not by moto.
- It checks no query-signed request: presigned URLs are downloaded with the
  check off.
"""

from __future__ import annotations

import base64
import hashlib
import json
import os
import shutil
import subprocess
import sys
import urllib.parse
import urllib.request
import zipfile
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

import boto3
import pytest
from botocore.config import Config
from botocore.exceptions import ClientError
from tfrun import EXAMPLE, copy_terraform_tree, run_terraform, terraform_environment, terraform_init

from xpresign import lambda_handler
from xpresign.emulator import EMULATOR_CREDENTIALS, MotoServer, assume

pytestmark = [pytest.mark.slow, pytest.mark.terraform]

# Not the emulator module's defaults, so nothing can pass by sharing them.
ACCOUNT_A = "111122223333"
ACCOUNT_B = "444455556666"
REGION_A = "eu-west-1"  # the bucket's region: what URLs must be signed for
REGION_B = "eu-central-1"  # the function's region
# The example's default name: the account ID keeps it from colliding.
BUCKET = f"xpresign-{ACCOUNT_A}-{REGION_A}"
# "trailers" has no trailing slash: IAM's trailers* and xpresign's
# str.startswith("trailers") must both admit trailers-private/...
ALLOWED_PREFIXES = ["movies/", "trailers"]
UPLOAD_PREFIX = "incoming/"
EXTERNAL_ID = "e2e-8c1f04b7"
FUNCTION = "xpresign-e2e"
DEPLOY_ROLE = "OrganizationAccountAccessRole"
INVOKER = "999988887777"
ORIGIN = "https://app.example.com"
JWT_ISSUER = "https://issuer.example.com/xpresign-e2e"
JWT_AUDIENCE = "xpresign-e2e-web"
OBJECT_KEY = "movies/metropolis (1927).mp4"
OBJECT_BODY = hashlib.sha256(b"metropolis").digest() * 64
COMPANION_ROUTES = {
    "GET /s3/params",
    "POST /s3/multipart",
    "GET /s3/multipart/{uploadId}/{partNumber}",
    "GET /s3/multipart/{uploadId}",
    "POST /s3/multipart/{uploadId}/complete",
    "DELETE /s3/multipart/{uploadId}",
}


@dataclass
class Stack:
    terraform_bin: str
    moto: MotoServer
    example: Path
    env: dict[str, str]
    zip_path: Path
    variables: dict
    outputs: dict[str, str]
    # The bucket policy while set aside for moto (see objects_reachable).
    bucket_policy: str | None = None
    _clients: dict = field(default_factory=dict)

    def client(self, service: str, account: str, region: str = REGION_A):
        """A client acting in ``account`` the way Terraform reaches it: through
        an AssumeRole into that account's deploy role."""
        cache_key = (service, account, region)
        if cache_key not in self._clients:
            role = f"arn:aws:iam::{account}:role/{DEPLOY_ROLE}"
            credentials = assume(self.moto.endpoint_url, role, "e2e-check")
            self._clients[cache_key] = session_client(self.moto, service, credentials, region)
        return self._clients[cache_key]

    def terraform(self, *args: str, check: bool = True, env: dict | None = None) -> subprocess.CompletedProcess:
        return run_terraform(self.terraform_bin, self.example, *args, "-no-color", env=env or self.env, check=check)

    def write_variables(self, **changes) -> None:
        self.variables.update(changes)
        (self.example / "e2e.auto.tfvars.json").write_text(json.dumps(self.variables), encoding="utf-8")


def session_client(moto: MotoServer, service: str, credentials: dict, region: str = REGION_A):
    config = Config(retries={"max_attempts": 1, "mode": "standard"}, s3={"addressing_style": "path"})
    session = boto3.session.Session(region_name=region, **credentials)
    return session.client(service, endpoint_url=moto.endpoint_url, config=config)


def build_lambda_zip(output: Path) -> Path:
    """`xpresign build-lambda --output DIR`, which prints the zip's path."""
    cli = Path(sys.executable).with_name("xpresign")  # the console script beside this interpreter
    if not cli.exists():
        cli = Path(shutil.which("xpresign") or "xpresign")
    result = subprocess.run(
        [str(cli), "build-lambda", "--output", str(output)], capture_output=True, text=True, check=False
    )
    assert result.returncode == 0, f"xpresign build-lambda failed:\n{result.stdout}\n{result.stderr}"
    path = Path(result.stdout.strip().splitlines()[-1])
    assert path.is_file() and path.suffix == ".zip", f"build-lambda printed {result.stdout!r}"
    return path


@pytest.fixture(scope="module")
def stack(terraform_bin, tmp_path_factory):
    work = tmp_path_factory.mktemp("two-accounts")
    zip_path = build_lambda_zip(work / "dist")
    example = copy_terraform_tree(work / "terraform") / EXAMPLE

    with MotoServer() as moto:
        env = terraform_environment(
            {
                "AWS_ACCESS_KEY_ID": EMULATOR_CREDENTIALS["aws_access_key_id"],
                "AWS_SECRET_ACCESS_KEY": EMULATOR_CREDENTIALS["aws_secret_access_key"],
                "AWS_REGION": REGION_B,
                # Nothing from the machine's AWS configuration may reach the providers.
                "AWS_CONFIG_FILE": os.devnull,
                "AWS_SHARED_CREDENTIALS_FILE": os.devnull,
                "AWS_EC2_METADATA_DISABLED": "true",
            }
        )
        variables = {
            "account_a_id": ACCOUNT_A,
            "account_b_id": ACCOUNT_B,
            "account_a_region": REGION_A,
            "account_b_region": REGION_B,
            "deploy_role_name": DEPLOY_ROLE,
            "create_bucket": True,
            # The handler tests leave objects behind; destroy must still empty A.
            "force_destroy": True,
            "allowed_prefixes": ALLOWED_PREFIXES,
            "upload_prefixes": [UPLOAD_PREFIX],
            "external_id": EXTERNAL_ID,
            "function_name": FUNCTION,
            "lambda_zip": str(zip_path),
            "invoker_principals": [INVOKER],
            "cors_allow_origins": [ORIGIN],
            "create_http_api": True,
            "jwt_issuer": JWT_ISSUER,
            "jwt_audiences": [JWT_AUDIENCE],
            "endpoint_url": moto.endpoint_url,
        }
        deployed = Stack(terraform_bin, moto, example, env, zip_path, variables, outputs={})
        deployed.write_variables()
        terraform_init(terraform_bin, example, env=env)
        deployed.terraform("apply", "-auto-approve", "-input=false")
        outputs = json.loads(deployed.terraform("output", "-json").stdout)
        deployed.outputs = {name: output["value"] for name, output in outputs.items()}
        yield deployed


@contextmanager
def moto_iam_enforced(moto: MotoServer) -> Iterator[None]:
    """While inside, moto checks signatures and identity policies of
    header-signed requests; the previous setting comes back afterwards."""

    def reset_auth(value: str) -> str:
        request = urllib.request.Request(
            f"{moto.endpoint_url}/moto-api/reset-auth",
            data=value.encode(),
            method="POST",
            # Not a form: moto reads the raw body.
            headers={"Content-Type": "text/plain"},
        )
        with urllib.request.urlopen(request, timeout=10) as response:
            return json.loads(response.read())["PREVIOUS_INITIAL_NO_AUTH_ACTION_COUNT"]

    previous = reset_auth("0")
    try:
        yield
    finally:
        reset_auth(previous)


def _error_code(call, *args, **kwargs) -> str:
    """'OK' when the call succeeds, 'AccessDenied' for any 403 (moto's S3
    sometimes leaves the body, and so the code, out), else the AWS error code."""
    try:
        call(*args, **kwargs)
    except ClientError as error:
        if error.response["ResponseMetadata"]["HTTPStatusCode"] == 403:
            return "AccessDenied"
        return error.response["Error"]["Code"]
    return "OK"


def _presigner_credentials(stack: Stack) -> dict:
    """What Lambda gives the function: its execution role's session."""
    return assume(stack.moto.endpoint_url, stack.outputs["presigner_role_arn"], FUNCTION)


def _access_role_credentials(stack: Stack, presigner: dict) -> dict:
    """The access role's session, assumed as the function does (its role, the ExternalId)."""
    sts = session_client(stack.moto, "sts", presigner, REGION_B)
    c = sts.assume_role(RoleArn=stack.outputs["access_role_arn"], RoleSessionName=FUNCTION, ExternalId=EXTERNAL_ID)[
        "Credentials"
    ]
    return {
        "aws_access_key_id": c["AccessKeyId"],
        "aws_secret_access_key": c["SecretAccessKey"],
        "aws_session_token": c["SessionToken"],
    }


def _use_the_deployed_environment(stack: Stack, monkeypatch) -> None:
    """The function's environment as Lambda would give it, in this process."""
    function_env = stack.client("lambda", ACCOUNT_B, REGION_B).get_function_configuration(FunctionName=FUNCTION)[
        "Environment"
    ]["Variables"]
    creds = _presigner_credentials(stack)
    environment = {
        **function_env,
        "AWS_ACCESS_KEY_ID": creds["aws_access_key_id"],
        "AWS_SECRET_ACCESS_KEY": creds["aws_secret_access_key"],
        "AWS_SESSION_TOKEN": creds["aws_session_token"],
        "AWS_REGION": REGION_B,
        "AWS_DEFAULT_REGION": REGION_B,
        "AWS_LAMBDA_FUNCTION_NAME": FUNCTION,
        # What Lambda derives from the module's logging_config (JSON, INFO);
        # moto does not keep that block, so the values are the module's defaults.
        "AWS_LAMBDA_LOG_FORMAT": "JSON",
        "AWS_LAMBDA_LOG_LEVEL": "INFO",
        "AWS_ENDPOINT_URL": stack.moto.endpoint_url,
    }
    for name, value in environment.items():
        monkeypatch.setenv(name, value)
    lambda_handler.reset()


def _run_deployed_handler(event: dict) -> dict:
    """The handler with the deployed environment."""
    return lambda_handler.handler(event, None)


# --- where things landed -------------------------------------------------------------------


def _inventory(stack: Stack, account: str) -> dict[str, set[str]]:
    iam = stack.client("iam", account)
    regions = {REGION_A, REGION_B}
    return {
        "roles": {r["RoleName"] for r in iam.list_roles()["Roles"]},
        "policies": {p["PolicyName"] for p in iam.list_policies(Scope="Local")["Policies"]},
        "buckets": {b["Name"] for b in stack.client("s3", account).list_buckets()["Buckets"]},
        "functions": {
            f["FunctionName"]
            for region in regions
            for f in stack.client("lambda", account, region).list_functions()["Functions"]
        },
        "log_groups": {
            g["logGroupName"]
            for region in regions
            for g in stack.client("logs", account, region).describe_log_groups()["logGroups"]
        },
        "http_apis": {
            a["Name"] for region in regions for a in stack.client("apigatewayv2", account, region).get_apis()["Items"]
        },
    }


def test_each_resource_lands_in_its_own_account(stack):
    out = stack.outputs
    assert out["access_role_arn"] == f"arn:aws:iam::{ACCOUNT_A}:role/xpresign-{BUCKET}"
    assert out["presigner_role_arn"] == f"arn:aws:iam::{ACCOUNT_B}:role/{FUNCTION}"
    assert out["function_arn"] == f"arn:aws:lambda:{REGION_B}:{ACCOUNT_B}:function:{FUNCTION}"
    assert (out["bucket_name"], out["bucket_region"], out["function_region"]) == (BUCKET, REGION_A, REGION_B)

    assert _inventory(stack, ACCOUNT_A) == {
        "roles": {f"xpresign-{BUCKET}"},
        "policies": set(),  # inline policies only: nothing account-wide to collide with
        "buckets": {BUCKET},
        "functions": set(),
        "log_groups": set(),
        "http_apis": set(),
    }
    assert _inventory(stack, ACCOUNT_B) == {
        "roles": {FUNCTION},
        "policies": set(),
        "buckets": set(),
        "functions": {FUNCTION},
        "log_groups": {f"/aws/lambda/{FUNCTION}", f"/aws/apigateway/{FUNCTION}"},
        "http_apis": {FUNCTION},
    }


def test_bucket_is_hardened(stack):
    s3 = stack.client("s3", ACCOUNT_A)
    assert s3.get_bucket_location(Bucket=BUCKET)["LocationConstraint"] == REGION_A
    assert s3.get_public_access_block(Bucket=BUCKET)["PublicAccessBlockConfiguration"] == {
        "BlockPublicAcls": True,
        "IgnorePublicAcls": True,
        "BlockPublicPolicy": True,
        "RestrictPublicBuckets": True,
    }
    assert s3.get_bucket_ownership_controls(Bucket=BUCKET)["OwnershipControls"]["Rules"] == [
        {"ObjectOwnership": "BucketOwnerEnforced"}
    ]
    (rule,) = s3.get_bucket_encryption(Bucket=BUCKET)["ServerSideEncryptionConfiguration"]["Rules"]
    assert rule["ApplyServerSideEncryptionByDefault"]["SSEAlgorithm"] == "AES256"
    assert s3.get_bucket_versioning(Bucket=BUCKET)["Status"] == "Enabled"

    (deny,) = _statements(s3.get_bucket_policy(Bucket=BUCKET)["Policy"])
    assert deny["Effect"] == "Deny" and _as_list(deny["Action"]) == ["s3:*"]
    assert deny["Principal"] in ("*", {"AWS": "*"})
    assert set(_as_list(deny["Resource"])) == {f"arn:aws:s3:::{BUCKET}", f"arn:aws:s3:::{BUCKET}/*"}
    assert deny["Condition"] == {"Bool": {"aws:SecureTransport": "false"}}

    (lifecycle,) = s3.get_bucket_lifecycle_configuration(Bucket=BUCKET)["Rules"]
    assert lifecycle["Status"] == "Enabled"
    assert lifecycle["AbortIncompleteMultipartUpload"] == {"DaysAfterInitiation": 7}
    assert lifecycle["NoncurrentVersionExpiration"]["NoncurrentDays"] == 90


def test_bucket_cors_admits_browser_uploads_from_the_origin(stack):
    (rule,) = stack.client("s3", ACCOUNT_A).get_bucket_cors(Bucket=BUCKET)["CORSRules"]
    assert sorted(rule["AllowedMethods"]) == ["POST", "PUT"]
    assert rule["AllowedOrigins"] == [ORIGIN]
    assert sorted(rule["AllowedHeaders"]) == ["content-type", "x-amz-checksum-sha256"]
    # ETag for every upload; Location, the object's URL, for Uppy after a POST upload.
    assert sorted(rule["ExposeHeaders"]) == ["ETag", "Location"]


# --- the policies, as documents --------------------------------------------------------------


def _statements(document) -> list[dict]:
    if isinstance(document, str):
        document = json.loads(urllib.parse.unquote(document))
    statements = document["Statement"]
    return statements if isinstance(statements, list) else [statements]


def _as_list(value) -> list:
    return value if isinstance(value, list) else [value]


def _grants(statements: list[dict]) -> set[tuple[str, str]]:
    """Every (action, resource) pair the Allow statements name."""
    assert all(s["Effect"] == "Allow" for s in statements)
    return {(a, r) for s in statements for a in _as_list(s["Action"]) for r in _as_list(s["Resource"])}


def test_access_role_trusts_only_the_presigner_role_with_the_external_id(stack):
    # moto does not evaluate this cross-account trust; the document is the proof here.
    iam = stack.client("iam", ACCOUNT_A)
    role = iam.get_role(RoleName=f"xpresign-{BUCKET}")["Role"]
    (trust,) = _statements(role["AssumeRolePolicyDocument"])
    assert trust["Effect"] == "Allow"
    assert _as_list(trust["Action"]) == ["sts:AssumeRole"]
    assert _as_list(trust["Principal"]["AWS"]) == [stack.outputs["presigner_role_arn"]]
    assert trust["Condition"] == {"StringEquals": {"sts:ExternalId": EXTERNAL_ID}}
    assert role["MaxSessionDuration"] == 3600


def test_access_role_policy_names_the_prefixes_only(stack):
    iam = stack.client("iam", ACCOUNT_A)
    name = f"xpresign-{BUCKET}"
    assert iam.list_attached_role_policies(RoleName=name)["AttachedPolicies"] == []
    assert iam.list_role_policies(RoleName=name)["PolicyNames"] == [f"xpresign-{BUCKET}"]
    document = iam.get_role_policy(RoleName=name, PolicyName=f"xpresign-{BUCKET}")["PolicyDocument"]
    reads = {f"arn:aws:s3:::{BUCKET}/movies/*", f"arn:aws:s3:::{BUCKET}/trailers*"}
    uploads = {f"arn:aws:s3:::{BUCKET}/{UPLOAD_PREFIX}*"}
    assert _grants(_statements(document)) == (
        {("s3:GetObject", r) for r in reads}
        | {("s3:GetObjectVersion", r) for r in reads}  # the module versions the bucket it creates
        | {(a, r) for a in ("s3:PutObject", "s3:AbortMultipartUpload", "s3:ListMultipartUploadParts") for r in uploads}
    )


def test_presigner_role_may_only_assume_the_access_role_and_write_its_logs(stack):
    iam = stack.client("iam", ACCOUNT_B)
    role = iam.get_role(RoleName=FUNCTION)["Role"]
    (trust,) = _statements(role["AssumeRolePolicyDocument"])
    assert trust["Principal"] == {"Service": "lambda.amazonaws.com"}
    assert trust["Condition"] == {"StringEquals": {"aws:SourceAccount": ACCOUNT_B}}

    assert iam.list_attached_role_policies(RoleName=FUNCTION)["AttachedPolicies"] == []
    (policy_name,) = iam.list_role_policies(RoleName=FUNCTION)["PolicyNames"]
    document = iam.get_role_policy(RoleName=FUNCTION, PolicyName=policy_name)["PolicyDocument"]
    log_streams = f"arn:aws:logs:{REGION_B}:{ACCOUNT_B}:log-group:/aws/lambda/{FUNCTION}:*"
    assert _grants(_statements(document)) == {
        ("sts:AssumeRole", stack.outputs["access_role_arn"]),
        ("logs:CreateLogStream", log_streams),
        ("logs:PutLogEvents", log_streams),
    }


# --- the policies, enforced by moto ------------------------------------------------------------


def test_presigner_role_may_assume_the_access_role_and_nothing_else(stack):
    presigner = _presigner_credentials(stack)
    sts = session_client(stack.moto, "sts", presigner, REGION_B)
    with moto_iam_enforced(stack.moto):
        assert _access_role_credentials(stack, presigner)["aws_access_key_id"]
        for other in (f"arn:aws:iam::{ACCOUNT_A}:role/{DEPLOY_ROLE}", f"arn:aws:iam::{ACCOUNT_B}:role/{DEPLOY_ROLE}"):
            assert _error_code(sts.assume_role, RoleArn=other, RoleSessionName=FUNCTION) == "AccessDenied", other
        # No S3 permission of its own: every URL is signed as account A's role.
        s3 = session_client(stack.moto, "s3", presigner, REGION_A)
        assert _error_code(s3.get_object, Bucket=BUCKET, Key=OBJECT_KEY) == "AccessDenied"


@pytest.fixture(scope="module")
def objects_reachable(stack) -> None:
    """moto evaluates a bucket's policy on object requests, and reads a Deny
    whose condition it cannot evaluate (aws:SecureTransport) as a match: with
    the module's DenyInsecureTransport statement in place it refuses every
    object request, TLS or not. test_bucket_is_hardened has checked the
    policy; it is set aside for the object tests and put back, unchanged,
    before the convergence plan."""
    s3 = stack.client("s3", ACCOUNT_A)
    stack.bucket_policy = s3.get_bucket_policy(Bucket=BUCKET)["Policy"]
    s3.delete_bucket_policy(Bucket=BUCKET)


@pytest.fixture(scope="module")
def object_versions(stack, objects_reachable) -> list[str]:
    """Objects in and out of the prefixes, and two versions of one, put as account A's admin."""
    s3 = stack.client("s3", ACCOUNT_A)
    for key in ("movies/a.mp4", "movies", "trailers/t.mp4", "trailers-private/t.mp4", "trailer/t.mp4",
                "private/payroll.csv", "Movies/a.mp4"):  # fmt: skip
        s3.put_object(Bucket=BUCKET, Key=key, Body=b"x")
    first = s3.put_object(Bucket=BUCKET, Key=OBJECT_KEY, Body=b"the first cut")["VersionId"]
    second = s3.put_object(Bucket=BUCKET, Key=OBJECT_KEY, Body=OBJECT_BODY)["VersionId"]
    return [first, second]


def test_access_role_reads_and_uploads_only_where_its_policy_says(stack, object_versions):
    presigner = _presigner_credentials(stack)
    with moto_iam_enforced(stack.moto):
        s3 = session_client(stack.moto, "s3", _access_role_credentials(stack, presigner))
        assert _error_code(s3.get_object, Bucket=BUCKET, Key=OBJECT_KEY) == "OK"
        assert _error_code(s3.get_object, Bucket=BUCKET, Key="trailers-private/t.mp4") == "OK"
        assert _error_code(s3.get_object, Bucket=BUCKET, Key="private/payroll.csv") == "AccessDenied"
        # allow_object_versions is on by default for a bucket the module versions.
        assert _error_code(s3.get_object, Bucket=BUCKET, Key=OBJECT_KEY, VersionId=object_versions[0]) == "OK"
        # No s3:ListBucket (allow_list = false).
        assert _error_code(s3.list_objects_v2, Bucket=BUCKET, Prefix="movies/") == "AccessDenied"

        # Uploads under the upload prefix only, multipart included.
        assert _error_code(s3.put_object, Bucket=BUCKET, Key=f"{UPLOAD_PREFIX}u.bin", Body=b"u") == "OK"
        assert _error_code(s3.put_object, Bucket=BUCKET, Key="movies/new.mp4", Body=b"u") == "AccessDenied"
        upload = s3.create_multipart_upload(Bucket=BUCKET, Key=f"{UPLOAD_PREFIX}m.bin")["UploadId"]
        assert _error_code(s3.list_parts, Bucket=BUCKET, Key=f"{UPLOAD_PREFIX}m.bin", UploadId=upload) == "OK"
        abort = _error_code(s3.abort_multipart_upload, Bucket=BUCKET, Key=f"{UPLOAD_PREFIX}m.bin", UploadId=upload)
        assert abort == "OK"
        assert _error_code(s3.create_multipart_upload, Bucket=BUCKET, Key="movies/m.bin") == "AccessDenied"


def test_runtime_and_iam_agree_on_prefixes(stack, object_versions, monkeypatch):
    """For each key, xpresign signs exactly when the applied policy lets the
    access role read it; "trailers" (no slash) admits trailers-private/ in both."""
    keys = ["movies/a.mp4", "movies", "trailers/t.mp4", "trailers-private/t.mp4", "trailer/t.mp4",
            "private/payroll.csv", "Movies/a.mp4"]  # fmt: skip
    presigner = _presigner_credentials(stack)
    with moto_iam_enforced(stack.moto):
        s3 = session_client(stack.moto, "s3", _access_role_credentials(stack, presigner))
        iam_allows = {key: _error_code(s3.get_object, Bucket=BUCKET, Key=key) == "OK" for key in keys}

    # The runtime's rule, with the deployed prefixes (single-bucket settings,
    # which every runtime version accepts).
    deployed = json.loads(
        stack.client("lambda", ACCOUNT_B, REGION_B).get_function_configuration(FunctionName=FUNCTION)["Environment"][
            "Variables"
        ]["XPRESIGN_CONFIG"]
    )
    (entry,) = deployed["buckets"].values()
    for name, value in {
        "AWS_ACCESS_KEY_ID": presigner["aws_access_key_id"],
        "AWS_SECRET_ACCESS_KEY": presigner["aws_secret_access_key"],
        "AWS_SESSION_TOKEN": presigner["aws_session_token"],
        "AWS_REGION": REGION_B,
        "AWS_ENDPOINT_URL": stack.moto.endpoint_url,
        "XPRESIGN_BUCKET": entry["bucket"],
        "XPRESIGN_BUCKET_REGION": entry["region"],
        "XPRESIGN_ROLE_ARN": entry["role_arn"],
        "XPRESIGN_EXTERNAL_ID": entry["external_id"],
        "XPRESIGN_ALLOWED_PREFIXES": ",".join(entry["allowed_prefixes"]),
    }.items():
        monkeypatch.setenv(name, value)
    lambda_handler.reset()
    runtime_allows = {}
    for key in keys:
        result = lambda_handler.handler({"key": key}, None)
        assert "url" in result or result["error"]["code"] == "KeyNotAllowed", result
        runtime_allows[key] = "url" in result

    assert runtime_allows == iam_allows
    assert {key for key, allowed in iam_allows.items() if allowed} == {
        "movies/a.mp4", "trailers/t.mp4", "trailers-private/t.mp4"
    }  # fmt: skip


def test_object_versions_follow_the_option(stack, object_versions):
    stack.write_variables(allow_object_versions=False)
    # Only the access role's policy changes; the target keeps moto's
    # logging_config quirk (see MOTO_DROPS_LOGGING_CONFIG) out of this apply.
    policy = "module.bucket_access.aws_iam_role_policy.this"
    stack.terraform("apply", "-auto-approve", "-input=false", "-refresh=false", f"-target={policy}")
    presigner = _presigner_credentials(stack)
    with moto_iam_enforced(stack.moto):
        s3 = session_client(stack.moto, "s3", _access_role_credentials(stack, presigner))
        assert _error_code(s3.get_object, Bucket=BUCKET, Key=OBJECT_KEY, VersionId=object_versions[0]) == "AccessDenied"
        assert _error_code(s3.get_object, Bucket=BUCKET, Key=OBJECT_KEY) == "OK"


# --- the function and its front doors -----------------------------------------------------------


def test_function_runs_the_built_zip_with_the_configuration(stack):
    lam = stack.client("lambda", ACCOUNT_B, REGION_B)
    config = lam.get_function_configuration(FunctionName=FUNCTION)
    assert config["Runtime"] == "python3.13"
    assert config["Architectures"] == ["arm64"]
    assert config["Handler"] == "xpresign.lambda_handler.handler"
    assert config["Role"] == stack.outputs["presigner_role_arn"]
    # filebase64sha256 in Terraform, CodeSha256 in Lambda: the very bytes built.
    assert config["CodeSha256"] == base64.b64encode(hashlib.sha256(stack.zip_path.read_bytes()).digest()).decode()
    # The handler string resolves inside the package the builder wrote.
    with zipfile.ZipFile(stack.zip_path) as package:
        assert "xpresign/lambda_handler.py" in package.namelist()

    variables = config["Environment"]["Variables"]
    assert set(variables) == {"XPRESIGN_CONFIG"}
    # No nulls: every byte counts against Lambda's 4 KB environment limit.
    assert json.loads(variables["XPRESIGN_CONFIG"]) == {
        "buckets": {
            BUCKET: {
                "bucket": BUCKET,
                "region": REGION_A,
                "role_arn": stack.outputs["access_role_arn"],
                "external_id": EXTERNAL_ID,
                "allowed_prefixes": ALLOWED_PREFIXES,
                "upload_prefixes": [UPLOAD_PREFIX],
                "max_expires": 3600,
                "default_expires": 900,
            }
        },
        "cors_allow_origins": [ORIGIN],
        "companion_bucket": BUCKET,
    }

    url_config = lam.get_function_url_config(FunctionName=FUNCTION)
    assert url_config["AuthType"] == "AWS_IAM"
    assert url_config["Cors"]["AllowOrigins"] == [ORIGIN]
    assert sorted(url_config["Cors"]["AllowMethods"]) == ["DELETE", "GET", "POST"]
    (group,) = stack.client("logs", ACCOUNT_B, REGION_B).describe_log_groups(
        logGroupNamePrefix=f"/aws/lambda/{FUNCTION}"
    )["logGroups"]
    assert group["retentionInDays"] == 365


def test_asynchronous_invokes_are_never_retried(stack):
    lam = stack.client("lambda", ACCOUNT_B, REGION_B)
    config = lam.get_function_event_invoke_config(FunctionName=FUNCTION)
    assert (config["MaximumRetryAttempts"], config["MaximumEventAgeInSeconds"]) == (0, 60)


def test_resource_policy_admits_the_invoker_and_the_http_api(stack):
    lam = stack.client("lambda", ACCOUNT_B, REGION_B)
    statements = _statements(lam.get_policy(FunctionName=FUNCTION)["Policy"])

    def account(principal) -> str:
        # AWS writes an account as {"AWS": "arn:aws:iam::ID:root"}, moto keeps the bare ID.
        value = principal.get("AWS", principal) if isinstance(principal, dict) else principal
        return str(value).removeprefix("arn:aws:iam::").removesuffix(":root")

    granted = {(s["Action"], account(s["Principal"])) for s in statements}
    assert {("lambda:InvokeFunction", INVOKER), ("lambda:InvokeFunctionUrl", INVOKER)} <= granted
    (api_statement,) = [s for s in statements if s["Principal"] == {"Service": "apigateway.amazonaws.com"}]
    api_id = stack.client("apigatewayv2", ACCOUNT_B, REGION_B).get_apis()["Items"][0]["ApiId"]
    source_arn = api_statement["Condition"]["ArnLike"]["AWS:SourceArn"]
    assert source_arn == f"arn:aws:execute-api:{REGION_B}:{ACCOUNT_B}:{api_id}/*/*/s3/*"
    # Nothing public: the URL is IAM-authorised.
    assert not any(s["Principal"] == "*" or s["Principal"] == {"AWS": "*"} for s in statements)


def test_http_api_routes_only_the_companion_routes_behind_the_jwt_authorizer(stack):
    api_client = stack.client("apigatewayv2", ACCOUNT_B, REGION_B)
    (api,) = api_client.get_apis()["Items"]
    assert api["ProtocolType"] == "HTTP"
    assert stack.outputs["http_api_endpoint"] == api["ApiEndpoint"]
    # Preflights are answered by API Gateway from this, before any authorizer.
    cors = api["CorsConfiguration"]
    assert cors["AllowOrigins"] == [ORIGIN]
    assert sorted(cors["AllowMethods"]) == ["DELETE", "GET", "POST"]
    assert sorted(cors["AllowHeaders"]) == ["authorization", "content-type"]

    routes = api_client.get_routes(ApiId=api["ApiId"])["Items"]
    assert {r["RouteKey"] for r in routes} == COMPANION_ROUTES  # no $default, no OPTIONS
    (authorizer_id,) = {r["AuthorizerId"] for r in routes}
    # (moto has no GetAuthorizers; the routes name the one authorizer)
    authorizer = api_client.get_authorizer(ApiId=api["ApiId"], AuthorizerId=authorizer_id)
    assert authorizer["AuthorizerType"] == "JWT"
    assert authorizer["IdentitySource"] == ["$request.header.Authorization"]
    assert authorizer["JwtConfiguration"] == {"Audience": [JWT_AUDIENCE], "Issuer": JWT_ISSUER}

    (integration,) = api_client.get_integrations(ApiId=api["ApiId"])["Items"]
    assert integration["IntegrationType"] == "AWS_PROXY"
    assert integration["PayloadFormatVersion"] == "2.0"
    assert stack.outputs["function_arn"] in integration["IntegrationUri"]

    for route in routes:
        assert route["AuthorizationType"] == "JWT", route
        assert route["Target"] == f"integrations/{integration['IntegrationId']}", route

    (stage,) = api_client.get_stages(ApiId=api["ApiId"])["Items"]
    assert stage["StageName"] == "$default" and stage["AutoDeploy"]
    assert stage["AccessLogSettings"]["DestinationArn"].endswith(f":log-group:/aws/apigateway/{FUNCTION}")


# --- the deployed configuration, run ------------------------------------------------------


def test_handler_signs_as_account_a_role_with_the_deployed_configuration(stack, object_versions, monkeypatch):
    _use_the_deployed_environment(stack, monkeypatch)

    # The function's AssumeRole, signed by xpresign, passes moto's signature
    # and policy check; the presigned GET itself is query-signed, which moto
    # does not check, so it is downloaded with the check off.
    with moto_iam_enforced(stack.moto):
        result = _run_deployed_handler({"key": OBJECT_KEY})

    assert "error" not in result, result
    assert result["bucket"] == BUCKET
    assert result["key"] == OBJECT_KEY
    assert 0 < result["expires_in"] <= 900
    with urllib.request.urlopen(result["url"], timeout=10) as response:
        assert response.read() == OBJECT_BODY

    # moto names the caller from the access key alone (it does not check the
    # signature here), so the URL's credential says whose session signed it.
    query = urllib.parse.parse_qs(urllib.parse.urlsplit(result["url"]).query)
    access_key, _date, region, service, _ = query["X-Amz-Credential"][0].split("/")
    assert (region, service) == (REGION_A, "s3")
    signer = boto3.client(
        "sts",
        endpoint_url=stack.moto.endpoint_url,
        region_name=REGION_B,
        aws_access_key_id=access_key,
        aws_secret_access_key="not-needed-by-moto",
    ).get_caller_identity()
    assert signer["Account"] == ACCOUNT_A
    assert signer["Arn"] == f"arn:aws:sts::{ACCOUNT_A}:assumed-role/xpresign-{BUCKET}/{FUNCTION}"

    refused = lambda_handler.handler({"key": "private/payroll.csv"}, None)
    assert "url" not in refused
    assert refused["error"]["code"] == "KeyNotAllowed"


def test_handler_signs_uploads_into_the_upload_prefix(stack, objects_reachable, monkeypatch):
    _use_the_deployed_environment(stack, monkeypatch)
    body = b"uploaded through the deployed configuration"
    key = f"{UPLOAD_PREFIX}e2e/upload.bin"

    result = _run_deployed_handler(
        {"key": key, "method": "PUT", "content_length": len(body), "content_type": "application/octet-stream"}
    )
    assert "error" not in result, result
    assert result["method"] == "PUT"
    request = urllib.request.Request(result["url"], data=body, headers=result["headers"], method="PUT")
    with urllib.request.urlopen(request, timeout=10) as response:
        assert response.status == 200
    stored = stack.client("s3", ACCOUNT_A).get_object(Bucket=BUCKET, Key=key)
    assert stored["Body"].read() == body

    outside = lambda_handler.handler({"key": "movies/upload.bin", "method": "PUT", "content_length": len(body)}, None)
    assert outside["error"]["code"] == "KeyNotAllowed"


# --- converged, then gone --------------------------------------------------------------------

# moto 5 accepts a function's LoggingConfig but neither stores nor returns it,
# so a plan after apply always wants to add logging_config back. That one
# difference is tolerated, and only while moto still drops the field.
MOTO_DROPS_LOGGING_CONFIG = ("module.presigner.aws_lambda_function.this", "logging_config")


def _profiles_environment(stack: Stack, directory: Path) -> dict[str, str]:
    """Per-account profiles (as SSO users have) instead of a deploy role: a
    shared credentials file whose two profiles hold sessions in A and B."""
    lines = []
    for profile, account in (("xpresign-a", ACCOUNT_A), ("xpresign-b", ACCOUNT_B)):
        creds = assume(stack.moto.endpoint_url, f"arn:aws:iam::{account}:role/{DEPLOY_ROLE}", "e2e-profile")
        lines += [f"[{profile}]"] + [f"{name} = {value}" for name, value in creds.items()] + [""]
    credentials = directory / "credentials"
    credentials.write_text("\n".join(lines), encoding="utf-8")
    env = {k: v for k, v in stack.env.items() if k not in ("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY")}
    env["AWS_SHARED_CREDENTIALS_FILE"] = str(credentials)
    return env


def test_second_plan_through_profiles_shows_no_changes(stack, tmp_path):
    if stack.bucket_policy is not None:
        stack.client("s3", ACCOUNT_A).put_bucket_policy(Bucket=BUCKET, Policy=stack.bucket_policy)
    # No deploy role: each provider reaches its account through its profile,
    # and allowed_account_ids would stop the plan if either led elsewhere.
    profiles = {"deploy_role_name": None, "account_a_profile": "xpresign-a", "account_b_profile": "xpresign-b"}
    (stack.example / "profiles.tfvars.json").write_text(json.dumps(profiles), encoding="utf-8")
    stack.terraform(
        "plan", "-input=false", "-out=second.tfplan", "-var-file=profiles.tfvars.json",
        env=_profiles_environment(stack, tmp_path),
    )  # fmt: skip
    plan = json.loads(stack.terraform("show", "-json", "second.tfplan").stdout)
    changes = {
        c["address"]: c["change"]
        for c in plan.get("resource_changes", [])
        if c["change"]["actions"] not in (["no-op"], ["read"])
    }
    moto_config = stack.client("lambda", ACCOUNT_B, REGION_B).get_function_configuration(FunctionName=FUNCTION)
    address, attribute = MOTO_DROPS_LOGGING_CONFIG
    if "LoggingConfig" not in moto_config and address in changes:
        change = changes.pop(address)
        differing = {k for k in change["after"] if change["before"].get(k) != change["after"][k]}
        assert change["actions"] == ["update"] and differing == {attribute}, change
        # What Terraform would send is still checked: JSON logs into the module's group.
        assert change["after"][attribute] == [
            {
                "log_format": "JSON",
                "log_group": f"/aws/lambda/{FUNCTION}",
                "application_log_level": "INFO",
                "system_log_level": "WARN",
            }
        ]
    assert changes == {}, json.dumps(changes, indent=1)[:4000]


def test_destroy_leaves_both_accounts_empty(stack):
    # The state is exact (apply wrote it and nothing else touches these
    # accounts), so a refresh would only cost time.
    stack.terraform("destroy", "-auto-approve", "-input=false", "-refresh=false")
    empty = {key: set() for key in ("roles", "policies", "buckets", "functions", "log_groups", "http_apis")}
    assert _inventory(stack, ACCOUNT_A) == empty
    assert _inventory(stack, ACCOUNT_B) == empty
