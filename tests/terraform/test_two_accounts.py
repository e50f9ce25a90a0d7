"""examples/two-accounts, applied for real against moto server.

One deployment per module run: build the Lambda zip with `xpresign build-lambda`,
`terraform apply` the example with both providers pointed at moto, then check
what landed where, run the handler with the deployed configuration as account
B's Lambda role, plan again (no changes) and destroy (both accounts empty).

The tests share the deployment and run in file order; the last one destroys it.

moto keeps accounts apart (credentials from an AssumeRole into
arn:aws:iam::ACCOUNT:role/... act in ACCOUNT) but checks neither signatures
nor trust policies: these tests prove the wiring and the policy documents,
not IAM's evaluation of them.
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
from dataclasses import dataclass, field
from pathlib import Path

import boto3
import pytest

from xpresign import lambda_handler
from xpresign.emulator import EMULATOR_CREDENTIALS, MotoServer, assume

from tfrun import EXAMPLE, copy_terraform_tree, run_terraform, terraform_environment, terraform_init

pytestmark = [pytest.mark.slow, pytest.mark.terraform]

# Not the emulator module's defaults, so nothing can pass by sharing them.
ACCOUNT_A = "111122223333"
ACCOUNT_B = "444455556666"
REGION_A = "eu-west-1"  # the bucket's region: what URLs must be signed for
REGION_B = "eu-central-1"  # the function's region
BUCKET = "xpresign-e2e-movies"
PREFIX = "movies/"
EXTERNAL_ID = "e2e-8c1f04b7"
FUNCTION = "xpresign-e2e"
DEPLOY_ROLE = "OrganizationAccountAccessRole"
OBJECT_KEY = "movies/metropolis (1927).mp4"
OBJECT_BODY = hashlib.sha256(b"metropolis").digest() * 64


@dataclass
class Stack:
    terraform_bin: str
    moto: MotoServer
    example: Path
    env: dict[str, str]
    zip_path: Path
    outputs: dict[str, str]
    _clients: dict = field(default_factory=dict)

    def client(self, service: str, account: str, region: str = REGION_A):
        """A client acting in ``account`` the way Terraform reaches it: through
        an AssumeRole into that account's deploy role."""
        cache_key = (service, account, region)
        if cache_key not in self._clients:
            role = f"arn:aws:iam::{account}:role/{DEPLOY_ROLE}"
            session = boto3.session.Session(region_name=region, **assume(self.moto.endpoint_url, role, "e2e-check"))
            self._clients[cache_key] = session.client(service, endpoint_url=self.moto.endpoint_url)
        return self._clients[cache_key]

    def terraform(self, *args: str, check: bool = True) -> subprocess.CompletedProcess:
        return run_terraform(self.terraform_bin, self.example, *args, "-no-color", env=self.env, check=check)


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
            "bucket_name": BUCKET,
            "create_bucket": True,
            # The handler test leaves an object behind; destroy must still empty A.
            "force_destroy": True,
            "allowed_prefixes": [PREFIX],
            "external_id": EXTERNAL_ID,
            "function_name": FUNCTION,
            "lambda_zip": str(zip_path),
            "endpoint_url": moto.endpoint_url,
        }
        (example / "e2e.auto.tfvars.json").write_text(json.dumps(variables), encoding="utf-8")
        terraform_init(terraform_bin, example, env=env)
        deployed = Stack(terraform_bin, moto, example, env, zip_path, outputs={})
        deployed.terraform("apply", "-auto-approve", "-input=false")
        outputs = json.loads(deployed.terraform("output", "-json").stdout)
        deployed.outputs = {name: output["value"] for name, output in outputs.items()}
        yield deployed


# --- where things landed -------------------------------------------------------------------


def _inventory(stack: Stack, account: str) -> dict[str, set[str]]:
    iam = stack.client("iam", account)
    return {
        "roles": {r["RoleName"] for r in iam.list_roles()["Roles"]},
        "policies": {p["PolicyName"] for p in iam.list_policies(Scope="Local")["Policies"]},
        "buckets": {b["Name"] for b in stack.client("s3", account).list_buckets()["Buckets"]},
        "functions": {
            f["FunctionName"]
            for region in {REGION_A, REGION_B}
            for f in stack.client("lambda", account, region).list_functions()["Functions"]
        },
        "log_groups": {
            g["logGroupName"]
            for region in {REGION_A, REGION_B}
            for g in stack.client("logs", account, region).describe_log_groups()["logGroups"]
        },
    }


def test_each_resource_lands_in_its_own_account(stack):
    out = stack.outputs
    assert out["access_role_arn"] == f"arn:aws:iam::{ACCOUNT_A}:role/xpresign-{BUCKET}"
    assert out["presigner_role_arn"] == f"arn:aws:iam::{ACCOUNT_B}:role/{FUNCTION}"
    assert out["function_arn"] == f"arn:aws:lambda:{REGION_B}:{ACCOUNT_B}:function:{FUNCTION}"
    assert out["bucket_region"] == REGION_A

    assert _inventory(stack, ACCOUNT_A) == {
        "roles": {f"xpresign-{BUCKET}"},
        "policies": set(),  # inline policies only: nothing account-wide to collide with
        "buckets": {BUCKET},
        "functions": set(),
        "log_groups": set(),
    }
    assert _inventory(stack, ACCOUNT_B) == {
        "roles": {FUNCTION},
        "policies": set(),
        "buckets": set(),
        "functions": {FUNCTION},
        "log_groups": {f"/aws/lambda/{FUNCTION}"},
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


# --- the policies --------------------------------------------------------------------------


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
    iam = stack.client("iam", ACCOUNT_A)
    role = iam.get_role(RoleName=f"xpresign-{BUCKET}")["Role"]
    (trust,) = _statements(role["AssumeRolePolicyDocument"])
    assert trust["Effect"] == "Allow"
    assert _as_list(trust["Action"]) == ["sts:AssumeRole"]
    assert _as_list(trust["Principal"]["AWS"]) == [stack.outputs["presigner_role_arn"]]
    assert trust["Condition"] == {"StringEquals": {"sts:ExternalId": EXTERNAL_ID}}
    assert role["MaxSessionDuration"] == 3600


def test_access_role_may_only_get_objects_under_the_prefix(stack):
    iam = stack.client("iam", ACCOUNT_A)
    name = f"xpresign-{BUCKET}"
    assert iam.list_attached_role_policies(RoleName=name)["AttachedPolicies"] == []
    (policy_name,) = iam.list_role_policies(RoleName=name)["PolicyNames"]
    document = iam.get_role_policy(RoleName=name, PolicyName=policy_name)["PolicyDocument"]
    assert _grants(_statements(document)) == {("s3:GetObject", f"arn:aws:s3:::{BUCKET}/{PREFIX}*")}


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

    document = json.loads(config["Environment"]["Variables"]["XPRESIGN_CONFIG"])
    entry = {k: v for k, v in document["buckets"][BUCKET].items() if v is not None}
    assert entry == {
        "bucket": BUCKET,
        "region": REGION_A,
        "role_arn": stack.outputs["access_role_arn"],
        "external_id": EXTERNAL_ID,
        "allowed_prefixes": [PREFIX],
        "max_expires": 3600,
        "default_expires": 900,
    }

    assert lam.get_function_url_config(FunctionName=FUNCTION)["AuthType"] == "AWS_IAM"
    (group,) = stack.client("logs", ACCOUNT_B, REGION_B).describe_log_groups(
        logGroupNamePrefix=f"/aws/lambda/{FUNCTION}"
    )["logGroups"]
    assert group["retentionInDays"] == 365


# --- the deployed configuration, run ------------------------------------------------------


def test_handler_signs_as_account_a_role_with_the_deployed_configuration(stack, monkeypatch):
    stack.client("s3", ACCOUNT_A).put_object(Bucket=BUCKET, Key=OBJECT_KEY, Body=OBJECT_BODY)
    function_env = stack.client("lambda", ACCOUNT_B, REGION_B).get_function_configuration(FunctionName=FUNCTION)[
        "Environment"
    ]["Variables"]
    # What Lambda gives the function: its execution role's session, its region, its name.
    creds = assume(stack.moto.endpoint_url, stack.outputs["presigner_role_arn"], FUNCTION)
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

    result = lambda_handler.handler({"key": OBJECT_KEY}, None)

    assert "error" not in result, result
    assert result["bucket"] == BUCKET
    assert result["key"] == OBJECT_KEY
    assert 0 < result["expires_in"] <= 900
    with urllib.request.urlopen(result["url"], timeout=10) as response:
        assert response.read() == OBJECT_BODY

    # moto names the caller from the access key alone (it does not check the
    # signature), so the URL's credential says whose session signed it.
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


# --- converged, then gone --------------------------------------------------------------------

# moto 5 accepts a function's LoggingConfig but neither stores nor returns it,
# so a plan after apply always wants to add logging_config back. That one
# difference is tolerated, and only while moto still drops the field.
MOTO_DROPS_LOGGING_CONFIG = ("module.presigner.aws_lambda_function.this", "logging_config")


def test_second_plan_shows_no_changes(stack):
    stack.terraform("plan", "-input=false", "-out=second.tfplan")
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
    empty = {"roles": set(), "policies": set(), "buckets": set(), "functions": set(), "log_groups": set()}
    assert _inventory(stack, ACCOUNT_A) == empty
    assert _inventory(stack, ACCOUNT_B) == empty
